import path from 'node:path';
import type { DocumentLink } from 'vscode-languageserver';
import { parseReference } from '../../core/language';
import { isScalar, keyText, type YamlNode } from '../../core/language/yaml/ast';
import { PATH_KEYS } from '../service/asset-sites';
import { rangeOf, type DocumentContext } from '../service/context';

/** Relative paths in path fields (`code`, `path`, `conda_file`, `component`, …) that point at an existing file. */
export function provideDocumentLinks(ctx: DocumentContext): DocumentLink[] {
  const doc = ctx.doc;
  if (!doc.kind || !path.isAbsolute(doc.path)) return [];
  const links: DocumentLink[] = [];
  const visit = (node: YamlNode | null, depth: number) => {
    if (!node || depth > 64) return;
    if (node.type === 'seq') node.items.forEach((item) => visit(item, depth + 1));
    if (node.type !== 'map') return;
    for (const pair of node.pairs) {
      const key = keyText(pair);
      const value = pair.value;
      if (key !== undefined && PATH_KEYS.has(key) && isScalar(value) && typeof value.value === 'string') {
        const ref = parseReference(value.value);
        if (ref?.form === 'file' && ref.path) {
          const file = path.resolve(path.dirname(doc.path), ref.path);
          if (ctx.host.stat(file) === 'file') links.push({ range: rangeOf(doc, value.start, value.end), target: ctx.uriOf(file), tooltip: 'Open file' });
        }
      } else visit(value, depth + 1);
    }
  };
  visit(doc.root, 0);
  return links;
}
