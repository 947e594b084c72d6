import path from 'node:path';
import { isMap as isYamlMap, isScalar as isYamlScalar, isSeq as isYamlSeq, parseDocument } from 'yaml';
import { condaEntryProblem } from '../conda-entries';
import { parseReference } from '../refs';
import { childOf, deref, isMap, isScalar } from '../yaml/ast';
import { resolvePath, type RuleContext } from './context';
import { dependencyNodes, environmentMaps } from './lints';

/** Conda and pip entries hold one package each: no line break or other control character, no leading `-`. */
export function checkCondaEntries(ctx: RuleContext): void {
  for (const env of environmentMaps(ctx)) {
    const conda = deref(childOf(env, 'conda_file'));
    if (isMap(conda)) {
      for (const dep of dependencyNodes(conda)) {
        const problem = condaEntryProblem(String(dep.node.value), dep.pip);
        if (problem) ctx.report({ start: dep.node.start, end: dep.node.end, severity: 'error', rule: 'invalid-dependency', message: problem });
      }
    } else if (isScalar(conda) && typeof conda.value === 'string') {
      const ref = parseReference(conda.value);
      if (ref?.form !== 'file') continue;
      const file = resolvePath(ctx, ref.path);
      const text = ctx.host.readText(file);
      if (text === undefined) continue;
      for (const { line, problem } of problemsInCondaText(text)) {
        ctx.report({ start: conda.start, end: conda.end, severity: 'error', rule: 'invalid-dependency', message: `${path.basename(file)}:${line}: ${problem}` });
      }
    }
  }
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
