import type { SpecDocument } from '../../core/language';
import { bindingCandidates, bindingSegments, bindingsOf, ownerPath, sameDeclaration, type Declaration } from './binding-scopes';
import type { DocumentContext } from './context';

export interface Occurrence {
  start: number;
  end: number;
  declaration: boolean;
}

/** Every place in the document that names `target`: its declaring key and each binding segment resolving to it. */
export function occurrencesOf(ctx: DocumentContext, target: Declaration): Occurrence[] {
  const doc: SpecDocument = ctx.doc;
  const out: Occurrence[] = [];
  if (target.file === doc.path) out.push({ start: target.keyStart, end: target.keyEnd, declaration: true });
  // candidates depend only on the place and the segments before; memoised for documents with many bindings
  const memo = new Map<string, ReturnType<typeof bindingCandidates>>();
  for (const { at, binding } of bindingsOf(doc)) {
    const segments = bindingSegments(doc, binding);
    const texts = segments.map((s) => s.text);
    for (let i = 1; i < segments.length; i++) {
      if (segments[i]!.text !== target.name) continue;
      const before = texts.slice(0, i);
      const owner = ownerPath(doc, at);
      const key = `${JSON.stringify(owner)}|${at[owner.length] === 'command'}|${before.join('.')}`;
      let candidates = memo.get(key);
      if (!candidates) memo.set(key, (candidates = bindingCandidates(ctx, at, before)));
      const declaration = candidates.find((c) => c.name === target.name)?.declaration;
      if (declaration && sameDeclaration(declaration, target)) out.push({ start: segments[i]!.start, end: segments[i]!.end, declaration: false });
    }
  }
  return out;
}
