import { createHash } from 'node:crypto';
import { constants, createReadStream, openSync, promises as fs, type ReadStream, type Stats } from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import ignore from 'ignore';
import * as tar from 'tar-stream';
import { mapLimit } from '../data/fs-util';

/** One entry of a Docker build context: from disk, or generated in memory. */
export type ContextEntry =
  | { kind: 'file'; name: string; mode: number; size: number; mtime: Date; absPath: string; stats: Stats }
  | { kind: 'file'; name: string; mode: number; size: number; mtime: Date; content: Buffer }
  | { kind: 'directory'; name: string; mode: number; mtime: Date }
  | { kind: 'symlink'; name: string; mode: number; mtime: Date; target: string };

/** Files the engine reads even when `.dockerignore` lists them. */
const ALWAYS_SENT = new Set(['.dockerignore']);

/**
 * The entries of `contextDir` that a build sends, sorted by name (POSIX paths relative to the context), with
 * `.dockerignore` applied. Its patterns follow gitignore rules (the `ignore` package): a pattern without a slash
 * also matches in subfolders, which excludes a little more than Docker's root-anchored matching.
 */
export async function listContext(contextDir: string, dockerfileName: string): Promise<ContextEntry[]> {
  const rules = ignore();
  const ignoreText = await fs.readFile(path.join(contextDir, '.dockerignore'), 'utf8').catch(() => '');
  rules.add(ignoreText);
  const keep = new Set([...ALWAYS_SENT, dockerfileName]);
  const entries: ContextEntry[] = [];

  async function walk(relativeDir: string): Promise<void> {
    const dirents = await fs.readdir(path.join(contextDir, relativeDir), { withFileTypes: true });
    await Promise.all(
      dirents.map(async (dirent) => {
        const name = relativeDir ? `${relativeDir}/${dirent.name}` : dirent.name;
        const isDirectory = dirent.isDirectory();
        if (!keep.has(name) && rules.ignores(isDirectory ? `${name}/` : name)) return;
        const absPath = path.join(contextDir, name);
        const stats = await fs.lstat(absPath);
        const mode = stats.mode & 0o7777;
        if (stats.isDirectory()) {
          entries.push({ kind: 'directory', name, mode, mtime: stats.mtime });
          await walk(name);
        } else if (stats.isSymbolicLink()) {
          entries.push({ kind: 'symlink', name, mode, mtime: stats.mtime, target: await fs.readlink(absPath) });
        } else if (stats.isFile()) {
          entries.push({ kind: 'file', name, mode, size: stats.size, mtime: stats.mtime, absPath, stats });
        }
      }),
    );
  }

  await walk('');
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * sha256 of file contents, remembered per path while size, mtime, ctime and inode stay the same, so a context that
 * did not change is hashed from `stat` alone.
 */
export class FileDigestCache {
  private readonly digests = new Map<string, { signature: string; digest: string }>();

  async digest(absPath: string, stats: Stats): Promise<string> {
    const signature = `${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}:${stats.ino}`;
    const known = this.digests.get(absPath);
    if (known?.signature === signature) return known.digest;
    const hash = createHash('sha256');
    await pipeline(readNoFollow(absPath), hash);
    const digest = hash.digest('hex');
    this.digests.set(absPath, { signature, digest });
    return digest;
  }
}

/** Adds every entry (name, kind, mode and content digest, in order) to `hash`. */
export async function hashContext(entries: ContextEntry[], hash: ReturnType<typeof createHash>, digests: FileDigestCache): Promise<void> {
  const lines = await mapLimit(entries, OPEN_FILES_AT_ONCE, async (entry) => {
    const mode = entry.mode.toString(8);
    switch (entry.kind) {
      case 'directory':
        return `dir ${mode} ${JSON.stringify(entry.name)}`;
      case 'symlink':
        return `symlink ${JSON.stringify(entry.name)} -> ${JSON.stringify(entry.target)}`;
      case 'file': {
        const digest = 'content' in entry
          ? createHash('sha256').update(entry.content).digest('hex')
          : await digests.digest(entry.absPath, entry.stats);
        return `file ${mode} ${JSON.stringify(entry.name)} ${digest}`;
      }
    }
  });
  for (const line of lines) hash.update(`${line}\n`);
}

/** Context files were listed with `lstat`; one replaced by a symbolic link since is refused (ELOOP), not followed. */
function readNoFollow(absPath: string): ReadStream {
  return createReadStream('', { fd: openSync(absPath, constants.O_RDONLY | constants.O_NOFOLLOW), autoClose: true });
}

/** Bounds how many files are read at once, so a large context does not run out of file descriptors. */
const OPEN_FILES_AT_ONCE = 16;

/** The build context as an uncompressed tar stream, files streamed from disk one after the other. */
export function packContext(entries: ContextEntry[]): tar.Pack {
  const pack = tar.pack();
  void (async () => {
    try {
      for (const entry of entries) {
        const header = { name: entry.name, mode: entry.mode, mtime: entry.mtime, uid: 0, gid: 0 };
        if (entry.kind === 'directory') {
          pack.entry({ ...header, type: 'directory' });
        } else if (entry.kind === 'symlink') {
          pack.entry({ ...header, type: 'symlink', linkname: entry.target });
        } else if ('content' in entry) {
          pack.entry({ ...header, type: 'file', size: entry.size }, entry.content);
        } else {
          const sink = pack.entry({ ...header, type: 'file', size: entry.size });
          await pipeline(readNoFollow(entry.absPath), sink);
        }
      }
      pack.finalize();
    } catch (error) {
      pack.destroy(error as Error);
    }
  })();
  return pack;
}
