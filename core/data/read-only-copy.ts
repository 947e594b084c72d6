import { constants } from 'node:fs';
import { chmod, cp, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { exists } from './snapshot';

/**
 * Copies a file or folder to `target` (a folder, created here) with every file read-only (0444, 0555 when
 * executable) and every folder 0555. Each file is a reflink where the filesystem allows it (no data copied), else a
 * copy; never a hard link, which would share the source's inode and so its mode. A `target` that already exists is
 * taken as the finished copy (a run picked up again after a restart); a new one appears complete or not at all.
 */
export async function readOnlyCopy(source: string, target: string): Promise<void> {
  if (await exists(target)) return;
  const isFile = (await stat(source)).isFile();
  const temp = `${target}.incoming-${process.pid}`;
  await removeCopy(temp);
  await mkdir(temp, { recursive: true });
  try {
    await cp(source, isFile ? join(temp, basename(source)) : temp, { recursive: true, dereference: true, preserveTimestamps: true, mode: constants.COPYFILE_FICLONE });
    await makeReadOnly(temp);
    await rename(temp, target);
  } catch (error) {
    await removeCopy(temp);
    throw error;
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
