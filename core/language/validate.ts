import { MAX_SPEC_BYTES, SpecDocument } from './document';
import type { Report, SpecDiagnostic } from './diagnostics';
import { DiskFileHost, type FileHost } from './host';
import { SchemaValidator } from './schema/validator';
import type { Rule, RuleContext } from './rules/context';
import { checkCommandBindings } from './rules/command-bindings';
import { checkPipelines } from './rules/pipeline';
import { checkReferences, UNRESOLVED_REFERENCE_RULES } from './rules/references';
import { checkPaths } from './rules/paths';
import { checkImageTags, checkCondaDependencies, checkExperimentName, checkPlaceholders, checkRunnable } from './rules/lints';
import { checkEnvironmentSource } from './rules/environment-source';
import { checkLocalRun, NOT_RUNNABLE_RULES } from './rules/local-run';
import { checkNames, checkSecrets } from './rules/names';
import { WorkspaceIndex } from './workspace-index';
import { isMap, keyText } from './yaml/ast';

const SEMANTIC_RULES: Rule[] = [checkNames, checkSecrets, checkCommandBindings, checkPipelines, checkReferences, checkPaths, checkEnvironmentSource, checkImageTags, checkCondaDependencies, checkExperimentName, checkPlaceholders, checkRunnable, checkLocalRun];

/**
 * Findings that are not errors in the editor (Azure ML accepts the YAML: a reference may live in the user's cloud
 * workspace, a multi-node job runs there) but are errors on submit to mlw, which would not run what the spec asks.
 */
export const REFUSED_ON_SUBMIT: ReadonlySet<string> = new Set([...UNRESOLVED_REFERENCE_RULES, ...NOT_RUNNABLE_RULES]);

const YAML_RULES: Record<string, string> = { DUPLICATE_KEY: 'duplicate-key', TAB_AS_INDENT: 'yaml-tab' };

export interface ValidatorOptions {
  index: WorkspaceIndex;
  host?: FileHost;
  schemas?: SchemaValidator;
}

/** Schema, semantic rules and lints for one document: the same answer in the editor, the CLI and on submit. */
export class SpecValidator {
  readonly index: WorkspaceIndex;
  readonly host: FileHost;
  readonly schemas: SchemaValidator;
  private readonly loaded = new Map<string, SpecDocument>();

  constructor(options: ValidatorOptions) {
    this.index = options.index;
    this.host = options.host ?? new DiskFileHost();
    this.schemas = options.schemas ?? new SchemaValidator();
  }

  validate(doc: SpecDocument): SpecDiagnostic[] {
    const diagnostics: SpecDiagnostic[] = [];
    const report: Report = (d) => diagnostics.push(d);
    if (doc.tooLarge) {
      report({ start: 0, end: 0, severity: 'error', rule: 'file-too-large', message: `file is ${(doc.text.length / 1048576).toFixed(1)} MB; specs larger than ${MAX_SPEC_BYTES / 1048576} MB are not validated` });
      return diagnostics;
    }
    const detection = doc.detection;
    if (!detection) return diagnostics;
    if ('unsupported' in detection) {
      const schemaPair = doc.rootMap?.pairs.find((p) => keyText(p) === '$schema');
      const at = schemaPair?.value ?? schemaPair?.key;
      report({ start: at?.start ?? 0, end: at?.end ?? 0, severity: 'information', rule: 'unsupported-kind', message: `\`${detection.unsupported}\` specs are not supported by mlw; this file is not validated` });
      return diagnostics;
    }
    for (const p of doc.yaml.problems) report({ start: p.start, end: p.end, severity: p.severity, rule: YAML_RULES[p.code] ?? 'yaml-syntax', message: p.message });
    const extra = doc.yaml.documents[1];
    if (extra) report({ start: extra.start, end: Math.min(doc.text.indexOf('\n', extra.start) >>> 0, extra.start + 3), severity: 'error', rule: 'multiple-documents', message: `a spec file holds one YAML document; this file has ${doc.yaml.documents.length} (only the first is used)` });
    // After a syntax error the tree is a guess; schema and rule findings on it would be noise.
    if (doc.yaml.problems.some((p) => p.severity === 'error' && p.code !== 'DUPLICATE_KEY')) return diagnostics.sort((a, b) => a.start - b.start);
    if (!isMap(doc.root)) {
      report({ start: doc.root?.start ?? 0, end: doc.root?.end ?? 0, severity: 'error', rule: 'not-a-mapping', message: 'a spec must be a mapping of keys to values' });
      return diagnostics;
    }
    if (doc.valueError) {
      report({ start: 0, end: 0, severity: 'error', rule: 'alias-expansion', message: doc.valueError });
      return diagnostics;
    }
    const kind = doc.kind!;
    this.schemas.validate(doc, kind, report);
    const ctx: RuleContext = { doc, kind, index: this.index, host: this.host, report, load: (file) => this.load(file) };
    for (const rule of SEMANTIC_RULES) rule(ctx);
    return diagnostics.sort((a, b) => a.start - b.start || a.end - b.end);
  }

  /** Parses another spec file (cached while its text is unchanged). */
  load(file: string): SpecDocument | undefined {
    const text = this.host.readText(file);
    if (text === undefined) return undefined;
    const cached = this.loaded.get(file);
    if (cached && cached.text === text) return cached;
    const doc = SpecDocument.parse(file, text);
    this.loaded.set(file, doc);
    return doc;
  }
}
