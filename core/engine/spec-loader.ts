import fs from 'node:fs';
import path from 'node:path';
import type { SpecRequest } from '../api/contracts';
import { DataError } from '../data/errors';
import { BadRequest, NotFound, SpecRejected } from '../errors';
import { MAX_SPEC_BYTES, nameProblem, nameRuleFor, SpecDocument, SpecValidator, REFUSED_ON_SUBMIT, WorkspaceIndex, yamlFilesUnder, decodeSpecBytes, yaml, type AssetSource, type AssetType, type KindId, type SpecDiagnostic } from '../language';
import { applySpecEdits } from './spec-edits';
import { formatFinding, type SpecFinding } from '../vocabulary';

/**
 * Refuses a spec whose `name` breaks its kind's naming rule. The validator reports this too; checking again where
 * the name is used keeps a name that slipped past a rule from reaching the store and the runs folder.
 */
export function refuseInvalidName(spec: LoadedSpec, name: unknown, relative: string): void {
  const rule = nameRuleFor(spec.kind);
  const problem = rule && nameProblem(rule, String(name));
  if (problem) throw new SpecRejected(`${relative} is not valid: 1 error`, [findingAt(SpecDocument.parse(spec.path, spec.text), relative, [['name']], 'invalid-name', problem)]);
}

export interface LoadedSpec {
  path: string;
  kind: KindId;
  value: Record<string, unknown>;
  /** Text as validated (the file, or the file with `--set` overrides applied). */
  text: string;
  warnings: string[];
}

/**
 * Reads and validates specs for submission and registration, with the same validator as the editor and
 * `mlw validate`: "valid in the editor" means "accepted on submit". The workspace index is kept between
 * requests and refreshed by file modification time.
 */
export class SpecLoader {
  private readonly index: WorkspaceIndex;
  private readonly validator: SpecValidator;
  private readonly indexed = new Map<string, number>();

  constructor(readonly root: string, registered: AssetSource) {
    this.index = new WorkspaceIndex(root);
    this.index.addSource(registered);
    this.validator = new SpecValidator({ index: this.index });
  }

