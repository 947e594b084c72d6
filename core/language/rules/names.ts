import { EXPERIMENT_NAME, nameProblem, nameRuleFor, versionProblem } from '../names';
import { datastoreSecretReference, isSecretKey, isSecretReference } from '../secrets';
import { isPlaceholder } from '../refs';
import { childOf, deref, isMap, isScalar, keyText, type YamlNode } from '../yaml/ast';
import type { RuleContext } from './context';

function scalarText(node: YamlNode | null, numbers: boolean): { text: string; node: YamlNode } | undefined {
  const value = deref(node);
  if (!isScalar(value)) return undefined;
  if (typeof value.value === 'string') return { text: value.value, node: value };
  if (numbers && typeof value.value === 'number') return { text: String(value.value), node: value };
  return undefined;
}

/** `name`, `version` and a job's `experiment_name` follow Azure ML's naming rules (see names.ts). */
export function checkNames(ctx: RuleContext): void {
  const root = ctx.doc.rootMap;
  const kind = ctx.kind;
  if (!root) return;
  const report = (at: YamlNode, message: string) => ctx.report({ start: at.start, end: at.end, severity: 'error', rule: 'invalid-name', message });
  const rule = nameRuleFor(kind.id);
  const name = scalarText(childOf(root, 'name'), false);
  if (rule && name && !isPlaceholder(name.text)) {
    const problem = nameProblem(rule, name.text);
    if (problem) report(name.node, problem);
  }
  if (kind.versioned) {
    const version = scalarText(childOf(root, 'version'), true);
    const problem = version && versionProblem(version.text);
    if (version && problem) report(version.node, problem);
  }
  if (kind.asset === 'job') {
    const experiment = scalarText(childOf(root, 'experiment_name'), true);
    const problem = experiment && !isPlaceholder(experiment.text) && nameProblem(EXPERIMENT_NAME, experiment.text);
    if (experiment && problem) report(experiment.node, problem);
  }
}

/** A secret (`account_key`, `sas_token`, `client_secret` …) written in clear in a spec. */
export function checkSecrets(ctx: RuleContext): void {
  // Only datastores carry `credentials`; walking every other document (a 10k-line pipeline) would cost for nothing.
  if (ctx.kind.asset !== 'datastore') return;
  const name = scalarText(childOf(ctx.doc.root, 'name'), true)?.text;
  const visit = (node: YamlNode | null, inCredentials: boolean, depth: number): void => {
    const map = deref(node);
    if (!isMap(map) || depth > 32) return;
    for (const pair of map.pairs) {
      const key = keyText(pair);
      if (key === undefined) continue;
      const value = deref(pair.value);
      const text = isScalar(value) && value.value !== null ? String(value.value) : '';
      if (inCredentials && isSecretKey(key) && text !== '' && !isPlaceholder(text) && !isSecretReference(text)) {
        const reference = datastoreSecretReference(name || '<name>', key);
        ctx.report({
          start: value!.start,
          end: value!.end,
          severity: 'warning',
          rule: 'secret-in-spec',
          message: `\`${key}\` is a secret written in clear in the spec; mlw moves it into the workspace's encrypted secrets store on registration. Move it there now (quick fix) to leave \`${reference}\` in its place, or use identity-based access (\`credentials: {}\`)`,
          data: { key, ...(name ? { datastore: name } : {}) },
        });
      } else visit(value, inCredentials || key === 'credentials', depth + 1);
    }
  };
  visit(ctx.doc.root, false, 0);
}
