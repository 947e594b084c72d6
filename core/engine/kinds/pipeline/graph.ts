import path from 'node:path';
import { parseReference } from '../../../language/refs';
import type { EnvironmentRef } from '../../../language/types/environments';
import type { ComponentInput, ComponentOutput, DataType, InputMode, InputType, JobInput, LiteralValue, PipelineJobSpec } from '../../../language/types/jobs';
import { computeName } from '../../resolve';
import { bindingsIn, hasBinding, wholeBinding, type ParentBinding } from './bindings';
import { PipelineGraphError, type ComponentLoader, type DataInput, type InputSource, type PipelineGraph, type PipelineStepNode, type StepDefinition, type StepOutputSettings, type SweepStepSettings } from './types';

export interface BuildPipelineGraphOptions {
  /** Folder of the pipeline spec: relative component files and code resolve against it. */
  specDir: string;
  loadComponent: ComponentLoader;
}

const DATA_TYPES: ReadonlySet<string> = new Set<DataType>(['uri_file', 'uri_folder', 'mltable', 'mlflow_model', 'custom_model', 'triton_model']);

type Mapping = Record<string, unknown>;

interface StepBase {
  definition: StepDefinition;
  /** The component behind the step (the step itself for inline command steps). */
  component: Mapping;
}

/**
 * Turns a validated pipeline job spec into its steps (in `jobs:` order) with their definitions, input sources,
 * outputs and the steps each depends on. Reads component files only through `loadComponent`. Throws a
 * `PipelineGraphError` naming the step for what cannot run: an unsupported step type, a missing component, a
 * required input without a value, a binding to nothing, a cycle.
 */
export function buildPipelineGraph(spec: unknown, options: BuildPipelineGraphOptions): PipelineGraph {
  return new GraphBuilder(spec, options).build();
}

class GraphBuilder {
  private readonly pipeline: PipelineJobSpec;
  private readonly jobs: Record<string, Mapping> = {};
  private readonly bases = new Map<string, StepBase>();
  private readonly inputs = new Map<string, Record<string, InputSource>>();
  private readonly outputs = new Map<string, Record<string, StepOutputSettings>>();
  private readonly resolving = new Set<string>();

  constructor(spec: unknown, private readonly options: BuildPipelineGraphOptions) {
    if (!isMapping(spec)) throw new PipelineGraphError('a pipeline job spec must be a mapping');
    if (spec.type !== 'pipeline') throw new PipelineGraphError(`expected a pipeline job (type: pipeline), not type ${String(spec.type)}`);
    if (spec.jobs === undefined && spec.component !== undefined) throw new PipelineGraphError('pipeline jobs that run a pipeline component (`component:`) cannot run yet; list the steps under `jobs:`');
    if (!isMapping(spec.jobs) || Object.keys(spec.jobs).length === 0) throw new PipelineGraphError('the pipeline has no steps: `jobs:` is empty');
    this.pipeline = spec as unknown as PipelineJobSpec;
    for (const [name, step] of Object.entries(spec.jobs)) {
      if (!isMapping(step)) throw new PipelineGraphError(`step \`${name}\` must be a mapping`, name);
      this.jobs[name] = step;
    }
  }

