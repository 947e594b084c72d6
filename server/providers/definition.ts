import path from 'node:path';
import type { Location, Position } from 'vscode-languageserver';
import { parseReference } from '../../core/language';
import { isScalar, nodeAt } from '../../core/language/yaml/ast';
import { expectedAsset, isPathKey } from '../service/asset-sites';
import { locationIn, type DocumentContext } from '../service/context';
import { symbolAt } from '../service/symbol-at';

/** File paths → the file; `azureml:` references and `component: ./x.yml` → the defining spec; bindings → their declaration. */
export function provideDefinition(ctx: DocumentContext, position: Position): Location[] | null {
  const doc = ctx.doc;
  const offset = doc.offset(position);
  const symbol = symbolAt(ctx, offset);
  if (symbol?.via === 'binding') return [locationIn(ctx, symbol.declaration.file, symbol.declaration.keyStart, symbol.declaration.keyEnd)];
  const { path: at, node, inKey } = nodeAt(doc.root, offset);
  if (inKey || !isScalar(node) || typeof node.value !== 'string' || !doc.kind) return null;
  const ref = parseReference(node.value);
  if (!ref) return null;
  const asset = expectedAsset(doc, at);
  if (ref.form === 'file' && isPathKey(at) && path.isAbsolute(doc.path)) {
    const file = path.resolve(path.dirname(doc.path), ref.path);
    if (ctx.host.stat(file) !== 'file') return null;
    const defined = asset ? ctx.index.all(asset).find((a) => a.path === file) : undefined;
    return [defined ? locationIn(ctx, file, defined.start, defined.end) : { uri: ctx.uriOf(file), range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }];
  }
  let name: string | undefined;
  let version: string | undefined;
  let target = asset;
  if (ref.form === 'asset') ({ name, version } = ref);
  else if (ref.form === 'arm') ({ name, version } = ref), (target = ref.asset ?? asset);
  else if (ref.form === 'datastore-path') (name = ref.datastore), (target = 'datastore');
  else if (ref.form === 'file' && (asset === 'compute' || asset === 'datastore' || asset === 'endpoint')) name = ref.path;
  if (!name || !target) return null;
  let defs = ctx.index.find(target, name).filter((a) => a.origin === 'file' && a.path);
  if (version !== undefined) defs = defs.filter((a) => a.version === version);
  else if (defs.some((a) => a.version !== undefined)) defs = [ctx.index.latest(target, name)!].filter((a) => a?.path);
  return defs.length ? defs.map((a) => locationIn(ctx, a.path, a.start, a.end)) : null;
}
