import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The file path the validator sees for a document URI (non-file URIs keep their text, so they never hit the disk). */
export function uriToPath(uri: string): string {
  if (uri.startsWith('file:')) {
    try {
      return path.resolve(fileURLToPath(uri));
    } catch {
      return uri;
    }
  }
  return uri;
}

export function pathToUri(file: string): string {
  return path.isAbsolute(file) ? pathToFileURL(file).href : file;
}