  build(): PipelineGraph {
    const names = Object.keys(this.jobs);
    for (const name of names) {
      const type = this.jobs[name]!.type ?? 'command';
      if (type !== 'command' && type !== 'sweep') throw new PipelineGraphError(`step \`${name}\` is a ${String(type)} step; ${String(type)} steps are not supported yet; command and sweep steps are`, name, { unsupported: true });
      this.bases.set(name, type === 'sweep' ? this.trialDefinition(name, this.jobs[name]!) : this.definition(name, this.jobs[name]!));
    }
    const pipelineOutputs: PipelineGraph['outputs'] = {};
    for (const name of names) this.outputs.set(name, this.outputsOf(name, this.jobs[name]!, this.bases.get(name)!.definition, pipelineOutputs));
    const settings = this.pipeline.settings ?? {};
    const steps = names.map((name): PipelineStepNode => {
      const step = this.jobs[name]!;
      const { definition, component } = this.bases.get(name)!;
      const inputs = this.inputsOf(name);
      const upstream = new Set(Object.values(inputs).flatMap((s) => (s.kind === 'step-output' ? [s.step] : [])));
      const resources = mergeMappings(component.resources, step.resources);
      const distribution = step.distribution ?? component.distribution;
      return {
        name,
        type: step.type === 'sweep' ? 'sweep' : 'command',
        ...(step.type === 'sweep' ? { sweep: sweepSettings(step) } : {}),
        ...(typeof step.display_name === 'string' ? { displayName: step.display_name } : {}),
        definition,
        compute: computeName(step.compute ?? settings.default_compute ?? this.pipeline.compute),
        environmentVariables: { ...asMapping(component.environment_variables), ...asMapping(step.environment_variables) } as PipelineStepNode['environmentVariables'],
        ...(resources ? { resources: resources as PipelineStepNode['resources'] } : {}),
        ...(isMapping(step.limits) ? { limits: step.limits as PipelineStepNode['limits'] } : {}),
        ...(isMapping(distribution) ? { distribution: distribution as unknown as PipelineStepNode['distribution'] } : {}),
        forceRerun: this.flag(step.force_rerun ?? settings.force_rerun, `step \`${name}\` force_rerun`),
        isDeterministic: component.is_deterministic !== false,
        inputs,
        outputs: this.outputs.get(name)!,
        dependsOn: names.filter((n) => upstream.has(n)),
      };
    });
    checkAcyclic(steps);
    return {
      steps,
      inputs: (this.pipeline.inputs ?? {}) as Record<string, JobInput>,
      outputs: pipelineOutputs,
      continueOnStepFailure: this.flag(settings.continue_on_step_failure, 'settings.continue_on_step_failure'),
    };
  }

  private definition(name: string, step: Mapping): StepBase {
    const { specDir } = this.options;
    const component = step.component;
    if (component === undefined || component === null) {
      if (typeof step.command !== 'string' || step.command.trim() === '') throw new PipelineGraphError(`step \`${name}\` has neither a \`component\` nor a \`command\``, name);
      const environment = step.environment ?? this.pipeline.settings?.default_environment;
      const definition: StepDefinition = { source: 'inline-command', command: step.command, ...codeOf(step.code, specDir), ...envOf(environment), dir: specDir, inputs: {}, outputs: {} };
      return { definition, component: step };
    }
    if (isMapping(component)) return this.fromComponent(name, step, component, specDir, 'inline-component');
    if (typeof component !== 'string') throw new PipelineGraphError(`step \`${name}\`: \`component\` must be a reference or a mapping`, name);
    let loaded;
    try {
      loaded = this.options.loadComponent(component, specDir);
    } catch (error) {
      throw new PipelineGraphError(`step \`${name}\`: cannot load component ${component}: ${(error as Error).message}`, name, { cause: error });
    }
    if (!loaded) throw new PipelineGraphError(`step \`${name}\`: component ${component} not found`, name);
    const source = parseReference(component)?.form === 'file' ? 'file' : 'asset';
    return this.fromComponent(name, step, loaded.spec, loaded.dir, source, component);
  }

  /** A sweep step's trial: a command component (a reference or inline), with the step's inputs and outputs. */
  private trialDefinition(name: string, step: Mapping): StepBase {
    if (typeof step.trial !== 'string' && !isMapping(step.trial)) throw new PipelineGraphError(`step \`${name}\` is a sweep step without a \`trial\``, name);
    return this.definition(name, { ...step, component: step.trial });
  }

  private fromComponent(name: string, step: Mapping, spec: unknown, dir: string, source: StepDefinition['source'], reference?: string): StepBase {
    const label = reference ? `component ${reference}` : 'its inline component';
    if (!isMapping(spec)) throw new PipelineGraphError(`step \`${name}\`: ${label} is not a mapping`, name);
    const type = spec.type ?? 'command';
    if (type !== 'command') throw new PipelineGraphError(`step \`${name}\` uses a ${String(type)} component; ${String(type)} components are not supported yet; command components are`, name, { unsupported: true });
    if (typeof spec.command !== 'string' || spec.command.trim() === '') throw new PipelineGraphError(`step \`${name}\`: ${label} has no \`command\``, name);
    // An environment written on the step replaces the component's, and its relative paths are the pipeline's.
    const environment = step.environment !== undefined ? envOf(step.environment) : envOf(spec.environment ?? this.pipeline.settings?.default_environment);
    const definition: StepDefinition = {
      source,
      ...(reference ? { reference } : {}),
      ...(spec.name !== undefined ? { name: String(spec.name) } : {}),
      ...(spec.version !== undefined ? { version: String(spec.version) } : {}),
      command: spec.command,
      ...codeOf(spec.code, dir),
      ...environment,
      dir: step.environment !== undefined ? this.options.specDir : dir,
      inputs: asMapping(spec.inputs) as Record<string, ComponentInput>,
      outputs: asMapping(spec.outputs) as Record<string, ComponentOutput>,
    };
    return { definition, component: spec };
  }

