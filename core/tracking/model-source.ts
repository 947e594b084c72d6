import path from 'node:path';
import { invalid } from './errors';

/**
 * MLflow's checks of a model version's source (`_validate_source` in mlflow/server/handlers.py). A local path is
 * accepted only inside a local artifact root of the version's run, and this server's runs have none (their
 * artifacts are proxied): so it is refused. A URI must give an absolute path without relative references, even
 * URL-encoded ones.
 */
export function checkModelVersionSource(source: string): void {
  if (isLocalUri(source)) {
    throw invalid(
      `Invalid model version source: '${source}'. To use a local path as a model version source, the run_id request parameter has to be specified and the local path has to be contained within the artifact directory of the run specified by the run_id.`,
    );
  }
  let decoded = source;
  for (let next = unquotePlus(decoded); next !== decoded; next = unquotePlus(decoded)) decoded = next;
  const sourcePath = uriPath(decoded).replace(/\/+/g, '/').replace(/\/+$/, '');
  if (sourcePath.includes('\0') || !sourcePath.startsWith('/') || path.posix.resolve(sourcePath) !== sourcePath) {
    throw invalid(
      `Invalid model version source: '${source}'. If supplying a source as an http, https, local file path, ftp, objectstore, or mlflow-artifacts uri, an absolute path must be provided without relative path references present. Please provide an absolute path.`,
    );
  }
}

/** Python's `urlparse(uri).scheme`, lower-cased; '' when there is none. */
function schemeOf(uri: string): string {
  return /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(uri)?.[1]?.toLowerCase() ?? '';
}

function isLocalUri(uri: string): boolean {
  const scheme = schemeOf(uri);
  return scheme === '' || scheme === 'file';
}

/** The path part of a URI, as Python's `urlparse` splits it. */
function uriPath(uri: string): string {
  const scheme = schemeOf(uri);
  let rest = scheme ? uri.slice(scheme.length + 1) : uri;
  if (rest.startsWith('//')) {
    const end = rest.slice(2).search(/[/?#]/);
    rest = end < 0 ? '' : rest.slice(2 + end);
  }
  const end = rest.search(/[?#]/);
  return end < 0 ? rest : rest.slice(0, end);
}

/** Python's `urllib.parse.unquote_plus`: malformed escapes stay as they are. */
function unquotePlus(text: string): string {
  return text.replace(/\+/g, ' ').replace(/(%[0-9a-fA-F]{2})+/g, (escapes) => {
    try {
      return decodeURIComponent(escapes);
    } catch {
      return escapes;
    }
  });
}
