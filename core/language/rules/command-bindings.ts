import { scanBindings } from '../bindings';
import { closest, didYouMean } from '../suggest';
import { childOf, deref, entries, isMap, type YamlMap } from '../yaml/ast';
import type { RuleContext } from './context';
import { commandScopes, keys, type CommandScope } from './scopes';

/** `${{inputs.x}}`, `${{outputs.y}}` and `${{search_space.z}}` in a command must name something declared. */
export function checkCommandBindings(ctx: RuleContext): void {
  for (const scope of commandScopes(ctx.doc)) checkScope(ctx, scope);
}

function checkScope(ctx: RuleContext, scope: CommandScope): void {
  const command = scope.command;
  if (!command || typeof command.value !== 'string') return;
  const { bindings, problems } = scanBindings(ctx.doc.text.slice(command.start, command.end), command.start);
  for (const p of problems) ctx.report({ ...p, severity: 'error', rule: 'unbalanced-fragment' });
  const optional = optionalInputs(scope.inputs);
  for (const b of bindings) {
    const [section, name, ...rest] = b.segments;
    const range = { start: b.expressionStart, end: b.expressionEnd };
    const declared = section === 'inputs' ? keys(scope.inputs) : section === 'outputs' ? keys(scope.outputs) : section === 'search_space' && scope.searchSpace ? keys(scope.searchSpace) : undefined;
    if (!declared || name === undefined || rest.length > 0) {
      const allowed = scope.searchSpace ? 'inputs.<name>, outputs.<name> or search_space.<name>' : 'inputs.<name> or outputs.<name>';
      ctx.report({ ...range, severity: 'error', rule: 'invalid-binding', message: `\`\${{${b.expression}}}\` is not a binding a command can use; expected ${allowed}` });
      continue;
    }
    if (!declared.includes(name)) {
      const where = section === 'search_space' ? '`search_space`' : `\`${section}\``;
      const suggestion = closest(name, declared);
      ctx.report({
        ...range,
        severity: 'error',
        rule: section === 'inputs' ? 'undeclared-input' : section === 'outputs' ? 'undeclared-output' : 'undeclared-search-space',
        message: `${section === 'search_space' ? 'search space parameter' : section.slice(0, -1)} \`${name}\` is not declared in ${where}${didYouMean(suggestion)}`,
        data: { section, name, ...(suggestion ? { replacement: suggestion } : {}) },
      });
    } else if (section === 'inputs' && optional.has(name) && !b.inFragment) {
      ctx.report({ ...range, severity: 'warning', rule: 'optional-input-outside-fragment', message: `optional input \`${name}\` is used outside \`$[[…]]\`; the command breaks when it is not given`, data: { name } });
    }
  }
}

function optionalInputs(inputs: YamlMap | undefined): Set<string> {
  const names = new Set<string>();
  if (!inputs) return names;
  for (const [name, pair] of entries(inputs)) {
    const declaration = deref(pair.value);
    if (isMap(declaration) && deref(childOf(declaration, 'optional'))?.type === 'scalar' && (deref(childOf(declaration, 'optional')) as { value: unknown }).value === true) names.add(name);
  }
  return names;
}
