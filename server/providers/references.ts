import type { Location, Position } from 'vscode-languageserver';
import { rangeOf, type DocumentContext } from '../service/context';
import { occurrencesOf } from '../service/occurrences';
import { symbolAt } from '../service/symbol-at';

/** Every use of the input, output, search-space parameter or step under the cursor (bindings included). */
export function provideReferences(ctx: DocumentContext, position: Position, includeDeclaration: boolean): Location[] | null {
  const symbol = symbolAt(ctx, ctx.doc.offset(position));
  if (!symbol) return null;
  const found = occurrencesOf(ctx, symbol.declaration).filter((o) => includeDeclaration || !o.declaration);
  const locations = found.map((o) => ({ uri: ctx.uri, range: rangeOf(ctx.doc, o.start, o.end) }));
  if (includeDeclaration && symbol.declaration.file !== ctx.doc.path) {
    const d = symbol.declaration;
    locations.unshift({ uri: ctx.uriOf(d.file), range: { start: d.doc.position(d.keyStart), end: d.doc.position(d.keyEnd) } });
  }
  return locations;
}
