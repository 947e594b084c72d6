import { createHash } from 'node:crypto';
import { chmod, lstat, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import type { ContainerClient } from '@azure/storage-blob';
import { blobError, type BlobLocation, blobServiceUrl, containerClient } from './blob';
import { DataError } from './errors';
import { formatBytes, mapLimit } from './fs-util';
import { exists, moveIntoPlace } from './snapshot';
import { hashLocalUpload, LOCAL_UPLOAD_FOLDER, type DatastoreUpload } from './upload';

/** Blobs transferred at once; each file larger than a block is itself sent in `BLOCK_CONCURRENCY` parallel blocks. */
export const FILE_CONCURRENCY = 32;
const BLOCK_CONCURRENCY = 8;
const BLOCK_SIZE = 8 * 1024 * 1024;
const UPLOAD_OPTIONS = { blockSize: BLOCK_SIZE, maxSingleShotSize: BLOCK_SIZE, concurrency: BLOCK_CONCURRENCY };
/** Progress lines at most this often. */
const PROGRESS_MS = 2000;

export interface LocalFile {
  sourcePath: string;
  /** Blob name below the prefix, `/`-separated. */
  relPath: string;
  size: number;
}

/**
 * Uploads a local file or folder into a Blob datastore once per content, as `uploadToDatastore` does for a local
 * one: `LocalUpload/<hash>/<name>`. Blobs already there are not sent again, so an interrupted upload resumes.
 */
export async function uploadToBlobDatastore(source: string, target: BlobLocation, log?: (line: string) => void): Promise<DatastoreUpload> {
  const upload = await hashLocalUpload(source);
  const prefix = `${LOCAL_UPLOAD_FOLDER}/${upload.hash}/`;
  const location = { ...target, path: prefix };
  const client = containerClient(target.datastore);
  const present = new Set<string>();
  try {
    for await (const blob of client.listBlobsFlat({ prefix })) present.add(blob.name);
  } catch (error) {
    throw blobError(location, error, 'listing the upload');
  }
  const missing = upload.files.filter((file) => !present.has(prefix + file.relPath));
  await uploadFiles(client, missing, prefix, location, log);
  return { relativePath: `${prefix}${upload.name}${upload.isFolder ? '/' : ''}`, hash: upload.hash, files: upload.files.length, bytes: upload.bytes, reused: missing.length === 0 };
}

/** Uploads every regular file below `folder` to `<target.path>/…` (an output at Finalizing); links are skipped. */
export async function uploadFolderToBlob(folder: string, target: BlobLocation, log?: (line: string) => void): Promise<{ files: number; bytes: number }> {
  const files = await walk(folder, '', (skipped) => log?.(`skipped ${skipped}: not a regular file`));
  const prefix = target.path && !target.path.endsWith('/') ? `${target.path}/` : target.path;
  await uploadFiles(containerClient(target.datastore), files, prefix, target, log);
  return { files: files.length, bytes: files.reduce((sum, file) => sum + file.size, 0) };
}

async function uploadFiles(client: ContainerClient, files: LocalFile[], prefix: string, location: BlobLocation, log?: (line: string) => void): Promise<void> {
  const progress = reporter('uploaded', files, log);
  await mapLimit(files, FILE_CONCURRENCY, async (file) => {
    try {
      await client.getBlockBlobClient(prefix + file.relPath).uploadFile(file.sourcePath, UPLOAD_OPTIONS);
    } catch (error) {
      throw blobError({ ...location, path: prefix + file.relPath }, error, 'the upload');
    }
    progress(file.size);
  });
}

export interface CachedBlobData {
  /** Folder holding the data: the prefix's blobs below it, or the single blob of a `uri_file` under its own name. */
  folder: string;
  /** For a single blob, its file name inside `folder`. */
  fileName?: string;
  hit: boolean;
  files: number;
  bytes: number;
}

/**
 * Brings a Blob path into the local content cache `<cacheRoot>/<key>/`, keyed by the service, container, path and
 * every blob's name, ETag and Content-MD5: data unchanged since an earlier job is not downloaded again. Files are
 * read-only. `asFile` takes `path` as one blob (`uri_file`), otherwise as a folder prefix.
 */
export async function fetchToCache(location: BlobLocation, cacheRoot: string, asFile: boolean, log?: (line: string) => void): Promise<CachedBlobData> {
  const client = containerClient(location.datastore);
  const blobs = await listData(client, location, asFile);
  const key = createHash('sha256')
    .update(`${blobServiceUrl(location.datastore)}\0${location.datastore.container_name}\0${location.path}\0${asFile}\0`)
    .update(blobs.map((blob) => `${blob.name}\0${blob.etag}\0${blob.md5}\0${blob.size}`).join('\n'))
    .digest('hex');
  const folder = join(cacheRoot, key);
  const fileName = asFile ? posix.basename(location.path) : undefined;
  const bytes = blobs.reduce((sum, blob) => sum + blob.size, 0);
  const result = { folder, ...(fileName ? { fileName } : {}), files: blobs.length, bytes };
  if (await exists(folder)) return { ...result, hit: true };

  await mkdir(cacheRoot, { recursive: true });
  const temp = await mkdtemp(join(cacheRoot, '.incoming-'));
  try {
    const files = blobs.map((blob) => ({ blob: blob.name, relPath: fileName ?? blob.name.slice(blob.prefixLength), size: blob.size }));
    const folders = new Set(files.map((file) => dirname(join(temp, file.relPath))));
    await Promise.all([...folders].map((dir) => mkdir(dir, { recursive: true })));
    const progress = reporter('downloaded', files, log);
    await mapLimit(files, FILE_CONCURRENCY, async (file) => {
      const target = join(temp, file.relPath);
      try {
        await client.getBlobClient(file.blob).downloadToFile(target);
      } catch (error) {
        throw blobError({ ...location, path: file.blob }, error, 'the download');
      }
      await chmod(target, 0o444);
      progress(file.size);
    });
    // Readable by the unprivileged user containers run as when the daemon is root (mkdtemp makes it 0700).
    await chmod(temp, 0o755);
    await moveIntoPlace(temp, folder);
    return { ...result, hit: false };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/**
 * A Blob path whose shape the caller does not know (a model's `path`) into the cache as `fetchToCache` does: the blob of
 * that name when there is one, else the folder prefix below it.
 */
export async function fetchPathToCache(location: BlobLocation, cacheRoot: string, log?: (line: string) => void): Promise<CachedBlobData> {
  const name = location.path.replace(/\/+$/, '');
  let asFile = false;
  if (name && name === location.path) {
    try {
      asFile = await containerClient(location.datastore).getBlobClient(name).exists();
    } catch (error) {
      throw blobError(location, error, 'reading');
    }
  }
  return fetchToCache(location, cacheRoot, asFile, log);
}

interface ListedBlob {
  name: string;
  etag: string;
  md5: string;
  size: number;
  /** Length of the prefix the blob's name is relative to. */
  prefixLength: number;
}

async function listData(client: ContainerClient, location: BlobLocation, asFile: boolean): Promise<ListedBlob[]> {
  const path = location.path.replace(/\/+$/, '');
  try {
    if (asFile) {
      const properties = await client.getBlobClient(path).getProperties();
      return [{ name: path, etag: properties.etag ?? '', md5: base64(properties.contentMD5), size: properties.contentLength ?? 0, prefixLength: 0 }];
    }
    const prefix = path ? `${path}/` : '';
    const blobs: ListedBlob[] = [];
    for await (const blob of client.listBlobsFlat({ prefix })) {
      if (blob.name.endsWith('/')) continue;
      blobs.push({ name: blob.name, etag: blob.properties.etag, md5: base64(blob.properties.contentMD5), size: blob.properties.contentLength ?? 0, prefixLength: prefix.length });
    }
    if (blobs.length === 0) {
      const isBlob = path !== '' && (await client.getBlobClient(path).exists());
      throw new DataError(
        isBlob
          ? `datastore "${location.datastore.name}", path "${location.path}" is a file; use type: uri_file`
          : `datastore "${location.datastore.name}", path "${location.path}": nothing is stored there`,
      );
    }
    return blobs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (error) {
    throw blobError(location, error, asFile ? 'reading' : 'listing');
  }
}

function base64(value: Uint8Array | undefined): string {
  return value ? Buffer.from(value).toString('base64') : '';
}

/** Regular files below `root` as upload entries; links and other special files are reported and left out. */
async function walk(root: string, relative: string, onSkip: (path: string) => void): Promise<LocalFile[]> {
  const files: LocalFile[] = [];
  for (const entry of await readdir(join(root, relative), { withFileTypes: true })) {
    const rel = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...(await walk(root, rel, onSkip)));
    else if (entry.isFile()) files.push({ sourcePath: join(root, rel), relPath: rel, size: (await lstat(join(root, rel))).size });
    else onSkip(rel);
  }
  return files;
}

/** Counts transferred files and bytes, telling `log` now and then and once at the end. */
function reporter(verb: string, files: ReadonlyArray<{ size: number }>, log?: (line: string) => void): (bytes: number) => void {
  const total = files.reduce((sum, file) => sum + file.size, 0);
  let count = 0;
  let bytes = 0;
  let last = Date.now();
  return (size) => {
    count++;
    bytes += size;
    if (!log) return;
    if (count === files.length || Date.now() - last >= PROGRESS_MS) {
      last = Date.now();
      log(`${verb} ${count}/${files.length} files, ${formatBytes(bytes)} of ${formatBytes(total)}`);
    }
  };
}
