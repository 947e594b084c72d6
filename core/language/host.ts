import fs from 'node:fs';

/** The file system as the validator sees it (the language server overlays open editors on it). */
export interface FileHost {
  stat(path: string): 'file' | 'directory' | undefined;
  readText(path: string): string | undefined;
}

/** Reads the disk; stats are cached for the life of the host (one CLI run, or until the server invalidates). */
export class DiskFileHost implements FileHost {
  private readonly stats = new Map<string, 'file' | 'directory' | undefined>();

  stat(path: string): 'file' | 'directory' | undefined {
    if (this.stats.has(path)) return this.stats.get(path);
    let result: 'file' | 'directory' | undefined;
    try {
      const s = fs.statSync(path);
      result = s.isDirectory() ? 'directory' : s.isFile() ? 'file' : undefined;
    } catch {
      result = undefined;
    }
    this.stats.set(path, result);
    return result;
  }

  readText(path: string): string | undefined {
    try {
      return fs.readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  }

  invalidate(path?: string): void {
    if (path === undefined) this.stats.clear();
    else this.stats.delete(path);
  }
}