  /** A step's input sources; memoized, since `${{parent.jobs.<s>.inputs.<i>}}` reads another step's. */
  private inputsOf(name: string): Record<string, InputSource> {
    const done = this.inputs.get(name);
    if (done) return done;
    if (this.resolving.has(name)) throw new PipelineGraphError(`the inputs of step \`${name}\` are bound to each other in a loop`, name);
    this.resolving.add(name);
    const { definition } = this.bases.get(name)!;
    const declared = definition.inputs;
    const usesComponent = definition.source !== 'inline-command';
    const sources: Record<string, InputSource> = {};
    const step = this.jobs[name]!;
    // As in Azure ML, a sweep step's trial inputs named in its search space take the sampled values.
    const sampled = step.type === 'sweep' ? Object.fromEntries(Object.keys(asMapping(step.search_space)).filter((p) => p in declared).map((p) => [p, `\${{search_space.${p}}}`])) : {};
    for (const [input, value] of Object.entries({ ...sampled, ...asMapping(step.inputs) })) {
      if (usesComponent && !(input in declared)) throw new PipelineGraphError(`step \`${name}\`: its component declares no input \`${input}\``, name);
      const source = this.inputSource(name, input, value, declared[input]);
      if (source) sources[input] = source;
    }
    for (const [input, declaration] of Object.entries(declared)) {
      if (sources[input]) continue;
      const fallback = isMapping(declaration) ? declaration.default : undefined;
      if (fallback !== undefined && fallback !== null) sources[input] = { kind: 'literal', value: fallback, isDefault: true };
      else if (!isMapping(declaration) || declaration.optional !== true) throw new PipelineGraphError(`step \`${name}\`: the required input \`${input}\` has no value`, name);
    }
    this.resolving.delete(name);
    this.inputs.set(name, sources);
    return sources;
  }

  private inputSource(step: string, input: string, value: unknown, declared: ComponentInput | undefined): InputSource | undefined {
    const where = `step \`${step}\` input \`${input}\``;
    if (value === null || value === undefined) return undefined;
    if (typeof value === 'number' || typeof value === 'boolean') return { kind: 'literal', value };
    // A sweep step's trial reads its sampled parameters; the sweep replaces them in each trial.
    if (typeof value === 'string' && this.jobs[step]!.type === 'sweep' && /^\$\{\{\s*search_space\.[\w-]+\s*\}\}$/.test(value.trim())) return { kind: 'literal', value };
    if (typeof value === 'string') {
      const whole = wholeBinding(value);
      if (whole) return this.boundInput(step, where, whole, declared, {});
      if (hasBinding(value)) return { kind: 'literal', value: this.interpolate(step, where, value) };
      if (declared && DATA_TYPES.has(declared.type)) return { kind: 'data', type: declared.type, path: value, ...inputMode(declared.mode) };
      return { kind: 'literal', value };
    }
    if (!isMapping(value)) throw new PipelineGraphError(`${where} must be a literal, a \${{…}} binding or an input mapping`, step);
    const override = { type: value.type as InputType | undefined, mode: value.mode };
    if (typeof value.path === 'string') {
      const whole = wholeBinding(value.path);
      if (whole) return this.boundInput(step, where, whole, declared, override);
      if (hasBinding(value.path)) throw new PipelineGraphError(`${where}: a path is either one \${{…}} binding or a path, not a mix`, step);
      return { kind: 'data', type: override.type ?? declared?.type ?? 'uri_folder', path: value.path, ...inputMode(override.mode ?? declared?.mode) };
    }
    return isLiteral(value.default) ? { kind: 'literal', value: value.default } : undefined;
  }

