import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { isInside, isMissingPath, isNotFound } from './fs-util';

/**
 * Reading what a job wrote without following its symbolic links out of the folder they were found in.
 *
 * A job can leave links anywhere it may write (`ln -s / $OUT/root`). Every path below a root is resolved one
 * component at a time with `lstat`; a link is followed only while its target stays inside the root's real path. Files
 * are then opened with `O_NOFOLLOW`, and the opened descriptor's own path is checked against the root again, so a
 * folder swapped for a link between the check and the open cannot make the daemon read outside.
 *
 * Hard links are not refused: a container cannot hard-link a host file into its bind-mounted output folder (link()
 * across mounts fails with EXDEV), and a host-process job already runs with the user's own rights; the daemon itself
 * may hard-link staged copies.
 */

/** A path below a root that is, or passes through, a symbolic link leading outside the root. */
export class LinkEscapeError extends Error {
  override readonly name = 'LinkEscapeError';

  constructor(readonly relative: string, reason = 'is, or passes through, a symbolic link that leads outside its folder') {
    super(`"${relative}" ${reason}; mlw does not follow links out of what a job wrote`);
  }
}

/** A path below a root that exists but is not a regular file (a folder, a socket, a FIFO …). */
export class NotAFileError extends Error {
  override readonly name = 'NotAFileError';

  constructor(readonly relative: string) {
    super(`"${relative}" is not a file`);
  }
}

/** Links resolved in one path at most, as the kernel's own limit (ELOOP beyond it). */
const MAX_LINKS = 40;

/**
 * The real path of `relative` below `root`, every symbolic link on the way resolved while it stays inside the root.
 * Throws `LinkEscapeError` when a link (or `..`) leaves the root, and the `lstat` error (ENOENT …) when a component
 * is missing.
 */
export function realPathInside(root: string, relative: string): string {
  const realRoot = fs.realpathSync(root);
  const lexicalRoot = path.resolve(root);
  const pending = splitPath(relative);
  let current = realRoot;
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '..') {
      if (current === realRoot) throw new LinkEscapeError(relative, 'leads above its folder');
      current = path.dirname(current);
      continue;
    }
    const next = path.join(current, part);
    if (!fs.lstatSync(next).isSymbolicLink()) {
      current = next;
      continue;
    }
    if (++links > MAX_LINKS) throw new LinkEscapeError(relative, 'passes through too many symbolic links');
    const target = fs.readlinkSync(next);
    if (!path.isAbsolute(target)) {
      pending.unshift(...splitPath(target));
      continue;
    }
    const absolute = path.resolve(target);
    const base = isInside(realRoot, absolute) ? realRoot : isInside(lexicalRoot, absolute) ? lexicalRoot : undefined;
    if (base === undefined) throw new LinkEscapeError(relative);
    current = realRoot;
    pending.unshift(...splitPath(path.relative(base, absolute)));
  }
  return current;
}

/** Whether `relative` below `root` stays inside it (a missing path counts as inside: nothing is there to follow). */
export function staysInside(root: string, relative: string): boolean {
  try {
    realPathInside(root, relative);
    return true;
  } catch (error) {
    if (error instanceof LinkEscapeError) return false;
    if (isMissingPath(error)) return true;
    throw error;
  }
}

export interface OpenedFile {
  fd: number;
  stats: fs.Stats;
}

/** Opens the regular file `relative` below `root` for reading; see the module comment for what is checked. */
export function openFileInside(root: string, relative: string): OpenedFile {
  const realRoot = fs.realpathSync(root);
  return openChecked(realRoot, realPathInside(realRoot, relative), relative);
}

/** The open step of `openFileInside` for a path `realPathInside` resolved earlier: what changed since is caught here. */
export function openResolvedFile(root: string, realPath: string, relative: string): OpenedFile {
  return openChecked(fs.realpathSync(root), realPath, relative);
}

/** A read stream of the regular file `relative` below `root` (it owns the descriptor). */
export function readStreamInside(root: string, relative: string): { stream: fs.ReadStream; size: number } {
  const { fd, stats } = openFileInside(root, relative);
  return { stream: fs.createReadStream('', { fd, autoClose: true }), size: stats.size };
}

/**
 * Opens `realPath` (already resolved inside `realRoot`) without following a link in its last component, and without
 * blocking on a FIFO, then checks that what was opened is a regular file inside the root.
 */
