import type { CodeAction, CompletionList, Diagnostic, DocumentLink, DocumentSymbol, FoldingRange, Hover, Location, Position, Range, TextEdit, WorkspaceEdit } from 'vscode-languageserver';
import { SchemaValidator, SpecValidator, type SpecDocument } from '../../core/language';
import { provideCodeActions } from '../providers/code-actions';
import { provideCompletion } from '../providers/completion';
import { provideDefinition } from '../providers/definition';
import { provideDiagnostics } from '../providers/diagnostics';
import { provideDocumentLinks } from '../providers/document-links';
import { provideDocumentSymbols } from '../providers/document-symbols';
import { provideFoldingRanges } from '../providers/folding-ranges';
import { provideHover } from '../providers/hover';
import { provideReferences } from '../providers/references';
import { providePrepareRename, provideRename } from '../providers/rename';
import type { DocumentContext } from './context';
import { OpenDocuments } from './documents';
import { SchemaNavigator } from './schema-navigator';
import { DEFAULT_SETTINGS, readSettings, type Settings } from './settings';
import { pathToUri } from './uri';
import { Workspace, type FileChange } from './workspace';

export interface LanguageServiceOptions {
  /** Workspace folders (file paths) whose spec files are indexed. */
  roots: readonly string[];
  settings?: Settings;
  /** Called when a document's own asset (kind, name, version) changes, so other documents' references re-resolve. */
  onAssetsChanged?: () => void;
}

/**
 * The language features of mlw specs, independent of the LSP connection: one provider per feature,
 * every document parsed once per version and shared by all of them.
 */
export class MlwLanguageService {
  readonly documents = new OpenDocuments();
  readonly workspace: Workspace;
  settings: Settings;
  private schemaValidator: SchemaValidator | undefined;
  private specValidator: SpecValidator | undefined;
  private navigator: SchemaNavigator | undefined;
  private readonly indexed = new WeakSet<SpecDocument>();
  private readonly identities = new Map<string, string>();

  constructor(private readonly options: LanguageServiceOptions) {
    this.workspace = new Workspace(options.roots);
    this.settings = options.settings ?? DEFAULT_SETTINGS;
  }

  /** Schemas are compiled lazily (on the first document of each kind), so start-up stays cheap. */
  get schemas(): SchemaValidator {
    this.schemaValidator ??= new SchemaValidator();
    return this.schemaValidator;
  }

  get validator(): SpecValidator {
    this.specValidator ??= new SpecValidator({ index: this.workspace.index, host: this.workspace.host, schemas: this.schemas });
    return this.specValidator;
  }

  get schemaNavigator(): SchemaNavigator {
    this.navigator ??= new SchemaNavigator(this.schemas);
    return this.navigator;
  }

  updateSettings(raw: unknown): void {
    this.settings = readSettings(raw, this.settings);
  }

  open(uri: string, version: number, text: string): void {
    this.documents.open(uri, version, text);
  }

  change(uri: string, version: number, text: string): void {
    this.documents.change(uri, version, text);
  }

  close(uri: string): void {
    const file = this.documents.path(uri);
    this.documents.close(uri);
    this.identities.delete(uri);
    if (file !== undefined) this.workspace.documentClosed(file);
  }

  fileChanged(file: string, change: FileChange): void {
    this.workspace.fileChanged(file, change);
  }

  /** The parsed document and everything around it, or undefined when the document is not open. */
  context(uri: string): DocumentContext | undefined {
    const doc = this.documents.get(uri);
    if (!doc) return undefined;
    if (!this.indexed.has(doc)) this.track(uri, doc);
    return {
      uri,
      doc,
      index: this.workspace.index,
      host: this.workspace.host,
      validator: this.validator,
      schemas: this.schemas,
      settings: this.settings,
      uriOf: (file) => this.documents.uriOfPath(file) ?? pathToUri(file),
    };
  }

  diagnostics(uri: string): Diagnostic[] {
    const ctx = this.context(uri);
    return ctx ? provideDiagnostics(ctx) : [];
  }

  completion(uri: string, position: Position): CompletionList | null {
    const ctx = this.context(uri);
    return ctx ? provideCompletion(ctx, this.schemaNavigator, position) : null;
  }

  hover(uri: string, position: Position): Hover | null {
    const ctx = this.context(uri);
    return ctx ? provideHover(ctx, this.schemaNavigator, position) : null;
  }

  definition(uri: string, position: Position): Location[] | null {
    const ctx = this.context(uri);
    return ctx ? provideDefinition(ctx, position) : null;
  }

  references(uri: string, position: Position, includeDeclaration: boolean): Location[] | null {
    const ctx = this.context(uri);
    return ctx ? provideReferences(ctx, position, includeDeclaration) : null;
  }

  prepareRename(uri: string, position: Position): { range: Range; placeholder: string } | null {
    const ctx = this.context(uri);
    return ctx ? providePrepareRename(ctx, position) : null;
  }

  rename(uri: string, position: Position, newName: string): WorkspaceEdit | null {
    const ctx = this.context(uri);
    return ctx ? provideRename(ctx, position, newName) : null;
  }

  documentSymbols(uri: string): DocumentSymbol[] {
    const ctx = this.context(uri);
    return ctx ? provideDocumentSymbols(ctx) : [];
  }

  documentLinks(uri: string): DocumentLink[] {
    const ctx = this.context(uri);
    return ctx ? provideDocumentLinks(ctx) : [];
  }

  foldingRanges(uri: string): FoldingRange[] | null {
    const ctx = this.context(uri);
    if (!ctx || this.settings.leaveToYamlExtension.has('folding')) return null;
    return provideFoldingRanges(ctx);
  }

  codeActions(uri: string, range: Range, diagnostics: readonly Diagnostic[]): CodeAction[] {
    const ctx = this.context(uri);
    return ctx ? provideCodeActions(ctx, range, diagnostics) : [];
  }

  /** Applies edits to an open document's text (tests and code actions use it to see the result). */
  static applyEdits(doc: SpecDocument, edits: readonly TextEdit[]): string {
    const sorted = edits.map((e) => ({ start: doc.offset(e.range.start), end: doc.offset(e.range.end), text: e.newText })).sort((a, b) => b.start - a.start);
    let text = doc.text;
    for (const e of sorted) text = text.slice(0, e.start) + e.text + text.slice(e.end);
    return text;
  }

  private track(uri: string, doc: SpecDocument): void {
    this.indexed.add(doc);
    this.workspace.documentChanged(doc);
    const kind = doc.kind;
    const root = doc.rootMap;
    const identity = kind && root ? `${kind.id}|${scalarText(doc, 'name')}|${scalarText(doc, 'version')}` : '';
    const before = this.identities.get(uri);
    this.identities.set(uri, identity);
    if (before !== undefined && before !== identity) this.options.onAssetsChanged?.();
  }
}

function scalarText(doc: SpecDocument, key: string): string {
  const pair = doc.rootMap?.pairs.find((p) => p.key?.type === 'scalar' && p.key.value === key);
  return pair?.value?.type === 'scalar' ? String(pair.value.value) : '';
}
