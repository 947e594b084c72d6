import fs from 'node:fs';
import path from 'node:path';
import { CompletionItemKind, InsertTextFormat, type CompletionItem, type CompletionList, type Position } from 'vscode-languageserver';
import { allKinds, compareVersions, SCHEMA_URL_PREFIXES, type AssetType } from '../../core/language';
import { deref, entries, isMap, isScalar, locate, nodeAt, type PathSegment } from '../../core/language/yaml/ast';
import { expectedAsset, isPathKey } from '../service/asset-sites';
import { bindingCandidates } from '../service/binding-scopes';
import { rangeOf, type DocumentContext } from '../service/context';
import { cursorContext, type CursorContext } from '../service/cursor';
import { describe, typesOf, type JsonSchema, type NodeAt, type SchemaAt, type SchemaNavigator } from '../service/schema-navigator';

const RETRIGGER = { title: 'Suggest', command: 'editor.action.triggerSuggest' };
const VERSIONED: ReadonlySet<AssetType> = new Set(['environment', 'model', 'data', 'component']);

/** Keys, values, `azureml:` references, `${{…}}` bindings, relative paths and `$schema` URLs at the cursor. */
export function provideCompletion(ctx: DocumentContext, nav: SchemaNavigator, position: Position): CompletionList | null {
  const offset = ctx.doc.offset(position);
  const cursor = cursorContext(ctx.doc, offset);
  let items: CompletionItem[];
  switch (cursor.kind) {
    case 'binding':
      items = bindingItems(ctx, cursor, offset);
      break;
    case 'value':
      items = valueItems(ctx, nav, cursor);
      break;
    case 'key':
      items = keyItems(ctx, nav, cursor);
      break;
    default:
      return null;
  }
  return { isIncomplete: false, items };
}

function nodeGetter(ctx: DocumentContext): NodeAt {
  return (at) => locate(ctx.doc.root, at).node;
}

function bindingItems(ctx: DocumentContext, cursor: Extract<CursorContext, { kind: 'binding' }>, offset: number): CompletionItem[] {
  const doc = ctx.doc;
  const hit = nodeAt(doc.root, offset);
  const at = isScalar(hit.node) && !hit.inKey ? hit.path : lineKeyPath(ctx, offset);
  const typed = cursor.expression.split('.').map((s) => s.trim());
  const complete = typed.slice(0, -1);
  const range = rangeOf(doc, cursor.start, cursor.end);
  const closed = /^[\w-]*\s*\}\}/.test(doc.text.slice(cursor.start, cursor.start + 256));
  return bindingCandidates(ctx, at, complete).map(({ name, declaration }): CompletionItem => {
    const isSection = !declaration || (declaration.kind === 'step' && complete.length === 2);
    const newText = isSection ? `${name}.` : closed ? name : `${name}}}`;
    return {
      label: name,
      kind: isSection ? CompletionItemKind.Module : declaration?.kind === 'step' ? CompletionItemKind.Class : CompletionItemKind.Variable,
      ...(declaration ? { detail: `${declaration.kind} declared in ${path.basename(declaration.file)}` } : {}),
      textEdit: { range, newText },
      ...(isSection ? { command: RETRIGGER } : {}),
    };
  });
}

/** The path of the value on the cursor's line (`key: ${{…`) when the scalar did not parse. */
function lineKeyPath(ctx: DocumentContext, offset: number): PathSegment[] {
  const lineStart = ctx.doc.text.lastIndexOf('\n', offset - 1) + 1;
  const open = ctx.doc.text.indexOf('${{', lineStart);
  const probe = cursorContext(ctx.doc, open >= 0 && open < offset ? open : offset);
  return probe.kind === 'value' ? probe.path : probe.kind === 'key' ? probe.path : [];
}

