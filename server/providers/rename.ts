import { ResponseError, ErrorCodes, type Position, type Range, type WorkspaceEdit } from 'vscode-languageserver';
import { rangeOf, type DocumentContext } from '../service/context';
import { occurrencesOf } from '../service/occurrences';
import { symbolAt } from '../service/symbol-at';

const NAME = /^[A-Za-z_][\w-]*$/;

/** Inputs, outputs, search-space parameters and steps declared in this document can be renamed. */
export function providePrepareRename(ctx: DocumentContext, position: Position): { range: Range; placeholder: string } | null {
  const symbol = symbolAt(ctx, ctx.doc.offset(position));
  if (!symbol || symbol.declaration.file !== ctx.doc.path) return null;
  return { range: rangeOf(ctx.doc, symbol.start, symbol.end), placeholder: symbol.declaration.name };
}

/** Renames the declaration and every binding that names it. */
export function provideRename(ctx: DocumentContext, position: Position, newName: string): WorkspaceEdit | null {
  const symbol = symbolAt(ctx, ctx.doc.offset(position));
  if (!symbol || symbol.declaration.file !== ctx.doc.path) return null;
  if (!NAME.test(newName)) throw new ResponseError(ErrorCodes.InvalidParams, `\`${newName}\` is not a valid name (letters, digits, _ and -, not starting with a digit)`);
  const edits = occurrencesOf(ctx, symbol.declaration).map((o) => ({ range: rangeOf(ctx.doc, o.start, o.end), newText: newName }));
  return { changes: { [ctx.uri]: edits } };
}