  private boundInput(step: string, where: string, whole: { expression: string; binding: ParentBinding | undefined }, declared: ComponentInput | undefined, override: { type?: InputType; mode?: unknown }): InputSource | undefined {
    const b = whole.binding;
    if (!b) throw new PipelineGraphError(`${where}: \${{${whole.expression}}} is not a binding a step can use; expected parent.inputs.<name>, parent.jobs.<step>.outputs.<name> or parent.jobs.<step>.inputs.<name>`, step);
    const mode = inputMode(override.mode ?? declared?.mode);
    switch (b.scope) {
      case 'parent-input': {
        const value = this.pipelineInputValue(where, step, b.name);
        if (value === undefined) return undefined;
        // A bare string given to a data input is its path, as in a command job.
        const type = override.type ?? declared?.type;
        if (typeof value === 'string' && type && DATA_TYPES.has(type)) return { kind: 'pipeline-input', input: b.name, data: { type, path: value }, ...mode };
        return isLiteral(value) ? { kind: 'pipeline-input', input: b.name, value } : { kind: 'pipeline-input', input: b.name, data: value, ...mode };
      }
      case 'step-output': {
        const produced = this.outputType(where, step, b.step, b.name);
        return { kind: 'step-output', step: b.step, output: b.name, type: override.type ?? declared?.type ?? produced, ...mode };
      }
      case 'step-input': {
        if (!this.bases.has(b.step)) throw new PipelineGraphError(`${where}: the pipeline has no step \`${b.step}\``, step);
        return this.inputsOf(b.step)[b.name];
      }
      case 'parent-output':
        throw new PipelineGraphError(`${where}: \${{${whole.expression}}} is a pipeline output; an input reads a pipeline input or a step's output`, step);
    }
  }

  /** The literal or data a pipeline input holds; `undefined` when it declares one without a value. */
  private pipelineInputValue(where: string, step: string, name: string): LiteralValue | DataInput | undefined {
    const declared = this.pipeline.inputs ?? {};
    if (!(name in declared)) throw new PipelineGraphError(`${where}: the pipeline declares no input \`${name}\``, step);
    const value = declared[name];
    if (isLiteral(value)) return value;
    if (!isMapping(value)) return undefined;
    if (typeof value.path === 'string') return { type: (value.type as InputType | undefined) ?? 'uri_folder', path: value.path, ...inputMode(value.mode) };
    return isLiteral(value.default) ? value.default : undefined;
  }

  /** The type of a step's output, for the steps that read it; fails when the step has no such output. */
  private outputType(where: string, reader: string, step: string, output: string): InputType {
    const outputs = this.outputs.get(step);
    if (!outputs) throw new PipelineGraphError(`${where}: the pipeline has no step \`${step}\``, reader);
    const produced = outputs[output];
    if (!produced) throw new PipelineGraphError(`${where}: step \`${step}\` has no output \`${output}\``, reader);
    return produced.type;
  }

  /** A string mixing text and `${{parent.inputs.x}}` of literal pipeline inputs. */
  private interpolate(step: string, where: string, value: string): string {
    let result = '';
    let last = 0;
    for (const found of bindingsIn(value)) {
      const literal = found.binding?.scope === 'parent-input' ? this.pipelineInputValue(where, step, found.binding.name) : undefined;
      if (!isLiteral(literal)) throw new PipelineGraphError(`${where}: \${{${found.expression}}} can stand inside text only when it is a literal pipeline input; bind data and step outputs as the whole value`, step);
      result += value.slice(last, found.start) + String(literal);
      last = found.end;
    }
    return result + value.slice(last);
  }

  private outputsOf(name: string, step: Mapping, definition: StepDefinition, pipelineOutputs: PipelineGraph['outputs']): Record<string, StepOutputSettings> {
    const given = asMapping(step.outputs);
    const usesComponent = definition.source !== 'inline-command';
    const outputs: Record<string, StepOutputSettings> = {};
    for (const output of new Set([...Object.keys(definition.outputs), ...Object.keys(given)])) {
      if (usesComponent && !(output in definition.outputs)) throw new PipelineGraphError(`step \`${name}\`: its component declares no output \`${output}\``, name);
      outputs[output] = this.outputSettings(name, output, given[output], definition.outputs[output], pipelineOutputs);
    }
    return outputs;
  }

