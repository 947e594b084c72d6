import type { Dirent } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { DataError } from './errors';
import { formatBytes, isInside } from './fs-util';

/**
 * Folder names never part of a code snapshot, whatever the ignore files say: `.git` (as Azure ML), `.mlw` (mlw's own
 * state, which holds the snapshot store itself) and `__pycache__` (as Azure ML's component code; it changes on every
 * local Python run and would defeat snapshot reuse).
 */
export const ALWAYS_SKIPPED = ['.git', '.mlw', '__pycache__'] as const;

/** Checked in this order in each folder; the first one present is used, as Azure ML does. */
export const IGNORE_FILE_NAMES = ['.amlignore', '.gitignore'] as const;

export interface CodeWalkLimits {
  maxBytes: number;
  maxFiles: number;
}

export interface CodeFile {
  /** Path inside the snapshot, `/`-separated. */
  relPath: string;
  /** Host path to read the content from (a symlink's target when the entry is a link). */
  sourcePath: string;
  executable: boolean;
  size: number;
}

interface IgnoreLevel {
  /** Folder the rules belong to, relative to the snapshot root (`''` for the root). */
  base: string;
  rules: Ignore;
}

interface WalkState {
  realRoot: string;
  /** Real paths of folders to leave out (the snapshot store when it lies inside the source). */
  excluded: Set<string>;
  limits: CodeWalkLimits;
  files: CodeFile[];
  bytes: number;
}

/** Lists the files a snapshot of `sourceDir` holds, applying ignore files and the limits. */
export async function listCodeFiles(sourceDir: string, limits: CodeWalkLimits, excludedDirs: string[] = []): Promise<CodeFile[]> {
  const realRoot = await realpath(sourceDir).catch(() => {
    throw new DataError(`code folder ${sourceDir} does not exist`, 'code');
  });
  if (!(await stat(realRoot)).isDirectory()) throw new DataError(`code ${sourceDir} is not a folder`, 'code');
  const excluded = new Set<string>();
  for (const dir of excludedDirs) excluded.add(await realpath(dir).catch(() => dir));
  const state: WalkState = { realRoot, excluded, limits, files: [], bytes: 0 };
  await walk(state, realRoot, '', [], new Set([realRoot]));
  return state.files;
}

async function walk(state: WalkState, realDir: string, relDir: string, levels: IgnoreLevel[], ancestors: Set<string>): Promise<void> {
  const ownRules = await loadIgnoreRules(realDir);
  const active = ownRules ? [...levels, { base: relDir, rules: ownRules }] : levels;
  const entries = await readdir(realDir, { withFileTypes: true });
  for (const entry of entries) {
    if ((ALWAYS_SKIPPED as readonly string[]).includes(entry.name)) continue;
    const relPath = relDir ? `${relDir}/${entry.name}` : entry.name;
    if (isIgnored(active, relPath, await looksLikeFolder(realDir, entry))) continue;
    const resolved = await resolveEntry(state, realDir, entry, relPath);
    if (!resolved) continue;
    if (resolved.isDirectory) {
      if (state.excluded.has(resolved.realPath)) continue;
      if (ancestors.has(resolved.realPath)) {
        throw new DataError(`symbolic link ${relPath} in the code folder loops back to one of its parent folders`, 'code');
      }
      await walk(state, resolved.realPath, relPath, active, new Set([...ancestors, resolved.realPath]));
    } else {
      addFile(state, { relPath, sourcePath: resolved.realPath, executable: (resolved.mode & 0o111) !== 0, size: resolved.size });
    }
  }
}

interface ResolvedEntry {
  realPath: string;
  isDirectory: boolean;
  mode: number;
  size: number;
}

/** Whether ignore rules should see the entry as a folder; decided before a symlink is checked, so ignoring it is enough. */
async function looksLikeFolder(realDir: string, entry: Dirent): Promise<boolean> {
  if (!entry.isSymbolicLink()) return entry.isDirectory();
  return (await stat(join(realDir, entry.name)).catch(() => undefined))?.isDirectory() ?? false;
}

/** Stats an entry, following a symlink only when its target stays inside the code folder; `undefined` for sockets etc. */
async function resolveEntry(state: WalkState, realDir: string, entry: Dirent, relPath: string): Promise<ResolvedEntry | undefined> {
  let realPath = join(realDir, entry.name);
  if (entry.isSymbolicLink()) {
    try {
      realPath = await realpath(realPath);
    } catch {
      throw new DataError(`symbolic link ${relPath} in the code folder points to a missing file`, 'code');
    }
    if (!isInside(state.realRoot, realPath)) {
      throw new DataError(`symbolic link ${relPath} in the code folder points outside it (to ${realPath}); copy the file into the folder or add the link to .amlignore`, 'code');
    }
  }
  const info = await stat(realPath);
  if (!info.isDirectory() && !info.isFile()) return undefined;
  return { realPath, isDirectory: info.isDirectory(), mode: info.mode, size: info.size };
}

function addFile(state: WalkState, file: CodeFile): void {
  state.files.push(file);
  state.bytes += file.size;
  const { maxFiles, maxBytes } = state.limits;
  if (state.files.length > maxFiles) {
    throw new DataError(`the code folder has more than ${maxFiles} files; list what the job does not need in .amlignore`, 'code');
  }
  if (state.bytes > maxBytes) {
    throw new DataError(`the code folder holds more than ${formatBytes(maxBytes)}; keep data out of it (use inputs) or list it in .amlignore`, 'code');
  }
}

async function loadIgnoreRules(dir: string): Promise<Ignore | undefined> {
  for (const name of IGNORE_FILE_NAMES) {
    const text = await readFile(join(dir, name), 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'EISDIR') return undefined;
      throw error;
    });
    if (text !== undefined) return ignore().add(text);
  }
  return undefined;
}

/** Git semantics: the deepest ignore file that has an opinion wins; `!pattern` re-includes. */
function isIgnored(levels: IgnoreLevel[], relPath: string, isDirectory: boolean): boolean {
  let ignored = false;
  for (const { base, rules } of levels) {
    const local = (base ? relPath.slice(base.length + 1) : relPath) + (isDirectory ? '/' : '');
    const result = rules.test(local);
    if (result.ignored) ignored = true;
    else if (result.unignored) ignored = false;
  }
  return ignored;
}
