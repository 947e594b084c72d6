import { SpecDocument } from '../../core/language';
import { uriToPath } from './uri';

interface Entry {
  uri: string;
  path: string;
  version: number;
  text: string;
  parsed: SpecDocument | undefined;
  /** The last parse of an older version, handed to the next parse so unchanged segments are reused. */
  previous: SpecDocument | undefined;
}

/** The open documents: each version is parsed at most once, on first use, and shared by every feature. */
export class OpenDocuments {
  private readonly entries = new Map<string, Entry>();

  open(uri: string, version: number, text: string): void {
    this.entries.set(uri, { uri, path: uriToPath(uri), version, text, parsed: undefined, previous: undefined });
  }

  change(uri: string, version: number, text: string): void {
    const entry = this.entries.get(uri);
    if (!entry) return this.open(uri, version, text);
    if (entry.parsed) entry.previous = entry.parsed;
    entry.parsed = undefined;
    entry.version = version;
    entry.text = text;
  }

  close(uri: string): void {
    this.entries.delete(uri);
  }

  has(uri: string): boolean {
    return this.entries.has(uri);
  }

  /** The file path of an open document (without parsing it). */
  path(uri: string): string | undefined {
    return this.entries.get(uri)?.path;
  }

  version(uri: string): number | undefined {
    return this.entries.get(uri)?.version;
  }

  uris(): string[] {
    return [...this.entries.keys()];
  }

  /** The URI an open document was given by the client, for a file path. */
  uriOfPath(file: string): string | undefined {
    for (const entry of this.entries.values()) if (entry.path === file) return entry.uri;
    return undefined;
  }

  /** The parsed current version (parsed now if no feature has needed it yet). */
  get(uri: string): SpecDocument | undefined {
    const entry = this.entries.get(uri);
    if (!entry) return undefined;
    if (!entry.parsed) {
      entry.parsed = SpecDocument.parse(entry.path, entry.text, entry.previous);
      entry.previous = undefined;
    }
    return entry.parsed;
  }
}