function valueItems(ctx: DocumentContext, nav: SchemaNavigator, cursor: Extract<CursorContext, { kind: 'value' }>): CompletionItem[] {
  const doc = ctx.doc;
  const items: CompletionItem[] = [];
  if (cursor.path.length === 1 && cursor.key === '$schema') return schemaUrlItems(ctx, cursor);
  const asset = doc.kind ? expectedAsset(doc, cursor.path) : undefined;
  if (asset) items.push(...referenceItems(ctx, cursor, asset));
  if (isPathKey(cursor.path) && !cursor.prefix.startsWith('azureml:')) items.push(...fileItems(ctx, cursor));
  const kind = doc.kind;
  if (!kind) {
    if (cursor.path.length === 1 && cursor.key === 'type') items.push(...plainValues(ctx, cursor, [...new Set(allKinds().map((k) => k.id.split('/').pop()!))]));
    return items;
  }
  const getNode = nodeGetter(ctx);
  const variants = nav.at(kind, cursor.path, getNode);
  const values = new Set<string>();
  for (const { schema } of variants) {
    for (const v of schema.enum ?? []) values.add(String(v));
    if (schema.const !== undefined) values.add(String(schema.const));
  }
  if (cursor.key === 'type') {
    const parentPath = cursor.path.slice(0, -1);
    const raw: SchemaAt[] = parentPath.length === 0 ? [{ schema: ctx.schemas.schema(kind.schema) as JsonSchema, file: kind.schema }] : nav.at(kind, parentPath.slice(0, -1), getNode).flatMap((s) => nav.child(s, parentPath[parentPath.length - 1]!));
    for (const s of raw) for (const v of nav.discriminatorValues(s, 'type')) values.add(v);
  }
  if (typesOf(variants).has('boolean')) values.add('true').add('false');
  items.push(...plainValues(ctx, cursor, [...values]));
  return items;
}

function plainValues(ctx: DocumentContext, cursor: Extract<CursorContext, { kind: 'value' }>, values: string[]): CompletionItem[] {
  const range = rangeOf(ctx.doc, cursor.valueStart, cursor.end);
  return values.map((value) => ({ label: value, kind: CompletionItemKind.EnumMember, textEdit: { range, newText: value } }));
}

function schemaUrlItems(ctx: DocumentContext, cursor: Extract<CursorContext, { kind: 'value' }>): CompletionItem[] {
  const range = rangeOf(ctx.doc, cursor.valueStart, cursor.end);
  return allKinds().map((k) => {
    const url = SCHEMA_URL_PREFIXES[0] + k.schema;
    return { label: url, kind: CompletionItemKind.Value, detail: k.title, textEdit: { range, newText: url } };
  });
}

/** `azureml:` references: right after `azureml:` the items are `name:3` and `name@latest`, replacing only what follows it. */
function referenceItems(ctx: DocumentContext, cursor: Extract<CursorContext, { kind: 'value' }>, asset: AssetType): CompletionItem[] {
  const afterPrefix = cursor.prefix.startsWith('azureml:');
  if (!afterPrefix && cursor.prefix !== '' && !'azureml:'.startsWith(cursor.prefix)) return [];
  const start = afterPrefix ? cursor.valueStart + 'azureml:'.length : cursor.valueStart;
  const range = rangeOf(ctx.doc, start, cursor.end);
  const lead = afterPrefix ? '' : 'azureml:';
  const items: CompletionItem[] = [];
  const byName = new Map<string, Array<{ version?: string; path: string }>>();
  for (const a of ctx.index.all(asset)) {
    if (a.path === ctx.doc.path) continue;
    const list = byName.get(a.name) ?? [];
    list.push({ ...(a.version !== undefined ? { version: a.version } : {}), path: a.path });
    byName.set(a.name, list);
  }
  for (const [name, defs] of byName) {
    const where = (file: string) => (file ? path.relative(path.dirname(ctx.doc.path), file) : 'built in');
    const versions = defs.filter((d) => d.version !== undefined).sort((a, b) => compareVersions(b.version!, a.version!));
    if (VERSIONED.has(asset) && versions.length > 0) {
      versions.forEach((d, i) => items.push({ label: `${lead}${name}:${d.version}`, kind: CompletionItemKind.Reference, detail: `${asset} ${name}, version ${d.version}`, documentation: `defined in ${where(d.path)}`, sortText: `${name}\u0000${String(i).padStart(4, '0')}`, textEdit: { range, newText: `${lead}${name}:${d.version}` } }));
      items.push({ label: `${lead}${name}@latest`, kind: CompletionItemKind.Reference, detail: `${asset} ${name}, newest version (${versions[0]!.version})`, sortText: `${name}\u0000~`, textEdit: { range, newText: `${lead}${name}@latest` } });
    } else {
      items.push({ label: `${lead}${name}`, kind: CompletionItemKind.Reference, detail: asset, documentation: `defined in ${where(defs[0]!.path)}`, sortText: name, textEdit: { range, newText: `${lead}${name}` } });
    }
  }
  return items;
}