  /** `file` must be inside the workspace folder; `text` stands for unsaved editor content. */
  load(file: string, text?: string, overrides: readonly string[] = []): LoadedSpec {
    const absolute = this.insideWorkspace(file);
    const source = text ?? readSpecFile(absolute);
    const withOverrides = overrides.length > 0 ? applyOverrides(source, overrides) : source;
    this.refreshIndex(absolute);
    const doc = SpecDocument.parse(absolute, withOverrides);
    this.index.updateFromDocument(doc);
    const diagnostics = this.validator.validate(doc).map((d): SpecDiagnostic => (REFUSED_ON_SUBMIT.has(d.rule) ? { ...d, severity: 'error' } : d));
    const finding = (d: (typeof diagnostics)[number]): SpecFinding => {
      const at = doc.position(d.start);
      return { file: path.relative(this.root, absolute), line: at.line + 1, column: at.character + 1, severity: d.severity, rule: d.rule, message: d.message };
    };
    const errors = diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0) {
      const note = overrides.length > 0 ? ' (positions refer to the spec with --set applied)' : '';
      throw new SpecRejected(`${path.relative(this.root, absolute)} is not valid: ${errors.length} error${errors.length === 1 ? '' : 's'}${note}`, errors.map(finding));
    }
    if (!doc.kind) throw new SpecRejected(`${path.relative(this.root, absolute)} is not an mlw spec: ${whyNoKind(doc)}`);
    return { path: absolute, kind: doc.kind.id, value: doc.value as Record<string, unknown>, text: withOverrides, warnings: diagnostics.filter((d) => d.severity === 'warning').map((d) => formatFinding(finding(d))) };
  }

  /** Resolves a path from a request and refuses anything outside the workspace folder. */
  insideWorkspace(file: string): string {
    const absolute = path.resolve(this.root, file);
    const relative = path.relative(this.root, absolute);
    if (relative.startsWith('..') || path.isAbsolute(relative)) throw new BadRequest(`${file} is outside the workspace folder ${this.root}`);
    return absolute;
  }

  /** The spec file defining `name` (at `version`, or its newest version) for assets referenced but not registered. */
  definition(asset: AssetType, name: string, version?: string): FileDefinition | undefined {
    const found = version === undefined ? this.index.latest(asset, name) ?? this.index.find(asset, name)[0] : this.index.find(asset, name).find((a) => a.version === version);
    if (!found || found.origin !== 'file') return undefined;
    const doc = this.validator.load(found.path);
    return doc && doc.value && typeof doc.value === 'object' ? { path: found.path, value: doc.value as Record<string, unknown> } : undefined;
  }

  /**
   * Runs `work` for a spec request; a data problem tied to a field of the spec (a missing input path, a code folder
   * that is not one) is refused as a finding at that field, so clients can show where it is.
   */
  async locatingDataErrors<T>(request: SpecRequest, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof DataError) || !error.field) throw error;
      throw this.dataFinding(request, error) ?? error;
    }
  }

  private dataFinding(request: SpecRequest, error: DataError): SpecRejected | undefined {
    let doc: SpecDocument;
    try {
      const absolute = this.insideWorkspace(request.path);
      const source = request.text ?? readSpecFile(absolute);
      doc = SpecDocument.parse(absolute, request.set?.length ? applyOverrides(source, request.set) : source);
    } catch {
      return undefined;
    }
    const field = error.field.split('.');
    return new SpecRejected(error.message, [findingAt(doc, path.relative(this.root, doc.path), [[...field, 'path'], field], 'invalid-data', error.message)]);
  }

  /** Forgets cached registered assets (after a registration) so references to them resolve. */
  assetsChanged(): void {
    this.index.sourcesChanged();
  }

  private refreshIndex(except: string): void {
    const seen = new Set<string>();
    for (const file of yamlFilesUnder(this.root)) {
      seen.add(file);
      if (file === except) continue;
      let mtime: number;
      try {
        mtime = fs.statSync(file).mtimeMs;
      } catch {
        continue;
      }
      if (this.indexed.get(file) === mtime) continue;
      this.indexed.set(file, mtime);
      const text = fs.readFileSync(file, 'utf8');
      if (text.length <= MAX_SPEC_BYTES) this.index.updateFromText(file, text);
    }
    for (const file of this.indexed.keys()) if (!seen.has(file)) (this.index.remove(file), this.indexed.delete(file));
  }
}

/** An error finding at the first of `fields` the spec has (its start when it has none). */
function findingAt(doc: SpecDocument, relative: string, fields: readonly (readonly string[])[], rule: string, message: string): SpecFinding {
  const found = fields.map((field) => yaml.locate(doc.root, field)).find((at) => at.node || at.pair);
  const at = doc.position(found?.node?.start ?? found?.pair?.key?.start ?? 0);
  return { file: relative, line: at.line + 1, column: at.character + 1, severity: 'error', rule, message };
}

/** Why kind detection found nothing: an unsupported kind, a `$schema` that is not an Azure ML one, or neither. */
function whyNoKind(doc: SpecDocument): string {
  if (doc.detection && 'unsupported' in doc.detection) return `\`${doc.detection.unsupported}\` specs are not supported`;
  const schema = doc.value && typeof doc.value === 'object' ? (doc.value as Record<string, unknown>).$schema : undefined;
  if (typeof schema === 'string') return `its $schema ${schema} is not an Azure ML schema mlw knows`;
  return 'no $schema or known top-level type';
}

function readSpecFile(file: string): string {
  let bytes: Buffer;
  try {
    if (fs.statSync(file).size > MAX_SPEC_BYTES) throw new BadRequest(`${file} is larger than ${MAX_SPEC_BYTES / 1048576} MB`);
    bytes = fs.readFileSync(file);
  } catch (error) {
    if (error instanceof BadRequest) throw error;
    throw new NotFound(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  const decoded = decodeSpecBytes(bytes);
  if ('error' in decoded) throw new BadRequest(`${file}: ${decoded.error}`);
  return decoded.text;
}

/** `--set a.b=value`: sets the key (creating maps on the way); the value is read as YAML (`3` is a number). */
export function applyOverrides(text: string, overrides: readonly string[]): string {
  return applySpecEdits(text, { set: [...overrides] });
}

/** A versioned asset defined by a spec file in the workspace (not registered), as the validator resolves it. */
export interface FileDefinition {
  path: string;
  value: Record<string, unknown>;
}
