import path from 'node:path';
import { scanBindings, type Binding } from '../bindings';
import type { SpecDocument } from '../document';
import { parseReference } from '../refs';
import { closest, didYouMean } from '../suggest';
import { childOf, deref, entries, isMap, stringValue, type YamlMap } from '../yaml/ast';
import { resolvePath, type RuleContext } from './context';
import { keys, mapAt, pipelineScopes, type PipelineScope } from './scopes';

interface StepInfo {
  name: string;
  node: YamlMap;
  /** Declared inputs/outputs of the step: its own for inline steps, its component's otherwise (undefined when unknown offline). */
  inputs: string[] | undefined;
  outputs: string[] | undefined;
  requiredInputs: string[];
}

interface Edge {
  from: string;
  to: string;
  binding: Binding;
}

/**
 * Pipeline steps: `${{parent.…}}` bindings resolve, steps pass only inputs their component declares,
 * and the steps form a DAG (a cycle is reported with its path).
 */
export function checkPipelines(ctx: RuleContext): void {
  for (const pipeline of pipelineScopes(ctx.doc)) {
    const steps = new Map<string, StepInfo>();
    for (const [name, pair] of entries(pipeline.jobs)) {
      const node = deref(pair.value);
      if (isMap(node)) steps.set(name, describeStep(ctx, name, node));
    }
    const edges: Edge[] = [];
    for (const step of steps.values()) {
      checkStepInterface(ctx, step);
      for (const section of ['inputs', 'outputs'] as const) {
        const map = mapAt(step.node, section);
        if (!map) continue;
        for (const [, pair] of entries(map)) {
          const value = deref(pair.value);
          const scalar = value?.type === 'scalar' ? value : isMap(value) ? deref(childOf(value, 'path')) : null;
          if (scalar?.type !== 'scalar' || typeof scalar.value !== 'string') continue;
          const { bindings } = scanBindings(ctx.doc.text.slice(scalar.start, scalar.end), scalar.start);
          for (const b of bindings) {
            const edge = checkParentBinding(ctx, pipeline, steps, step, section, b);
            if (edge) edges.push(edge);
          }
        }
      }
    }
    reportCycles(ctx, [...steps.keys()], edges);
  }
}

function describeStep(ctx: RuleContext, name: string, node: YamlMap): StepInfo {
  const componentRef = stringValue(childOf(node, 'component'));
  const inlineComponent = mapAt(node, 'component');
  let component: YamlMap | undefined = inlineComponent;
  if (componentRef !== undefined) component = loadComponent(ctx, componentRef)?.rootMap;
  if (childOf(node, 'component') && !component) return { name, node, inputs: undefined, outputs: undefined, requiredInputs: [] };
  const source = component ?? node;
  const declaredInputs = mapAt(source, 'inputs');
  const required: string[] = [];
  if (component && declaredInputs) {
    for (const [input, pair] of entries(declaredInputs)) {
      const declaration = deref(pair.value);
      if (!isMap(declaration)) continue;
      const optional = deref(childOf(declaration, 'optional'));
      const hasDefault = childOf(declaration, 'default') !== null;
      if (!(optional?.type === 'scalar' && optional.value === true) && !hasDefault) required.push(input);
    }
  }
  return { name, node, inputs: keys(declaredInputs), outputs: keys(mapAt(source, 'outputs')), requiredInputs: required };
}

function loadComponent(ctx: RuleContext, ref: string): SpecDocument | undefined {
  const parsed = parseReference(ref);
  if (parsed?.form === 'file') return ctx.load(resolvePath(ctx, parsed.path));
  if (parsed?.form === 'asset') {
    const defs = ctx.index.find('component', parsed.name).filter((a) => a.path);
    const match = parsed.version !== undefined ? defs.find((a) => a.version === parsed.version) : ctx.index.latest('component', parsed.name);
    if (match?.path) return ctx.load(path.resolve(match.path));
  }
  return undefined;
}

