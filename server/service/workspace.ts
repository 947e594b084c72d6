import fs from 'node:fs';
import path from 'node:path';
import { DiskFileHost, MAX_SPEC_BYTES, WorkspaceIndex, yamlFilesUnder, type FileHost, type SpecDocument } from '../../core/language';

/** The disk with the open editors laid over it: rules see unsaved text, and files that exist only in an editor. */
export class OverlayFileHost implements FileHost {
  private readonly disk = new DiskFileHost();
  private readonly open = new Map<string, string>();

  setOpen(file: string, text: string | undefined): void {
    if (text === undefined) this.open.delete(file);
    else this.open.set(file, text);
  }

  stat(file: string): 'file' | 'directory' | undefined {
    return this.open.has(file) ? 'file' : this.disk.stat(file);
  }

  readText(file: string): string | undefined {
    return this.open.get(file) ?? this.disk.readText(file);
  }

  invalidate(file?: string): void {
    this.disk.invalidate(file);
    if (file !== undefined) this.disk.invalidate(path.dirname(file));
  }
}

export type FileChange = 'created' | 'changed' | 'deleted';

/**
 * Every spec file of the workspace folders, indexed so that `azureml:` references across files resolve.
 * The initial scan reads files in small batches between other work, so it never holds up the first diagnostics.
 */
export class Workspace {
  readonly host = new OverlayFileHost();
  readonly index: WorkspaceIndex;
  private readonly openFiles = new Set<string>();
  private scanning: Promise<void> | undefined;

  constructor(readonly roots: readonly string[]) {
    this.index = new WorkspaceIndex(roots[0] ?? process.cwd());
  }

  /** Indexes every YAML file under the roots; resolves when done. Open documents keep their editor text. */
  scan(batchSize = 64): Promise<void> {
    this.scanning ??= (async () => {
      for (const root of this.roots) {
        let files: string[];
        try {
          files = yamlFilesUnder(root);
        } catch {
          continue;
        }
        for (let i = 0; i < files.length; i += batchSize) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          for (const file of files.slice(i, i + batchSize)) if (!this.openFiles.has(file)) this.indexFromDisk(file);
        }
      }
    })();
    return this.scanning;
  }

  /** Keeps the index and the file host in step with an editor's document. */
  documentChanged(doc: SpecDocument): void {
    this.openFiles.add(doc.path);
    this.host.setOpen(doc.path, doc.text);
    this.index.updateFromDocument(doc);
  }

  documentClosed(file: string): void {
    this.openFiles.delete(file);
    this.host.setOpen(file, undefined);
    this.host.invalidate(file);
    this.indexFromDisk(file);
  }

  /** A file changed on disk (`workspace/didChangeWatchedFiles`). */
  fileChanged(file: string, change: FileChange): void {
    this.host.invalidate(file);
    if (this.openFiles.has(file)) return;
    if (change === 'deleted') this.index.remove(file);
    else if (/\.ya?ml$/i.test(file)) this.indexFromDisk(file);
  }

  private indexFromDisk(file: string): void {
    let text: string;
    try {
      if (fs.statSync(file).size > MAX_SPEC_BYTES) return this.index.remove(file);
      text = fs.readFileSync(file, 'utf8');
    } catch {
      this.index.remove(file);
      return;
    }
    this.index.updateFromText(file, text);
  }
}
