import path from 'node:path';
import { BadRequest, SpecRejected } from '../../errors';
import type { KindId } from '../../language';
import type { ComponentLoader } from '../kinds/pipeline';
import type { LoadedSpec } from '../spec-loader';

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
  outputs?: Record<string, unknown>;
  jobs?: Record<string, unknown>;
}

const DATA_TYPES = new Set(['uri_folder', 'uri_file', 'mltable', 'custom_model', 'mlflow_model', 'triton_model']);

/** The pipeline component a deployment runs, loaded and checked: refused at create rather than on invoke. */
export function loadPipelineComponent(spec: PipelineDeploymentSpec, specDir: string, load: ComponentLoader): { component: PipelineComponent; dir: string } {
  const loaded = load(spec.component, specDir);
  if (!loaded) throw new SpecRejected(`component: no pipeline component ${spec.component}; register it with \`mlw component create -f <file>\` or give its file`);
  const component = loaded.spec as PipelineComponent;
  if (component.type !== 'pipeline' || !component.jobs) throw new SpecRejected(`component: ${spec.component} is a ${component.type ?? 'command'} component; a pipeline deployment runs a pipeline component`);
  dataInput(component, spec.component);
  return { component, dir: loaded.dir };
}

/**
 * The pipeline job an invocation runs: the component's steps, its inputs (`--input` bound to its one data input,
 * the others at their defaults) and outputs, and the deployment's settings. Its folder is the component's, so the
 * steps' relative paths resolve as they do for the component.
 */
export function pipelineInvocation(spec: PipelineDeploymentSpec, loaded: { component: PipelineComponent; dir: string }, endpoint: string, input: { path: string; type?: string }): LoadedSpec {
  const { component, dir } = loaded;
  const dataName = dataInput(component, spec.component);
  const inputs: Record<string, unknown> = {};
  for (const [name, declared] of Object.entries(component.inputs ?? {})) {
    if (name === dataName) inputs[name] = { type: input.type ?? declared.type, path: input.path };
    else if (declared.default !== undefined) inputs[name] = DATA_TYPES.has(declared.type ?? '') ? { type: declared.type, path: declared.default } : declared.default;
    else if (!declared.optional) throw new BadRequest(`pipeline component ${spec.component} needs input ${name}, which has no default; mlw binds --input to ${dataName} only`);
  }
  const value = {
    type: 'pipeline',
    experiment_name: endpoint,
    display_name: `${endpoint}/${spec.name}`,
    inputs,
    outputs: Object.fromEntries(Object.entries(component.outputs ?? {}).map(([name, declared]) => [name, declared ?? {}])),
    ...(spec.settings ? { settings: spec.settings } : {}),
    jobs: component.jobs,
  };
  const kind: KindId = 'job/pipeline';
  return { path: path.join(dir, `${spec.name}.invocation.yml`), kind, value, text: JSON.stringify(value), warnings: [] };
}

/** The component's one data input, which `--input` binds to. */
function dataInput(component: PipelineComponent, reference: string): string {
  const names = Object.entries(component.inputs ?? {}).filter(([, declared]) => DATA_TYPES.has(declared.type ?? '')).map(([name]) => name);
  if (names.length !== 1) {
    throw new SpecRejected(`component: pipeline component ${reference} has ${names.length ? `${names.length} data inputs (${names.join(', ')})` : 'no data input'}; mlw binds \`--input\` to a component with exactly one`);
  }
  return names[0]!;
}
