import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { listCodeFiles, type CodeFile } from './code-walk';
import { mapLimit } from './fs-util';
import { copyFiles, exists, hashFile, moveIntoPlace, snapshotHash } from './snapshot';

/** Folder of a datastore that local uploads go to, as Azure ML names it. */
export const LOCAL_UPLOAD_FOLDER = 'LocalUpload';

export interface DatastoreUpload {
  /** Inside the datastore: `LocalUpload/<hash>/<name>` (a folder's ends with `/`). */
  relativePath: string;
  hash: string;
  files: number;
  bytes: number;
  /** True when the same content was already uploaded and nothing was copied. */
  reused: boolean;
}

/** Data is not code: no size or count limit beyond what the disk holds. */
const UPLOAD_LIMITS = { maxBytes: Number.MAX_SAFE_INTEGER, maxFiles: 10_000_000 };
const IO_CONCURRENCY = 16;

/**
 * Uploads a local file or folder into a local datastore once per content: `<datastore>/LocalUpload/<hash>/<name>`,
 * where the hash covers the name, whether it is a file or a folder, and every file's path, exec bit and content.
 * Files are stored read-only. In a folder, `.amlignore` (else `.gitignore`) is honoured as Azure ML's upload does.
 */
export async function uploadToDatastore(source: string, datastoreRoot: string): Promise<DatastoreUpload> {
  const { name, isFolder, files, hash, bytes } = await hashLocalUpload(source, [datastoreRoot]);
  const result = (hash: string, reused: boolean, count: number, size: number): DatastoreUpload => ({ relativePath: `${LOCAL_UPLOAD_FOLDER}/${hash}/${name}${isFolder ? '/' : ''}`, hash, files: count, bytes: size, reused });
  const store = join(datastoreRoot, LOCAL_UPLOAD_FOLDER);
  if (await exists(join(store, hash))) return result(hash, true, files.length, bytes);

  await mkdir(store, { recursive: true });
  const temp = await mkdtemp(join(store, '.incoming-'));
  try {
    if (isFolder) await mkdir(join(temp, name));
    // Hashed again as copied, so the folder name always matches what it holds even if a file changed meanwhile.
    const copied = await copyFiles(files, temp);
    const storedHash = uploadHash(name, isFolder, copied);
    const reused = !(await moveIntoPlace(temp, join(store, storedHash)));
    return result(storedHash, reused, copied.length, copied.reduce((sum, file) => sum + file.size, 0));
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

export interface HashedUpload {
  /** The file's or folder's own name, the last segment of the upload's path. */
  name: string;
  isFolder: boolean;
  /** Each file with its path below the upload (`<name>/…` for a folder) and its SHA-256. */
  files: Array<CodeFile & { sha256: string }>;
  /** What the upload is stored under: `LocalUpload/<hash>/<name>`. */
  hash: string;
  bytes: number;
}

/** Lists and hashes a local file or folder as an upload to a datastore does (`excludedDirs` are left out). */
export async function hashLocalUpload(source: string, excludedDirs: string[] = []): Promise<HashedUpload> {
  const info = await stat(source);
  const isFolder = info.isDirectory();
  const name = basename(source);
  const files: CodeFile[] = isFolder
    ? (await listCodeFiles(source, UPLOAD_LIMITS, excludedDirs)).map((file) => ({ ...file, relPath: `${name}/${file.relPath}` }))
    : [{ relPath: name, sourcePath: source, executable: (info.mode & 0o111) !== 0, size: info.size }];
  const hashed = await mapLimit(files, IO_CONCURRENCY, async (file) => ({ ...file, sha256: await hashFile(file) }));
  const bytes = files.reduce((sum, file) => sum + file.size, 0);
  return { name, isFolder, files: hashed, hash: uploadHash(name, isFolder, hashed), bytes };
}

function uploadHash(name: string, isFolder: boolean, files: Parameters<typeof snapshotHash>[0]): string {
  return createHash('sha256').update(`${isFolder ? 'folder' : 'file'}\0${name}\0${snapshotHash(files)}`).digest('hex');
}
