import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, chmod, mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { listCodeFiles, type CodeFile, type CodeWalkLimits } from './code-walk';
import { mapLimit } from './fs-util';

export { ALWAYS_SKIPPED, IGNORE_FILE_NAMES } from './code-walk';

export interface CodeSnapshot {
  /** sha256 of the sorted (path, executable bit, content sha256) list. */
  hash: string;
  /** `storeRoot/<hash>`: read-only files, shared by every run of the same code. */
  dir: string;
  files: number;
  bytes: number;
  /** True when a snapshot with this hash was already stored and nothing was copied. */
  reused: boolean;
}

export type SnapshotOptions = Partial<CodeWalkLimits>;

export const DEFAULT_SNAPSHOT_LIMITS: CodeWalkLimits = { maxBytes: 2 * 1024 ** 3, maxFiles: 100_000 };

/** Files read or copied at once: enough to overlap I/O without exhausting file descriptors. */
const IO_CONCURRENCY = 16;
/** Files up to this size are read in one call; larger ones are streamed. */
const SMALL_FILE_BYTES = 1024 * 1024;

interface HashedFile extends CodeFile {
  sha256: string;
}

/**
 * Content-addressed snapshot of a job's `code` folder. Ignore files (`.amlignore`, else `.gitignore`) apply at every
 * folder level; empty folders are not part of a snapshot. The snapshot is stored once per hash: when the hash exists
 * nothing is copied. A new snapshot is written to a temporary folder and renamed into place, so readers never see a
 * partial one and concurrent snapshots of the same content both succeed.
 */
export async function snapshotCode(sourceDir: string, storeRoot: string, options: SnapshotOptions = {}): Promise<CodeSnapshot> {
  const limits: CodeWalkLimits = { ...DEFAULT_SNAPSHOT_LIMITS, ...options };
  const files = await listCodeFiles(sourceDir, limits, [storeRoot]);
  const bytes = files.reduce((sum, file) => sum + file.size, 0);
  const hashed = await mapLimit(files, IO_CONCURRENCY, async (file) => ({ ...file, sha256: await hashFile(file) }));
  const hash = snapshotHash(hashed);
  const dir = join(storeRoot, hash);
  if (await exists(dir)) return { hash, dir, files: files.length, bytes, reused: true };

  await mkdir(storeRoot, { recursive: true });
  const temp = await mkdtemp(join(storeRoot, '.incoming-'));
  try {
    // Hash what was actually copied, so the folder name always matches its content even if a file changed meanwhile.
    const copied = await copyFiles(files, temp);
    const storedHash = snapshotHash(copied);
    const storedDir = join(storeRoot, storedHash);
    const reused = !(await moveIntoPlace(temp, storedDir));
    return { hash: storedHash, dir: storedDir, files: copied.length, bytes: copied.reduce((sum, file) => sum + file.size, 0), reused };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/** The snapshot hash of a file list; independent of order, timestamps and anything but path, exec bit and content. */
export function snapshotHash(files: ReadonlyArray<Pick<HashedFile, 'relPath' | 'executable' | 'sha256'>>): string {
  const sorted = [...files].sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
  const hash = createHash('sha256');
  for (const file of sorted) hash.update(`${file.relPath}\0${file.executable ? 'x' : '-'}\0${file.sha256}\n`);
  return hash.digest('hex');
}

export async function hashFile(file: CodeFile): Promise<string> {
  if (file.size <= SMALL_FILE_BYTES) return createHash('sha256').update(await readFile(file.sourcePath)).digest('hex');
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file.sourcePath)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Copies the files under `targetRoot` (readable by any uid, so a container user can read them) and hashes the copies. */
export async function copyFiles(files: CodeFile[], targetRoot: string): Promise<HashedFile[]> {
  const folders = new Set<string>([targetRoot]);
  for (const file of files) {
    for (let dir = dirname(join(targetRoot, file.relPath)); dir.length > targetRoot.length; dir = dirname(dir)) folders.add(dir);
  }
  for (const folder of [...folders].sort()) {
    await mkdir(folder, { recursive: true });
    await chmod(folder, 0o755);
  }
  return mapLimit(files, IO_CONCURRENCY, async (file) => {
    const target = join(targetRoot, file.relPath);
    const hash = createHash('sha256');
    let size = 0;
    await pipeline(
      createReadStream(file.sourcePath),
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          hash.update(chunk);
          size += chunk.length;
          yield chunk;
        }
      },
      createWriteStream(target),
    );
    await chmod(target, file.executable ? 0o555 : 0o444);
    return { ...file, size, sha256: hash.digest('hex') };
  });
}

/** Renames `temp` to `target`; false when another snapshot of the same content got there first. */
export async function moveIntoPlace(temp: string, target: string): Promise<boolean> {
  try {
    await rename(temp, target);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if ((code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'EPERM') && (await exists(target))) return false;
    throw error;
  }
}

export async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
