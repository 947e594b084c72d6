import type { ErrorObject } from 'ajv';
import type { Report } from '../diagnostics';
import type { SpecDocument } from '../document';
import { closest, didYouMean } from '../suggest';
import { isMap, locate, type PathSegment, type YamlNode } from '../yaml/ast';

/**
 * Turns ajv's errors into diagnostics a person can act on, at the exact node: unions report only the branch that
 * matches the value, unknown keys get a suggestion, and `if`/`then` bookkeeping errors are dropped.
 */
export function reportSchemaErrors(doc: SpecDocument, errors: readonly ErrorObject[], report: Report): void {
  const seen = new Set<string>();
  for (const error of selectBranchErrors(errors)) {
    const diagnostic = describe(doc, error);
    const key = `${diagnostic.start}:${diagnostic.end}:${diagnostic.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    report(diagnostic);
  }
}

function selectBranchErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  const dropped = new Set<ErrorObject>();
  const synthesized = new Map<ErrorObject, ErrorObject>();
  for (const union of errors) {
    if (union.keyword !== 'anyOf' && union.keyword !== 'oneOf') continue;
    const within = errors.filter((e) => e !== union && !dropped.has(e) && isUnder(e.instancePath, union.instancePath) && e.keyword !== 'if');
    const isObject = union.data !== null && typeof union.data === 'object';
    const typeAtUnion = within.filter((e) => e.keyword === 'type' && e.instancePath === union.instancePath);
    const kept = within.filter((e) => !typeAtUnion.includes(e) && !isBindingAlternative(e) && (isObject || e.instancePath === union.instancePath));
    for (const e of within) if (!kept.includes(e)) dropped.add(e);
    if (kept.length === 0) {
      const types = [...new Set(typeAtUnion.flatMap((e) => String(e.params['type']).split(',')))];
      synthesized.set(union, { ...union, keyword: 'type', params: { type: types.join(',') } });
    } else dropped.add(union);
  }
  const selected = errors.filter((e) => e.keyword !== 'if' && !dropped.has(e)).map((e) => synthesized.get(e) ?? e);
  // A value of the wrong type also fails its enum; the type error alone says what is wrong.
  const wrongType = new Set(selected.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  return selected.filter((e) => !((e.keyword === 'enum' || e.keyword === 'const') && wrongType.has(e.instancePath)));
}

/** A string branch that only admits `${{…}}` bindings (numbers a pipeline may bind): its pattern error is noise. */
function isBindingAlternative(error: ErrorObject): boolean {
  return error.keyword === 'pattern' && String(error.params['pattern']).includes('\\$\\{\\{');
}

function isUnder(path: string, parent: string): boolean {
  return path === parent || path.startsWith(parent + '/');
}

function describe(doc: SpecDocument, error: ErrorObject): { start: number; end: number; severity: 'error'; rule: string; message: string; data?: Record<string, unknown> } {
  const path = pointerToPath(error.instancePath);
  const name = nameOf(path);
  const at = locate(doc.root, path);
  const valueRange = rangeOf(at.node ?? at.pair?.key ?? null, doc);
  switch (error.keyword) {
    case 'additionalProperties': {
      const property = String(error.params['additionalProperty']);
      const target = locate(doc.root, [...path, property]);
      const known = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const suggestion = closest(property, known);
      return {
        ...rangeOf(target.pair?.key ?? target.node, doc),
        severity: 'error',
        rule: 'unknown-property',
        message: `unknown property \`${property}\`${name ? ` in \`${name}\`` : ''}${didYouMean(suggestion)}`,
        data: { property, ...(suggestion ? { replacement: suggestion } : {}) },
      };
    }
    case 'required': {
      const property = String(error.params['missingProperty']);
      const anchor = at.pair?.key ?? (path.length === 0 ? rootAnchor(doc) : at.node);
      return { ...rangeOf(anchor, doc), severity: 'error', rule: 'missing-property', message: `missing required property \`${property}\`${name ? ` in \`${name}\`` : ''}`, data: { property } };
    }
    case 'type': {
      const expected = alternatives(String(error.params['type']).split(',').map(article));
      return { ...valueRange, severity: 'error', rule: 'type-mismatch', message: `${subject(name)} must be ${expected}; got ${show(error.data, sourceOf(at.node, doc))}` };
    }
    case 'enum': {
      const allowed = (error.params['allowedValues'] as unknown[]).map(String);
      const suggestion = typeof error.data === 'string' ? closest(error.data, allowed) : undefined;
      return {
        ...valueRange,
        severity: 'error',
        rule: 'invalid-value',
        message: `${show(error.data, sourceOf(at.node, doc))} is not a valid ${name ? `\`${name}\`` : 'value'}${didYouMean(suggestion)} (expected ${listOf(allowed)})`,
        data: { allowed, ...(suggestion ? { replacement: suggestion } : {}) },
      };
    }
    case 'const': {
      const allowed = String(error.params['allowedValue']);
      return { ...valueRange, severity: 'error', rule: 'invalid-value', message: `${subject(name)} must be \`${allowed}\` here; got ${show(error.data)}`, data: { allowed: [allowed], replacement: allowed } };
    }
    default:
      return { ...valueRange, severity: 'error', rule: `schema-${error.keyword}`, message: `${subject(name)} ${error.message ?? 'is not valid'}` };
  }
}

export function pointerToPath(pointer: string): PathSegment[] {
  if (!pointer) return [];
  return pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function nameOf(path: PathSegment[]): string {
  for (let i = path.length - 1; i >= 0; i--) {
    const segment = path[i]!;
    if (!/^\d+$/.test(String(segment))) return String(segment);
  }
  return '';
}

function rootAnchor(doc: SpecDocument): YamlNode | null {
  const root = doc.rootMap;
  if (!isMap(root)) return root ?? null;
  const typePair = root.pairs.find((p) => p.key?.type === 'scalar' && p.key.value === 'type');
  return (typePair ?? root.pairs[0])?.key ?? root;
}

function rangeOf(node: YamlNode | null, doc: SpecDocument): { start: number; end: number } {
  if (!node) return { start: 0, end: Math.min(1, doc.text.length) };
  if (node.type === 'map' || node.type === 'seq') {
    const lineEnd = doc.text.indexOf('\n', node.start);
    return { start: node.start, end: Math.max(node.start + 1, lineEnd < 0 || lineEnd > node.end ? node.end : lineEnd) };
  }
  return { start: node.start, end: Math.max(node.end, node.start + 1) };
}

function subject(name: string): string {
  return name ? `\`${name}\`` : 'the value';
}

function article(type: string): string {
  switch (type) {
    case 'integer':
      return 'an integer';
    case 'object':
      return 'a mapping';
    case 'array':
      return 'a list';
    case 'null':
      return 'empty';
    default:
      return `a ${type}`;
  }
}

/** How the value was written, for scalars (`1.10` stays `1.10`, `"true"` keeps its quotes). */
function sourceOf(node: YamlNode | null, doc: SpecDocument): string | undefined {
  return node?.type === 'scalar' && node.style !== 'block' ? doc.text.slice(node.start, node.end) : undefined;
}

function alternatives(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

function show(value: unknown, source?: string): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  const text = source || String(value);
  return `\`${text.length > 60 ? text.slice(0, 57) + '…' : text}\``;
}

function listOf(values: string[]): string {
  return values.length > 12 ? values.slice(0, 12).join(', ') + ', …' : values.join(', ');
}
