import fs from 'node:fs';
import { MAX_SPEC_BYTES, SpecDocument } from './document';
import type { SpecDiagnostic, Severity } from './diagnostics';
import { DiskFileHost } from './host';
import { decodeSpecBytes } from './text-file';
import { SpecValidator } from './validate';
import { WorkspaceIndex, type AssetSource } from './workspace-index';
import { yamlFilesUnder } from './workspace-files';

/** A diagnostic with 1-based line and column, ready to print. */
export interface LocatedDiagnostic {
  path: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: Severity;
  rule: string;
  message: string;
  data?: Record<string, unknown>;
}

export interface FileValidation {
  path: string;
  /** Recognised spec kind, or undefined for YAML that is not a spec. */
  kind: string | undefined;
  diagnostics: LocatedDiagnostic[];
}

/**
 * Validates files against a workspace index built from every YAML file under `root`
 * (the files themselves are parsed once; the rest are indexed from their top-level lines) and the given sources
 * (the control plane's registered assets).
 */
export function validateFiles(files: readonly string[], root: string, sources: readonly AssetSource[] = []): FileValidation[] {
  const index = new WorkspaceIndex(root);
  for (const source of sources) index.addSource(source);
  const host = new DiskFileHost();
  const targets = new Set(files);
  const docs = new Map<string, SpecDocument | LocatedDiagnostic>();
  for (const file of files) docs.set(file, readSpec(file));
  for (const doc of docs.values()) if (doc instanceof SpecDocument) index.updateFromDocument(doc);
  for (const file of yamlFilesUnder(root)) {
    if (targets.has(file)) continue;
    const text = host.readText(file);
    if (text !== undefined && text.length <= MAX_SPEC_BYTES) index.updateFromText(file, text);
  }
  const validator = new SpecValidator({ index, host });
  return files.map((file) => {
    const doc = docs.get(file)!;
    if (!(doc instanceof SpecDocument)) return { path: file, kind: undefined, diagnostics: [doc] };
    return { path: file, kind: doc.kind?.id, diagnostics: validator.validate(doc).map((d) => locate(doc, d)) };
  });
}

function readSpec(file: string): SpecDocument | LocatedDiagnostic {
  const fail = (rule: string, message: string, line = 1, column = 1): LocatedDiagnostic => ({ path: file, line, column, endLine: line, endColumn: column + 1, severity: 'error', rule, message });
  let bytes: Buffer;
  try {
    const size = fs.statSync(file).size;
    if (size > MAX_SPEC_BYTES) return fail('file-too-large', `file is ${(size / 1048576).toFixed(1)} MB; specs larger than ${MAX_SPEC_BYTES / 1048576} MB are not validated`);
    bytes = fs.readFileSync(file);
  } catch (e) {
    return fail('unreadable', `cannot read file: ${(e as Error).message}`);
  }
  const decoded = decodeSpecBytes(bytes);
  if ('error' in decoded) {
    const before = bytes.subarray(0, decoded.offset);
    const line = before.filter((b) => b === 10).length + 1;
    return fail('not-text', decoded.error, line, decoded.offset - (before.lastIndexOf(10) + 1) + 1);
  }
  return SpecDocument.parse(file, decoded.text);
}

function locate(doc: SpecDocument, d: SpecDiagnostic): LocatedDiagnostic {
  const start = doc.position(d.start);
  const end = doc.position(d.end);
  return { path: doc.path, line: start.line + 1, column: start.character + 1, endLine: end.line + 1, endColumn: end.character + 1, severity: d.severity, rule: d.rule, message: d.message, ...(d.data ? { data: d.data } : {}) };
}