function openChecked(realRoot: string, realPath: string, relative: string): OpenedFile {
  let fd: number;
  try {
    fd = fs.openSync(realPath, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (error) {
    // ELOOP: the last component became a symbolic link after it was checked.
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw new LinkEscapeError(relative, 'became a symbolic link while it was read');
    throw error;
  }
  try {
    if (!isInside(realRoot, descriptorPath(fd, realPath))) throw new LinkEscapeError(relative, 'was moved outside its folder while it was read');
    const stats = fs.fstatSync(fd);
    if (!stats.isFile()) throw new NotAFileError(relative);
    return { fd, stats };
  } catch (error) {
    fs.closeSync(fd);
    throw error;
  }
}

/** Where an open descriptor really is: `/proc/self/fd` on Linux, else the path resolved again. */
function descriptorPath(fd: number, openedPath: string): string {
  try {
    return fs.readlinkSync(`/proc/self/fd/${fd}`).replace(/ \(deleted\)$/, '');
  } catch {
    return fs.realpathSync(openedPath);
  }
}

export interface EntryInside {
  /** `/`-separated path below the listed folder. */
  relative: string;
  isDirectory: boolean;
  size: number;
}

/**
 * The direct children of the folder `relative` below `root`. A symbolic link is listed as what it points to when that
 * stays inside the root, and left out otherwise; sockets, FIFOs and devices are left out.
 */
export function listInside(root: string, relative: string): EntryInside[] {
  const realRoot = fs.realpathSync(root);
  const folder = realPathInside(realRoot, relative);
  const entries: EntryInside[] = [];
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    const info = statEntry(realRoot, path.join(folder, entry.name), entry);
    if (info && (info.isDirectory() || info.isFile())) entries.push({ relative: entry.name, isDirectory: info.isDirectory(), size: info.isFile() ? info.size : 0 });
  }
  return entries;
}

/** `lstat` of a plain entry, or `stat` of a link's target when it stays inside the root; `undefined` otherwise. */
function statEntry(realRoot: string, entryPath: string, entry: fs.Dirent): fs.Stats | undefined {
  try {
    if (!entry.isSymbolicLink()) return fs.lstatSync(entryPath);
    return fs.lstatSync(realPathInside(realRoot, path.relative(realRoot, entryPath)));
  } catch (error) {
    if (error instanceof LinkEscapeError || isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * The regular files below the folder `relative` of `root` (`/`-separated, sorted), symbolic links left out whatever
 * they point to, at most `limit`. A folder that is missing or leads outside the root has none.
 */
export function regularFilesInside(root: string, relative: string, limit = 1000): string[] {
  let folder: string;
  try {
    folder = realPathInside(root, relative);
  } catch {
    return [];
  }
  const files: string[] = [];
  const walk = (dir: string, prefix: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const name = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isFile()) files.push(name);
      // A folder swapped for a link after readdir is not descended into: lstat sees the link.
      else if (entry.isDirectory() && fs.lstatSync(path.join(dir, entry.name), { throwIfNoEntry: false })?.isDirectory()) walk(path.join(dir, entry.name), name);
    }
  };
  walk(folder, '');
  return files.sort().slice(0, limit);
}

export interface CopyOptions {
  /** Told about every entry left out, as one line ("skipped x: …"). */
  onSkip?: (line: string) => void;
  /** Names the root in those lines, e.g. `datastore "workspaceblobstore"`. */
  what?: string;
  /**
   * Copies each file with `copyFile` from the checked descriptor (a reflink where the filesystem allows it, so no
   * data is copied) instead of streaming it. Only for a destination nobody else writes to: `copyFile` does not
   * refuse a link put in place of the destination file meanwhile.
   */
  cloneFiles?: boolean;
}

/**
 * Copies `relative` below `root` (a file or a folder) to `destination`, replacing what is there. Symbolic links whose
 * target stays inside the root are copied as what they point to; the others are skipped (and reported), as are
 * links looping back to a folder being copied, sockets, FIFOs and devices. File contents are read through the same
 * checked open as `openFileInside`. Destination entries that are links are replaced, never written through.
 */
export async function copyInside(root: string, relative: string, destination: string, options: CopyOptions = {}): Promise<void> {
  const realRoot = fs.realpathSync(root);
  const source = realPathInside(realRoot, relative);
  const copier = new TreeCopier(realRoot, options);
  if (fs.lstatSync(source).isDirectory()) await copier.folder(source, destination, '', new Set([source]));
  else await copier.file(source, destination, path.basename(source));
}

class TreeCopier {
  constructor(private readonly realRoot: string, private readonly options: CopyOptions) {}

  async folder(source: string, destination: string, shown: string, ancestors: Set<string>): Promise<void> {
    ensureRealFolder(destination);
    for (const entry of fs.readdirSync(source, { withFileTypes: true })) {
      const from = path.join(source, entry.name);
      const to = path.join(destination, entry.name);
      const name = shown ? `${shown}/${entry.name}` : entry.name;
      let real = from;
      if (entry.isSymbolicLink()) {
        try {
          real = realPathInside(this.realRoot, path.relative(this.realRoot, from));
        } catch (error) {
          if (error instanceof LinkEscapeError) {
            this.skip(name, `a symbolic link to ${readLinkOrUnknown(from)}, outside ${this.options.what ?? 'the folder it was found in'}; not followed`);
            continue;
          }
          if (isNotFound(error)) {
            this.skip(name, `a symbolic link to the missing ${readLinkOrUnknown(from)}`);
            continue;
          }
          throw error;
        }
      }
      const info = fs.lstatSync(real, { throwIfNoEntry: false });
      if (info?.isDirectory()) {
        if (ancestors.has(real)) this.skip(name, 'a symbolic link to a folder that contains it');
        else await this.folder(real, to, name, new Set([...ancestors, real]));
      } else if (info?.isFile()) {
        await this.file(real, to, name).catch((error: unknown) => {
          if (!(error instanceof LinkEscapeError || error instanceof NotAFileError)) throw error;
          this.skip(name, error.message);
        });
      } else if (info) {
        this.skip(name, 'not a file or a folder');
      }
    }
  }

  async file(source: string, destination: string, shown: string): Promise<void> {
    const { fd, stats } = openChecked(this.realRoot, source, shown);
    if (this.options.cloneFiles && fs.existsSync(`/proc/self/fd/${fd}`)) return this.cloneFile(fd, stats, destination);
    const input = fs.createReadStream('', { fd, autoClose: true });
    const existing = fs.lstatSync(destination, { throwIfNoEntry: false });
    if (existing && !existing.isFile()) fs.rmSync(destination, { recursive: true, force: true });
    const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_NOFOLLOW;
    let outFd: number;
    try {
      outFd = fs.openSync(destination, flags, stats.mode & 0o777);
    } catch (error) {
      input.destroy();
      throw error;
    }
    await pipeline(input, fs.createWriteStream('', { fd: outFd, autoClose: true }));
    fs.chmodSync(destination, stats.mode & 0o777);
    fs.utimesSync(destination, stats.atime, stats.mtime);
  }

  /** Copies the open file `fd` through its `/proc/self/fd` entry, which reopens that very file whatever its path now is. */
  private async cloneFile(fd: number, stats: fs.Stats, destination: string): Promise<void> {
    try {
      const existing = fs.lstatSync(destination, { throwIfNoEntry: false });
      if (existing) fs.rmSync(destination, { recursive: true, force: true });
      await fs.promises.copyFile(`/proc/self/fd/${fd}`, destination, fs.constants.COPYFILE_FICLONE);
    } finally {
      fs.closeSync(fd);
    }
    fs.chmodSync(destination, stats.mode & 0o777);
    fs.utimesSync(destination, stats.atime, stats.mtime);
  }

  private skip(name: string, reason: string): void {
    this.options.onSkip?.(`skipped ${name}: ${reason}`);
  }
}

/** Makes `folder` a real folder: a link (or file) in its place is removed first, so nothing is written through it. */
function ensureRealFolder(folder: string): void {
  const existing = fs.lstatSync(folder, { throwIfNoEntry: false });
  if (existing?.isDirectory()) return;
  if (existing) fs.rmSync(folder, { force: true });
  fs.mkdirSync(folder, { recursive: true });
}

function readLinkOrUnknown(link: string): string {
  try {
    return fs.readlinkSync(link);
  } catch {
    return 'an unknown target';
  }
}

function splitPath(value: string): string[] {
  return value.split('/').filter((part) => part !== '' && part !== '.');
}
