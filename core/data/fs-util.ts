import { randomBytes } from 'node:crypto';
import { accessSync, chmodSync, constants, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, relative, sep } from 'node:path';

/** Whether `candidate` is `root` or lies below it (lexically; resolve symlinks first when they matter). */
export function isInside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`));
}

/** Writes a file only its owner can read, atomically (a reader sees the old content or the new, never a part). */
export function writePrivateFile(file: string, content: string | Buffer): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, content, { mode: 0o600 });
  // the mode given to writeFileSync is masked by the umask
  chmodSync(temp, 0o600);
  renameSync(temp, file);
}

/** A random 32-byte key kept in a private file, created on first use. */
export function readOrCreateKey(file: string): Buffer {
  try {
    const existing = readFileSync(file);
    if (existing.length >= 32) return existing;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  mkdirSync(dirname(file), { recursive: true });
  const key = randomBytes(32);
  writePrivateFile(file, key);
  return key;
}

export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/** The path, or a directory on the way to it, does not exist: `ENOENT`, or `ENOTDIR` where a file stands for a directory. */
export function isMissingPath(error: unknown): boolean {
  return isNotFound(error) || (error as NodeJS.ErrnoException | undefined)?.code === 'ENOTDIR';
}

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}

/** Runs `task` over `items` with at most `limit` in flight, keeping the order of results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The executable file `command` in a folder of `searchPath` (a PATH value), first found. */
export function onPath(command: string, searchPath: string | undefined): string | undefined {
  for (const dir of (searchPath ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}
