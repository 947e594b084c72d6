import path from 'node:path';
import { isMap as isYamlMap, isScalar as isYamlScalar, isSeq as isYamlSeq, parseDocument } from 'yaml';
import { condaEntryProblem } from '../conda-entries';
import type { RuleContext } from './context';
import { forEachCondaFile } from './lints';

/** Conda and pip entries are one line each: no line break or other control character. */
export function checkCondaEntries(ctx: RuleContext): void {
  forEachCondaFile(ctx, {
    inline: (dep) => {
      const problem = condaEntryProblem(String(dep.node.value), dep.pip);
      if (problem) ctx.report({ start: dep.node.start, end: dep.node.end, severity: 'error', rule: 'invalid-dependency', message: problem });
    },
    file: (at, file, text) => {
      for (const { line, problem } of problemsInCondaText(text)) {
        ctx.report({ start: at.start, end: at.end, severity: 'error', rule: 'invalid-dependency', message: `${path.basename(file)}:${line}: ${problem}` });
      }
    },
  });
}

/** Entry problems of a conda file given as text, with their 1-based lines. */
export function problemsInCondaText(text: string): Array<{ line: number; problem: string }> {
  const out: Array<{ line: number; problem: string }> = [];
  const doc = parseDocument(text);
  const root = doc.contents;
  const deps = isYamlMap(root) ? root.get('dependencies', true) : undefined;
  if (!isYamlSeq(deps)) return out;
  const check = (node: unknown, pip: boolean) => {
    if (!isYamlScalar(node) || typeof node.value !== 'string') return;
    const problem = condaEntryProblem(node.value, pip);
    if (problem) out.push({ line: text.slice(0, node.range?.[0] ?? 0).split('\n').length, problem });
  };
  for (const item of deps.items) {
    if (isYamlMap(item)) {
      const pip = item.get('pip', true);
      if (isYamlSeq(pip)) for (const entry of pip.items) check(entry, true);
    } else check(item, false);
  }
  return out;
}
