import path from 'node:path';
import { MarkupKind, type Hover, type Position } from 'vscode-languageserver';
import { kindInfo, parseReference, type IndexedAsset } from '../../core/language';
import { isScalar, locate, nodeAt } from '../../core/language/yaml/ast';
import { expectedAsset } from '../service/asset-sites';
import { rangeOf, type DocumentContext } from '../service/context';
import { describe, type SchemaNavigator } from '../service/schema-navigator';
import { symbolAt } from '../service/symbol-at';

/** Field documentation from the schema; for a reference the asset it resolves to; for a binding its declaration. */
export function provideHover(ctx: DocumentContext, nav: SchemaNavigator, position: Position): Hover | null {
  const doc = ctx.doc;
  const offset = doc.offset(position);
  const symbol = symbolAt(ctx, offset);
  if (symbol?.via === 'binding') {
    const d = symbol.declaration;
    const lineStart = d.doc.text.lastIndexOf('\n', d.keyStart - 1) + 1;
    const end = d.value && d.value.end > d.keyEnd ? Math.min(d.value.end, lineStart + 600) : d.keyEnd;
    const source = d.doc.text.slice(lineStart, end).replace(/\s+$/, '');
    const where = d.file === doc.path ? `line ${d.doc.position(d.keyStart).line + 1}` : `${path.relative(path.dirname(doc.path), d.file)}:${d.doc.position(d.keyStart).line + 1}`;
    return { contents: { kind: MarkupKind.Markdown, value: `**${d.kind}** \`${d.name}\` (${where})\n\n\`\`\`yaml\n${source}\n\`\`\`` }, range: rangeOf(doc, symbol.start, symbol.end) };
  }
  const { path: at, node, inKey } = nodeAt(doc.root, offset);
  if (!node || at.length === 0 || !doc.kind) return null;
  if (!inKey && isScalar(node) && typeof node.value === 'string') {
    const asset = expectedAsset(doc, at);
    const reference = asset ? referenceSummary(ctx, node.value, asset) : undefined;
    if (reference) return { contents: { kind: MarkupKind.Markdown, value: reference }, range: rangeOf(doc, node.start, node.end) };
  }
  const key = at[at.length - 1]!;
  const getNode = (p: readonly (string | number)[]) => locate(doc.root, p).node;
  const property = nav.property(doc.kind, at.slice(0, -1), key, getNode);
  const text = property.map((p) => describe(p.schema)).find(Boolean) ?? nav.at(doc.kind, at, getNode).map((v) => describe(v.schema)).find(Boolean);
  if (!text) return null;
  return { contents: { kind: MarkupKind.Markdown, value: `\`${String(key)}\`: ${text}` }, range: rangeOf(doc, node.start, node.end) };
}

function referenceSummary(ctx: DocumentContext, raw: string, expected: NonNullable<ReturnType<typeof expectedAsset>>): string | undefined {
  const ref = parseReference(raw);
  if (!ref) return undefined;
  if (ref.form === 'registry') return `**${ref.asset}** \`${ref.name}\` in registry \`${ref.registry}\`: not resolvable offline`;
  let asset = expected;
  let name: string;
  let version: string | undefined;
  let label: string | undefined;
  if (ref.form === 'asset') ({ name, version, label } = ref);
  else if (ref.form === 'arm') ({ name, version } = ref), (asset = ref.asset ?? expected);
  else if (ref.form === 'datastore-path') (asset = 'datastore'), (name = ref.datastore);
  else if (ref.form === 'file' && (expected === 'compute' || expected === 'datastore' || expected === 'endpoint')) name = ref.path;
  else return undefined;
  const defs = ctx.index.find(asset, name);
  if (defs.length === 0) return `**${asset}** \`${name}\`: not defined in this workspace`;
  const target: IndexedAsset | undefined = version !== undefined ? defs.find((d) => d.version === version) : label !== undefined || defs.some((d) => d.version !== undefined) ? ctx.index.latest(asset, name) : defs[0];
  const title = target?.kind ? kindInfo(target.kind).title : asset;
  const versions = defs.map((d) => d.version).filter((v) => v !== undefined);
  const lines = [`**${title}** \`${name}\`${target?.version !== undefined ? `, version ${target.version}` : version !== undefined ? `: no version ${version}` : ''}`];
  if (versions.length > 1 || (label !== undefined && versions.length > 0)) lines.push(`versions: ${versions.join(', ')}`);
  if (target) lines.push(target.origin === 'file' ? `defined in \`${path.relative(path.dirname(ctx.doc.path), target.path)}\`` : target.origin === 'builtin' ? 'built in' : 'registered');
  return lines.join('\n\n');
}
