import type { Location, Range } from 'vscode-languageserver';
import { SpecValidator, type FileHost, type SchemaValidator, type SpecDocument, type WorkspaceIndex } from '../../core/language';
import { LineIndex } from '../../core/language/yaml/line-index';
import type { Settings } from './settings';

/** What every provider gets: the parsed document and the workspace around it. */
export interface DocumentContext {
  uri: string;
  doc: SpecDocument;
  index: WorkspaceIndex;
  host: FileHost;
  validator: SpecValidator;
  schemas: SchemaValidator;
  settings: Settings;
  /** The URI for a file path (an open editor's own URI when the file is open). */
  uriOf(file: string): string;
}

export function rangeOf(doc: SpecDocument, start: number, end: number): Range {
  return { start: doc.position(start), end: doc.position(end) };
}

/** A location in another file, computed from its text (no parse needed). */
export function locationIn(ctx: DocumentContext, file: string, start: number, end: number): Location {
  if (file === ctx.doc.path) return { uri: ctx.uri, range: rangeOf(ctx.doc, start, end) };
  const text = ctx.host.readText(file) ?? '';
  const lines = new LineIndex(text);
  return { uri: ctx.uriOf(file), range: { start: lines.position(start), end: lines.position(end) } };
}
