import fs from 'node:fs';
import path from 'node:path';
import { globSync } from 'tinyglobby';

/** Folders that never hold a workspace's specs. */
export const IGNORED_FOLDERS = ['**/node_modules/**', '**/.git/**', '**/.mlw/**', '**/out/**', '**/.venv/**', '**/__pycache__/**'];

/** Every YAML file under `root`, absolute and sorted. */
export function yamlFilesUnder(root: string): string[] {
  return globSync('**/*.{yml,yaml}', { cwd: root, absolute: true, ignore: IGNORED_FOLDERS, dot: false }).map((f) => path.resolve(f)).sort();
}

/** Expands files, folders (recursively) and globs into YAML files; names the arguments that matched nothing. */
export function expandSpecArguments(args: readonly string[], cwd: string): { files: string[]; unmatched: string[] } {
  const files = new Set<string>();
  const unmatched: string[] = [];
  for (const arg of args) {
    const absolute = path.resolve(cwd, arg);
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(absolute);
    } catch {
      stat = undefined;
    }
    const found = stat?.isDirectory() ? yamlFilesUnder(absolute) : stat?.isFile() ? [absolute] : globSync(arg, { cwd, absolute: true, ignore: IGNORED_FOLDERS });
    if (found.length === 0) unmatched.push(arg);
    for (const f of found) files.add(path.resolve(f));
  }
  return { files: [...files].sort(), unmatched };
}

/** The workspace folder a path belongs to: the nearest ancestor holding `.mlw` or `.git`, else `fallback`. */
export function workspaceRootOf(start: string, fallback: string): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, '.mlw')) || fs.existsSync(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) return fallback;
  }
}
