import { chmod, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { copyInside, type CopyOptions } from './contained-fs';
import { exists } from './snapshot';

/**
 * Copies `relative` below `root` (a file or a folder) to `target` (a folder, created here; a file lands in it as
 * `fileName`) with every file read-only (0444, 0555 when executable) and every folder 0555. The copy is `copyInside`'s:
 * links leading out of `root`, and loops, are skipped and reported, never followed. Each file is a reflink where the
 * filesystem allows it (no data copied), else a copy; never a hard link, which would share the source's inode and so
 * its mode. A `target` that already exists is taken as the finished copy (a run picked up again after a restart); a
 * new one appears complete or not at all, and partial copies an earlier daemon left behind are removed first.
 */
export async function readOnlyCopy(root: string, relative: string, target: string, options: CopyOptions & { fileName?: string } = {}): Promise<void> {
  if (await exists(target)) return;
  await removeIncomingCopies(target);
  const temp = `${target}.incoming-${process.pid}`;
  await mkdir(temp, { recursive: true });
  const { fileName, ...copyOptions } = options;
  try {
    await copyInside(root, relative, fileName === undefined ? temp : join(temp, fileName), { ...copyOptions, cloneFiles: true });
    await makeReadOnly(temp);
    await rename(temp, target);
  } catch (error) {
    await removeCopy(temp);
    throw error;
  }
}

/** Every `<target>.incoming-<pid>` left by a daemon that stopped while copying, whatever its process id was. */
async function removeIncomingCopies(target: string): Promise<void> {
  const prefix = `${basename(target)}.incoming-`;
  const siblings = await readdir(dirname(target), { withFileTypes: true }).catch(() => []);
  for (const entry of siblings) {
    if (entry.name.startsWith(prefix) && entry.isDirectory()) await removeCopy(join(dirname(target), entry.name));
  }
}

/** Removes a (possibly partial) read-only copy, whose folders its owner must first make writable again. */
async function removeCopy(folder: string): Promise<void> {
  await makeWritable(folder).catch(() => undefined);
  await rm(folder, { recursive: true, force: true });
}

/** Read-only folders cannot be emptied by their owner: gives the owner write access back. */
async function makeWritable(folder: string): Promise<void> {
  await chmod(folder, 0o755);
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    if (entry.isDirectory()) await makeWritable(join(folder, entry.name));
  }
}

async function makeReadOnly(folder: string): Promise<void> {
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) await makeReadOnly(path);
    else if (entry.isFile()) await chmod(path, ((await stat(path)).mode & 0o111) !== 0 ? 0o555 : 0o444);
  }
  await chmod(folder, 0o555);
}
