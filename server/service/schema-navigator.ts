import type { KindInfo, SchemaValidator } from '../../core/language';
import { deref, pairOf, type PathSegment, type YamlNode } from '../../core/language/yaml/ast';

/** A JSON Schema node together with the file it lives in (for relative `$ref`s). */
export interface SchemaAt {
  schema: JsonSchema;
  file: string;
}

export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  description?: string;
  markdownDescription?: string;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  patternProperties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  required?: string[];
  items?: JsonSchema | JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  not?: JsonSchema;
  if?: JsonSchema;
  then?: JsonSchema;
  else?: JsonSchema;
}

/** The value a schema branch is chosen by: the YAML node at that place (may be missing while typing). */
export type NodeAt = (path: readonly PathSegment[]) => YamlNode | null;

/**
 * Walks a kind's schema along a document path, following `$ref`s and choosing `if`/`then`/`else` branches by the
 * document's own values (the `type` discriminators), so hover and completion see the branch the validator uses.
 */
export class SchemaNavigator {
  constructor(private readonly schemas: SchemaValidator) {}

  /** The schema variants that describe the value at `path` (several when a union cannot be decided). */
  at(kind: KindInfo, path: readonly PathSegment[], nodeAt: NodeAt): SchemaAt[] {
    const root = this.schemas.schema(kind.schema) as JsonSchema | undefined;
    if (!root) return [];
    let current = this.variants({ schema: root, file: kind.schema }, nodeAt([]));
    for (let i = 0; i < path.length && current.length > 0; i++) {
      const segment = path[i]!;
      const node = nodeAt(path.slice(0, i + 1));
      current = current.flatMap((s) => this.child(s, segment)).flatMap((s) => this.variants(s, node));
    }
    return current;
  }

  /** The property schemas (as written, before `$ref`) for key `segment` under the value at `path`: their descriptions win. */
  property(kind: KindInfo, path: readonly PathSegment[], segment: PathSegment, nodeAt: NodeAt): SchemaAt[] {
    return this.at(kind, path, nodeAt).flatMap((s) => this.child(s, segment));
  }

  /** `$ref` followed, `if`/`then`/`else` decided against `node`, unions and `allOf` flattened. */
  variants(start: SchemaAt, node: YamlNode | null, depth = 0): SchemaAt[] {
    if (depth > 24) return [];
    const { schema, file } = start;
    if (schema.$ref) {
      const target = this.resolveRef(schema.$ref, file);
      if (!target) return [];
      const resolved = this.variants(target, node, depth + 1);
      // a description next to a `$ref` describes this use of the definition
      return schema.description ? resolved.map((r) => ({ ...r, schema: { ...r.schema, description: schema.description } })) : resolved;
    }
    const out: SchemaAt[] = [];
    const own = { ...schema };
    delete own.anyOf;
    delete own.oneOf;
    delete own.allOf;
    delete own.if;
    delete own.then;
    delete own.else;
    if (own.type !== undefined || own.properties || own.enum || own.const !== undefined || own.items || own.additionalProperties !== undefined || (!schema.anyOf && !schema.oneOf && !schema.if && !schema.allOf)) out.push({ schema: own, file });
    for (const branch of [...(schema.allOf ?? []), ...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) out.push(...this.variants({ schema: branch, file }, node, depth + 1));
    if (schema.if) {
      const chosen = this.matches({ schema: schema.if, file }, node) ? schema.then : schema.else;
      if (chosen) out.push(...this.variants({ schema: chosen, file }, node, depth + 1));
    }
    return out;
  }

  /** Every value a `type`-like discriminator may take in these variants (`if` conditions included). */
  discriminatorValues(start: SchemaAt, key: string, depth = 0): string[] {
    if (depth > 24) return [];
    const { schema, file } = start;
    if (schema.$ref) {
      const target = this.resolveRef(schema.$ref, file);
      return target ? this.discriminatorValues(target, key, depth + 1) : [];
    }
    const values = new Set<string>();
    const prop = schema.properties?.[key];
    for (const v of prop?.enum ?? []) values.add(String(v));
    if (prop?.const !== undefined) values.add(String(prop.const));
    for (const next of [schema.if, schema.then, schema.else, ...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]) {
      if (next) for (const v of this.discriminatorValues({ schema: next, file }, key, depth + 1)) values.add(v);
    }
    return [...values];
  }

  child(parent: SchemaAt, segment: PathSegment): SchemaAt[] {
    const { schema, file } = parent;
    if (typeof segment === 'number') {
      const items = Array.isArray(schema.items) ? schema.items[segment] : schema.items;
      return items ? [{ schema: items, file }] : [];
    }
    const prop = schema.properties?.[segment];
    if (prop) return [{ schema: prop, file }];
    for (const [pattern, sub] of Object.entries(schema.patternProperties ?? {})) {
      if (safeRegExp(pattern)?.test(segment)) return [{ schema: sub, file }];
    }
    if (schema.additionalProperties && typeof schema.additionalProperties === 'object') return [{ schema: schema.additionalProperties, file }];
    return [];
  }

  resolveRef(ref: string, file: string): SchemaAt | undefined {
    const [target, pointer = ''] = ref.split('#');
    const targetFile = target ? target.split('/').pop()! : file;
    let node: unknown = this.schemas.schema(targetFile);
    for (const part of pointer.split('/').filter(Boolean)) node = (node as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    return node && typeof node === 'object' ? { schema: node as JsonSchema, file: targetFile } : undefined;
  }

  /** The few condition shapes the schemas use: `properties.<k>.const|enum`, `required`, `not`, `anyOf`. */
  private matches(condition: SchemaAt, node: YamlNode | null): boolean {
    const { schema } = condition;
    const target = deref(node);
    const map = target?.type === 'map' ? target : undefined;
    if (schema.required && !schema.required.every((key) => map && pairOf(map, key))) return false;
    for (const [key, sub] of Object.entries(schema.properties ?? {})) {
      const valueNode = map ? deref(pairOf(map, key)?.value ?? null) : null;
      if (!valueNode) continue;
      const value = valueNode.type === 'scalar' ? valueNode.value : undefined;
      if (sub.const !== undefined && value !== sub.const) return false;
      if (sub.enum && !sub.enum.includes(value)) return false;
    }
    if (schema.not && this.matches({ ...condition, schema: schema.not }, node)) return false;
    if (schema.anyOf && !schema.anyOf.some((s) => this.matches({ ...condition, schema: s }, node))) return false;
    return true;
  }
}

const regExps = new Map<string, RegExp | undefined>();
function safeRegExp(pattern: string): RegExp | undefined {
  if (!regExps.has(pattern)) {
    try {
      regExps.set(pattern, new RegExp(pattern, 'u'));
    } catch {
      regExps.set(pattern, undefined);
    }
  }
  return regExps.get(pattern);
}

export function describe(schema: JsonSchema): string | undefined {
  return schema.markdownDescription ?? schema.description;
}

export function typesOf(variants: readonly SchemaAt[]): Set<string> {
  const types = new Set<string>();
  for (const { schema } of variants) {
    const t = schema.type;
    if (Array.isArray(t)) t.forEach((x) => types.add(x));
    else if (t) types.add(t);
    else if (schema.properties) types.add('object');
  }
  return types;
}