  private outputSettings(step: string, output: string, value: unknown, declared: ComponentOutput | undefined, pipelineOutputs: PipelineGraph['outputs']): StepOutputSettings {
    const where = `step \`${step}\` output \`${output}\``;
    const base: StepOutputSettings = { type: (declared?.type ?? 'uri_folder') as DataType, ...(typeof declared?.mode === 'string' ? { mode: declared.mode } : {}) };
    if (value === null || value === undefined) return base;
    let own: Mapping = {};
    let binding: string | undefined;
    if (typeof value === 'string') binding = value;
    else if (isMapping(value)) {
      const { path: given, ...rest } = value;
      if (typeof given === 'string' && hasBinding(given)) [own, binding] = [rest, given];
      else own = value;
    } else throw new PipelineGraphError(`${where} must be empty, \${{parent.outputs.<name>}} or an output mapping`, step);
    let bound: StepOutputSettings | undefined;
    if (binding !== undefined) {
      const parsed = wholeBinding(binding)?.binding;
      if (parsed?.scope !== 'parent-output') throw new PipelineGraphError(`${where}: expected \${{parent.outputs.<name>}}, not ${binding}`, step);
      const declaredOutputs = asMapping(this.pipeline.outputs);
      if (!(parsed.name in declaredOutputs)) throw new PipelineGraphError(`${where}: the pipeline declares no output \`${parsed.name}\``, step);
      const claimed = pipelineOutputs[parsed.name];
      if (claimed) throw new PipelineGraphError(`the pipeline output \`${parsed.name}\` is bound to two step outputs: ${claimed.step}.${claimed.output} and ${step}.${output}`, step);
      pipelineOutputs[parsed.name] = { step, output };
      bound = { ...base, ...outputFields(asMapping(declaredOutputs[parsed.name])), pipelineOutput: parsed.name };
    }
    return { ...(bound ?? base), ...outputFields(own) };
  }

  /** A boolean setting, which a pipeline may bind to one of its literal inputs. */
  private flag(value: unknown, where: string): boolean {
    if (typeof value === 'string' && hasBinding(value)) {
      const bound = wholeBinding(value)?.binding;
      const input = bound?.scope === 'parent-input' ? asMapping(this.pipeline.inputs)[bound.name] : undefined;
      const literal = isMapping(input) ? input.default : input;
      if (!isLiteral(literal)) throw new PipelineGraphError(`${where}: ${value} is not a literal pipeline input`);
      return literal === true || String(literal).toLowerCase() === 'true';
    }
    return value === true || (typeof value === 'string' && value.toLowerCase() === 'true');
  }
}

/** Fails with the steps of a cycle, in the direction data flows (`a → b → a`: b reads a, a reads b). */
function checkAcyclic(steps: PipelineStepNode[]): void {
  const byName = new Map(steps.map((s) => [s.name, s]));
  const state = new Map<string, 'active' | 'done'>();
  const trail: string[] = [];
  const visit = (name: string): void => {
    state.set(name, 'active');
    trail.push(name);
    for (const upstream of byName.get(name)!.dependsOn) {
      const seen = state.get(upstream);
      if (seen === 'active') {
        const cycle = [...trail.slice(trail.indexOf(upstream)), upstream].reverse();
        throw new PipelineGraphError(`pipeline steps form a cycle: ${cycle.join(' → ')}`, cycle[0]);
      }
      if (seen === undefined) visit(upstream);
    }
    trail.pop();
    state.set(name, 'done');
  };
  for (const step of steps) if (!state.has(step.name)) visit(step.name);
}

function sweepSettings(step: Mapping): SweepStepSettings {
  return {
    search_space: step.search_space,
    ...(step.sampling_algorithm !== undefined ? { sampling_algorithm: step.sampling_algorithm } : {}),
    objective: step.objective,
    ...(step.limits !== undefined ? { limits: step.limits } : {}),
    ...(step.early_termination !== undefined ? { early_termination: step.early_termination } : {}),
  };
}

function codeOf(code: unknown, dir: string): { code?: string } {
  if (typeof code !== 'string' || code.trim() === '') return {};
  const reference = parseReference(code);
  return { code: reference?.form === 'file' ? path.resolve(dir, reference.path) : code };
}

function envOf(environment: unknown): { environment?: EnvironmentRef } {
  return typeof environment === 'string' || isMapping(environment) ? { environment: environment as EnvironmentRef } : {};
}

function inputMode(mode: unknown): { mode?: InputMode } {
  return typeof mode === 'string' ? { mode: mode as InputMode } : {};
}

function outputFields(value: Mapping): Partial<StepOutputSettings> {
  return {
    ...(typeof value.type === 'string' ? { type: value.type as DataType } : {}),
    ...(typeof value.mode === 'string' ? { mode: value.mode as StepOutputSettings['mode'] } : {}),
    ...(typeof value.path === 'string' ? { path: value.path } : {}),
    ...(typeof value.name === 'string' ? { name: value.name } : {}),
    ...(value.version !== undefined && value.version !== null ? { version: String(value.version) } : {}),
  };
}

function mergeMappings(base: unknown, over: unknown): Mapping | undefined {
  if (!isMapping(base) && !isMapping(over)) return undefined;
  return { ...asMapping(base), ...asMapping(over) };
}

function isLiteral(value: unknown): value is LiteralValue {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asMapping(value: unknown): Mapping {
  return isMapping(value) ? value : {};
}
