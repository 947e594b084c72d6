import type { FoldingRange } from 'vscode-languageserver';
import type { YamlNode } from '../../core/language/yaml/ast';
import type { DocumentContext } from '../service/context';

/** A range for every key or item whose value spans more than one line (maps, lists, block scalars). */
export function provideFoldingRanges(ctx: DocumentContext): FoldingRange[] {
  const doc = ctx.doc;
  const ranges: FoldingRange[] = [];
  const lastLine = (node: YamlNode): number => {
    // a value's end offset may sit at the start of the next line (after its newline)
    const end = doc.text.slice(node.start, node.end).trimEnd().length + node.start;
    return doc.position(end).line;
  };
  const add = (startOffset: number, node: YamlNode) => {
    const start = doc.position(startOffset).line;
    const end = lastLine(node);
    if (end > start) ranges.push({ startLine: start, endLine: end });
  };
  const visit = (node: YamlNode | null, depth: number) => {
    if (!node || depth > 64) return;
    if (node.type === 'map') {
      for (const pair of node.pairs) {
        if (pair.key && pair.value) add(pair.key.start, pair.value);
        visit(pair.value, depth + 1);
      }
    } else if (node.type === 'seq') {
      for (const item of node.items) {
        add(item.start, item);
        visit(item, depth + 1);
      }
    }
  };
  for (const d of doc.yaml.documents) visit(d.root, 0);
  return ranges;
}
