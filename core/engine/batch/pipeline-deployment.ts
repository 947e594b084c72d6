import path from 'node:path';
import { BadRequest, SpecRejected } from '../../errors';
import type { KindId } from '../../language';
import type { ComponentLoader } from '../kinds/pipeline';
import type { LoadedSpec } from '../spec-loader';
import { DATA_TYPES, literalKind, literalOf, type BoundInput, type Invocation } from './invocation-io';

/** A pipeline component batch deployment's spec, as the validator accepted it. */
export interface PipelineDeploymentSpec {
  name: string;
  type: 'pipeline';
  component: string;
  settings?: { default_compute?: string; default_datastore?: string; continue_on_step_failure?: boolean; force_rerun?: boolean };
}

interface PipelineComponent {
  type?: string;
  name?: string;
  inputs?: Record<string, { type?: string; default?: unknown; optional?: boolean }>;
  outputs?: Record<string, { type?: string } | null>;
  jobs?: Record<string, unknown>;
}

/** The pipeline component a deployment runs, loaded and checked: refused at create rather than on invoke. */
export function loadPipelineComponent(spec: PipelineDeploymentSpec, specDir: string, load: ComponentLoader): { component: PipelineComponent; dir: string } {
  const loaded = load(spec.component, specDir);
  if (!loaded) throw new SpecRejected(`component: no pipeline component ${spec.component}; register it with \`mlw component create -f <file>\` or give its file`);
  const component = loaded.spec as PipelineComponent;
  if (component.type !== 'pipeline' || !component.jobs) throw new SpecRejected(`component: ${spec.component} is a ${component.type ?? 'command'} component; a pipeline deployment runs a pipeline component`);
  return { component, dir: loaded.dir };
}

/**
 * The pipeline job an invocation runs: the component's steps, its inputs (`--input` bound to its one data input, or
 * each by name; the others at their defaults), its outputs (placed where the invocation says) and the deployment's
 * settings. Its folder is the component's, so the steps' relative paths resolve as they do for the component.
 */
export function pipelineInvocation(spec: PipelineDeploymentSpec, loaded: { component: PipelineComponent; dir: string }, job: { experiment: string; displayName: string }, invocation: Invocation): LoadedSpec {
  const { component, dir } = loaded;
  const declaredInputs = component.inputs ?? {};
  const given = invocation.input ? { [dataInput(component, spec.component)]: invocation.input } : invocation.inputs;
  for (const name of Object.keys(given)) {
    if (!(name in declaredInputs)) throw new BadRequest(`inputs.${name}: pipeline component ${spec.component} has no input ${name} (its inputs: ${Object.keys(declaredInputs).join(', ') || 'none'})`);
  }
  const inputs: Record<string, unknown> = {};
  for (const [name, declared] of Object.entries(declaredInputs)) {
    const bound = given[name];
    if (bound) inputs[name] = boundInput(name, declared, bound, spec.component);
    else if (declared.default !== undefined) inputs[name] = DATA_TYPES.has(declared.type ?? '') ? { type: declared.type, path: declared.default } : declared.default;
    else if (!declared.optional) throw new BadRequest(`inputs.${name}: pipeline component ${spec.component} needs input ${name}, which has no default; give it by name (--file or --inputs)`);
  }
  const declaredOutputs = component.outputs ?? {};
  for (const [name, output] of Object.entries(invocation.outputs)) {
    const declared = declaredOutputs[name] ?? {};
    if (!(name in declaredOutputs)) throw new BadRequest(`outputs.${name}: pipeline component ${spec.component} has no output ${name} (its outputs: ${Object.keys(declaredOutputs).join(', ') || 'none'})`);
    if (output.type && declared.type && output.type !== declared.type) throw new BadRequest(`outputs.${name}.type ${output.type}: the component's output ${name} is ${declared.type}`);
  }
  const value = {
    type: 'pipeline',
    experiment_name: job.experiment,
    display_name: job.displayName,
    inputs,
    outputs: Object.fromEntries(Object.entries(declaredOutputs).map(([name, declared]) => [name, { ...(declared ?? {}), ...(invocation.outputs[name] ? { path: invocation.outputs[name].path } : {}) }])),
    ...(spec.settings ? { settings: spec.settings } : {}),
    jobs: component.jobs,
  };
  const kind: KindId = 'job/pipeline';
  return { path: path.join(dir, `${spec.name}.invocation.yml`), kind, value, text: JSON.stringify(value), warnings: [] };
}

/** A given input as the pipeline job takes it, once it fits what the component declares. */
function boundInput(name: string, declared: { type?: string }, bound: BoundInput, reference: string): unknown {
  const at = `inputs.${name}`;
  const declaredData = DATA_TYPES.has(declared.type ?? '');
  if (bound.kind === 'literal') {
    if (declaredData) throw new BadRequest(`${at}: a literal given for data input ${name} (${declared.type}) of ${reference}; give type and path`);
    if (bound.type && declared.type && literalKind(bound.type) !== literalKind(declared.type)) throw new BadRequest(`${at}.type ${bound.type}: the component's input ${name} is ${declared.type}`);
    return literalOf(at, bound.value, declared.type);
  }
  if (!declaredData) throw new BadRequest(`${at}: data (a path) given for ${declared.type ?? 'literal'} input ${name} of ${reference}; give its value as default: <value>`);
  if (bound.type && bound.type !== declared.type) throw new BadRequest(`${at}.type ${bound.type}: the component's input ${name} is ${declared.type}`);
  return { type: declared.type, path: bound.path };
}

/** The component's one data input, which `--input` binds to. */
function dataInput(component: PipelineComponent, reference: string): string {
  const names = Object.entries(component.inputs ?? {}).filter(([, declared]) => DATA_TYPES.has(declared.type ?? '')).map(([name]) => name);
  if (names.length !== 1) {
    throw new BadRequest(`--input: pipeline component ${reference} has ${names.length ? `${names.length} data inputs (${names.join(', ')})` : 'no data input'}; give its inputs by name (--file or --inputs)`);
  }
  return names[0]!;
}