/** Files and folders next to the spec, relative to it (folders end in `/` and ask for the next level). */
function fileItems(ctx: DocumentContext, cursor: Extract<CursorContext, { kind: 'value' }>): CompletionItem[] {
  if (!path.isAbsolute(ctx.doc.path)) return [];
  const typed = cursor.prefix.replace(/^file:/, '');
  const slash = typed.lastIndexOf('/');
  const folderPart = slash >= 0 ? typed.slice(0, slash + 1) : '';
  const folder = path.resolve(path.dirname(ctx.doc.path), folderPart || '.');
  let names: fs.Dirent[];
  try {
    names = fs.readdirSync(folder, { withFileTypes: true });
  } catch {
    return [];
  }
  const start = cursor.valueStart + (cursor.prefix.length - typed.length) + folderPart.length;
  const range = rangeOf(ctx.doc, start, cursor.end);
  const yamlOnly = cursor.key === 'component' || cursor.key === 'conda_file';
  const lead = folderPart === '' && !typed.startsWith('.') ? './' : '';
  return names
    .filter((d) => !d.name.startsWith('.') && d.name !== 'node_modules' && (d.isDirectory() || !yamlOnly || /\.ya?ml$/i.test(d.name)))
    .filter((d) => path.join(folder, d.name) !== ctx.doc.path)
    .slice(0, 500)
    .map((d) => {
      const dir = d.isDirectory();
      const text = `${lead}${d.name}${dir ? '/' : ''}`;
      return { label: d.name + (dir ? '/' : ''), kind: dir ? CompletionItemKind.Folder : CompletionItemKind.File, filterText: text, textEdit: { range, newText: text }, ...(dir ? { command: RETRIGGER } : {}) };
    });
}

function keyItems(ctx: DocumentContext, nav: SchemaNavigator, cursor: Extract<CursorContext, { kind: 'key' }>): CompletionItem[] {
  const doc = ctx.doc;
  const range = rangeOf(doc, cursor.start, cursor.end);
  const kind = doc.kind;
  if (!kind) {
    if (cursor.path.length > 0) return [];
    return [
      { label: '$schema', kind: CompletionItemKind.Property, insertTextFormat: InsertTextFormat.Snippet, textEdit: { range, newText: '\\$schema: $0' }, command: RETRIGGER, documentation: 'The spec kind, as an Azure ML schema URL (mapped to mlw\u2019s offline schemas).' },
      { label: 'type', kind: CompletionItemKind.Property, insertTextFormat: InsertTextFormat.Snippet, textEdit: { range, newText: 'type: $0' }, command: RETRIGGER },
    ];
  }
  const getNode = nodeGetter(ctx);
  const variants = nav.at(kind, cursor.path, getNode);
  const existing = new Set<string>();
  const container = deref(getNode(cursor.path));
  if (isMap(container)) for (const [key, pair] of entries(container)) if (!(pair.key && pair.key.start === cursor.start)) existing.add(key);
  const seen = new Set<string>();
  const required = new Set(variants.flatMap((v) => v.schema.required ?? []));
  const items: CompletionItem[] = [];
  for (const parent of variants) {
    for (const [key, property] of Object.entries(parent.schema.properties ?? {})) {
      if (existing.has(key) || seen.has(key)) continue;
      seen.add(key);
      const documentation = describe(property) ?? nav.variants({ schema: property, file: parent.file }, null).map((v) => describe(v.schema)).find(Boolean);
      items.push({
        label: key,
        kind: CompletionItemKind.Property,
        insertTextFormat: InsertTextFormat.Snippet,
        textEdit: { range, newText: keySnippet(nav, key, { schema: property, file: parent.file }) },
        sortText: `${required.has(key) ? '0' : '1'}${key}`,
        ...(documentation ? { documentation: { kind: 'markdown', value: documentation } } : {}),
        ...(required.has(key) ? { detail: 'required' } : {}),
      });
    }
  }
  return items;
}

/** `key: $0` for scalars, a choice for enums, an indented block (with the required keys filled in) for mappings, `- ` for lists. */
function keySnippet(nav: SchemaNavigator, key: string, property: SchemaAt): string {
  const name = key.replace(/[$}\\]/g, '\\$&');
  const variants = nav.variants(property, null);
  const types = typesOf(variants);
  const values = [...new Set(variants.flatMap((v) => [...(v.schema.enum ?? []), ...(v.schema.const !== undefined ? [v.schema.const] : [])]).map(String))];
  const scalar = types.has('string') || types.has('number') || types.has('integer') || types.has('boolean');
  if (types.has('object') && !scalar) {
    const required = [...new Set(variants.flatMap((v) => v.schema.required ?? []))];
    if (required.length === 0) return `${name}:\n  $0`;
    return `${name}:\n${required.map((r, i) => `  ${r.replace(/[$}\\]/g, '\\$&')}: $${i + 1}`).join('\n')}`;
  }
  if (types.has('array') && !scalar) return `${name}:\n  - $0`;
  if (values.length > 0 && values.length <= 20 && values.every((v) => /^[\w.\-/]+$/.test(v))) return `${name}: \${1|${values.join(',')}|}`;
  return `${name}: $0`;
}
