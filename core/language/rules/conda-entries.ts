import path from 'node:path';
import { isMap as isYamlMap, isScalar as isYamlScalar, isSeq as isYamlSeq, type Document } from 'yaml';
import { condaEntryProblem } from '../conda-entries';
import type { Report } from '../diagnostics';
import type { YamlNode } from '../yaml/ast';
import type { CondaEntry } from './lints';

/** Conda and pip entries are one line each: no line break or other control character (run by `checkCondaDependencies` in lints.ts). */
export function condaEntryChecks(report: Report): { inline(dep: CondaEntry): void; file(at: YamlNode, file: string, text: string, doc: Document): void } {
  return {
    inline: (dep) => {
      const problem = condaEntryProblem(String(dep.node.value), dep.pip);
      if (problem) report({ start: dep.node.start, end: dep.node.end, severity: 'error', rule: 'invalid-dependency', message: problem });
    },
    file: (at, file, text, doc) => {
      for (const { line, problem } of problemsInCondaText(text, doc)) {
        report({ start: at.start, end: at.end, severity: 'error', rule: 'invalid-dependency', message: `${path.basename(file)}:${line}: ${problem}` });
      }
    },
  };
}

/** Entry problems of a conda file given as text and its parse, with their 1-based lines. */
function problemsInCondaText(text: string, doc: Document): Array<{ line: number; problem: string }> {
  const out: Array<{ line: number; problem: string }> = [];
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