/** A step that uses a component may only pass inputs the component declares, and must pass the required ones. */
function checkStepInterface(ctx: RuleContext, step: StepInfo): void {
  if (!childOf(step.node, 'component') || !step.inputs) return;
  const passed = mapAt(step.node, 'inputs');
  for (const [name, pair] of passed ? entries(passed) : []) {
    if (step.inputs.includes(name) || !pair.key) continue;
    const suggestion = closest(name, step.inputs);
    ctx.report({ start: pair.key.start, end: pair.key.end, severity: 'error', rule: 'unknown-component-input', message: `the component of step \`${step.name}\` declares no input \`${name}\`${didYouMean(suggestion)}`, data: { name, ...(suggestion ? { replacement: suggestion } : {}) } });
  }
  const given = new Set(keys(passed));
  const missing = step.requiredInputs.filter((i) => !given.has(i));
  const stepKey = ctx.doc.rootMap && mapAt(ctx.doc.rootMap, 'jobs')?.pairs.find((p) => p.key?.type === 'scalar' && p.key.value === step.name)?.key;
  if (missing.length && stepKey) {
    ctx.report({ start: stepKey.start, end: stepKey.end, severity: 'error', rule: 'missing-component-input', message: `step \`${step.name}\` does not set the required input${missing.length > 1 ? 's' : ''} ${missing.map((m) => `\`${m}\``).join(', ')} of its component`, data: { names: missing } });
  }
}

function checkParentBinding(ctx: RuleContext, pipeline: PipelineScope, steps: Map<string, StepInfo>, step: StepInfo, section: 'inputs' | 'outputs', b: Binding): Edge | undefined {
  const range = { start: b.expressionStart, end: b.expressionEnd };
  const [head, scope, name, io, port, ...rest] = b.segments;
  if (head !== 'parent') {
    if (head === 'name' && b.segments.length === 1) return undefined;
    // A sweep step's inputs may take a sampled value: `${{search_space.<name>}}` of the step's own search space.
    const searchSpace = stringValue(childOf(step.node, 'type')) === 'sweep' ? mapAt(step.node, 'search_space') : undefined;
    if (head === 'search_space' && searchSpace && section === 'inputs' && b.segments.length === 2) {
      if (!keys(searchSpace).includes(scope!)) ctx.report({ ...range, severity: 'error', rule: 'undeclared-search-space', message: `search space parameter \`${scope}\` is not declared in step \`${step.name}\`'s \`search_space\`` });
      return undefined;
    }
    ctx.report({ ...range, severity: 'error', rule: 'invalid-binding', message: `\`\${{${b.expression}}}\` is not a binding a pipeline step can use; expected parent.inputs.<name>, parent.outputs.<name> or parent.jobs.<step>.outputs.<name>` });
    return undefined;
  }
  if ((scope === 'inputs' || scope === 'outputs') && name !== undefined && io === undefined) {
    const declared = keys(scope === 'inputs' ? pipeline.inputs : pipeline.outputs);
    if (!declared.includes(name)) {
      const suggestion = closest(name, declared);
      ctx.report({ ...range, severity: 'error', rule: scope === 'inputs' ? 'unknown-parent-input' : 'unknown-parent-output', message: `the pipeline declares no ${scope.slice(0, -1)} \`${name}\`${didYouMean(suggestion)}`, data: { section: scope, name, ...(suggestion ? { replacement: suggestion } : {}) } });
    }
    return undefined;
  }
  if (scope === 'jobs' && name !== undefined && (io === 'outputs' || io === 'inputs') && port !== undefined && rest.length === 0) {
    const source = steps.get(name);
    if (!source) {
      const suggestion = closest(name, [...steps.keys()]);
      ctx.report({ ...range, severity: 'error', rule: 'unknown-step', message: `the pipeline has no step \`${name}\`${didYouMean(suggestion)}`, data: { name, ...(suggestion ? { replacement: suggestion } : {}) } });
      return undefined;
    }
    const ports = io === 'outputs' ? source.outputs : source.inputs;
    if (ports && !ports.includes(port)) {
      const suggestion = closest(port, ports);
      ctx.report({ ...range, severity: 'error', rule: 'unknown-step-port', message: `step \`${name}\` has no ${io.slice(0, -1)} \`${port}\`${didYouMean(suggestion)}`, data: { step: name, name: port, ...(suggestion ? { replacement: suggestion } : {}) } });
    }
    return section === 'inputs' ? { from: name, to: step.name, binding: b } : undefined;
  }
  ctx.report({ ...range, severity: 'error', rule: 'invalid-binding', message: `\`\${{${b.expression}}}\` is not a valid parent binding; expected parent.inputs.<name>, parent.outputs.<name> or parent.jobs.<step>.outputs.<name>` });
  return undefined;
}

/** Depth-first search; each cycle is reported once, at the binding that closes it. */
function reportCycles(ctx: RuleContext, names: string[], edges: Edge[]): void {
  const outgoing = new Map<string, Edge[]>();
  for (const e of edges) outgoing.set(e.from, [...(outgoing.get(e.from) ?? []), e]);
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'active');
    stack.push(node);
    for (const edge of outgoing.get(node) ?? []) {
      const next = state.get(edge.to);
      if (next === 'active') {
        const cycle = [...stack.slice(stack.indexOf(edge.to)), edge.to];
        ctx.report({ start: edge.binding.expressionStart, end: edge.binding.expressionEnd, severity: 'error', rule: 'pipeline-cycle', message: `pipeline steps form a cycle: ${cycle.join(' → ')}`, data: { cycle } });
      } else if (next === undefined) visit(edge.to);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const name of names) if (!state.has(name)) visit(name);
}
