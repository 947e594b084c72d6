import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver';
import { deref, isMap, isSeq, keyText, type YamlNode, type YamlPair } from '../../core/language/yaml/ast';
import { rangeOf, type DocumentContext } from '../service/context';

const MAX_DEPTH = 6;

/** The outline: every key of the spec as a nested tree; steps, inputs and outputs get their own symbol kinds. */
export function provideDocumentSymbols(ctx: DocumentContext): DocumentSymbol[] {
  const root = ctx.doc.rootMap;
  return root ? root.pairs.flatMap((pair) => symbolOf(ctx, pair, [], 0)) : [];
}

function symbolOf(ctx: DocumentContext, pair: YamlPair, parents: string[], depth: number): DocumentSymbol[] {
  const key = pair.key;
  const name = keyText(pair);
  if (!key || name === undefined || pair.merge) return [];
  const value = deref(pair.value);
  const end = Math.max(key.end, pair.value?.end ?? key.end);
  const symbol: DocumentSymbol = {
    name: name || '""',
    kind: kindOf(parents, name, value),
    range: rangeOf(ctx.doc, key.start, end),
    selectionRange: rangeOf(ctx.doc, key.start, key.end),
  };
  if (value?.type === 'scalar' && value.value !== null) symbol.detail = String(value.value).slice(0, 80);
  if (depth < MAX_DEPTH && pair.value && pair.value.type !== 'alias') {
    const children = childrenOf(ctx, pair.value, [...parents, name], depth + 1);
    if (children.length) symbol.children = children;
  }
  return [symbol];
}

function childrenOf(ctx: DocumentContext, node: YamlNode, parents: string[], depth: number): DocumentSymbol[] {
  if (isMap(node)) return node.pairs.flatMap((p) => symbolOf(ctx, p, parents, depth));
  if (!isSeq(node)) return [];
  return node.items.flatMap((item, i) => {
    if (!isMap(item)) return [];
    const label = item.pairs.map(keyText).find((k) => k !== undefined);
    return [{ name: `[${i}]${label ? ` ${label}` : ''}`, kind: SymbolKind.Object, range: rangeOf(ctx.doc, item.start, item.end), selectionRange: rangeOf(ctx.doc, item.start, item.start), children: childrenOf(ctx, item, [...parents, String(i)], depth + 1) }];
  });
}

function kindOf(parents: string[], name: string, value: YamlNode | null): SymbolKind {
  const parent = parents[parents.length - 1];
  if (parent === 'jobs' && parents.length === 1) return SymbolKind.Function;
  if (parent === 'inputs') return SymbolKind.Variable;
  if (parent === 'outputs') return SymbolKind.Event;
  if (parent === 'search_space') return SymbolKind.TypeParameter;
  if (name === 'jobs') return SymbolKind.Module;
  if (isMap(value)) return SymbolKind.Object;
  if (isSeq(value)) return SymbolKind.Array;
  if (value?.type === 'scalar') return typeof value.value === 'number' ? SymbolKind.Number : typeof value.value === 'boolean' ? SymbolKind.Boolean : SymbolKind.String;
  return SymbolKind.Field;
}
