import { scanBindings } from '../../core/language';
import { deref, isScalar, locate, nodeAt, type PathSegment } from '../../core/language/yaml/ast';
import { bindingSegments, isPipeline, ownerPath, resolveSegment, type Declaration } from './binding-scopes';
import type { DocumentContext } from './context';

/** The input, output, search-space parameter or step under the cursor: a binding segment naming it, or its declaring key. */
export interface SymbolAt {
  declaration: Declaration;
  /** Range of the text under the cursor that names it. */
  start: number;
  end: number;
  via: 'binding' | 'declaration';
}

const SECTIONS: ReadonlySet<PathSegment> = new Set(['inputs', 'outputs', 'search_space']);

export function symbolAt(ctx: DocumentContext, offset: number): SymbolAt | undefined {
  const doc = ctx.doc;
  const { path, node, inKey } = nodeAt(doc.root, offset);
  if (!node) return undefined;
  if (!inKey && isScalar(node) && typeof node.value === 'string' && node.value.includes('${{')) {
    const binding = scanBindings(doc.text.slice(node.start, node.end), node.start).bindings.find((b) => b.expressionStart <= offset && offset <= b.expressionEnd);
    if (!binding) return undefined;
    const segments = bindingSegments(doc, binding);
    const index = segments.findIndex((s) => s.start <= offset && offset <= s.end);
    if (index < 0) return undefined;
    const declaration = resolveSegment(ctx, path, segments.map((s) => s.text), index);
    return declaration ? { declaration, start: segments[index]!.start, end: segments[index]!.end, via: 'binding' } : undefined;
  }
  if (!inKey) return undefined;
  const declaration = declarationAtKey(ctx, path);
  return declaration ? { declaration, start: declaration.keyStart, end: declaration.keyEnd, via: 'declaration' } : undefined;
}

/** The declaration whose key sits at `path`, if that path declares one. */
export function declarationAtKey(ctx: DocumentContext, path: PathSegment[]): Declaration | undefined {
  const doc = ctx.doc;
  const name = path[path.length - 1];
  if (typeof name !== 'string' || path.length < 2) return undefined;
  const section = path[path.length - 2]!;
  let kind: Declaration['kind'] | undefined;
  if (isPipeline(doc) && path.length === 2 && section === 'jobs') kind = 'step';
  else if (SECTIONS.has(section)) {
    const owner = ownerPath(doc, path);
    if (owner.length === path.length - 2 && owner.every((s, i) => s === path[i])) kind = section === 'inputs' ? 'input' : section === 'outputs' ? 'output' : 'search-space';
  }
  if (!kind) return undefined;
  const found = locate(doc.root, path);
  const key = found.pair?.key;
  if (!key) return undefined;
  return { kind, name, file: doc.path, path, keyStart: key.start, keyEnd: key.end, value: deref(found.node), doc };
}
