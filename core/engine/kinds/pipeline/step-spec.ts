import path from 'node:path';
import { parseReference } from '../../../language/refs';
import type { EnvironmentRef } from '../../../language/types/environments';
import type { CommandJobLimits, DataType, Distribution, EnvironmentVariables, InputMode, InputType, JobInput, JobResources, LiteralValue, OutputMode } from '../../../language/types/jobs';
import type { InputSource, PipelineStepNode } from './types';

export interface StepDataInput {
  type: InputType;
  path: string;
  mode?: InputMode;
}

export interface StepJobOutput {
  type: DataType;
  mode?: OutputMode;
  path?: string;
  name?: string;
  version?: string;
}

/**
 * A step as a command job, in the form of Azure ML's command-job YAML. `${{inputs.*}}` and `${{outputs.*}}` stay in
 * `command` for the runner. `code` and the files of an inline environment are absolute; relative local data paths
 * in `inputs` are relative to the pipeline spec's folder.
 */
export interface StepJobSpec {
  type: 'command';
  display_name?: string;
  command: string;
  code?: string;
  environment?: EnvironmentRef;
  /** `azureml:<compute>`, or `local`. */
  compute: string;
  inputs?: Record<string, LiteralValue | StepDataInput>;
  outputs?: Record<string, StepJobOutput>;
  environment_variables?: EnvironmentVariables;
  distribution?: Distribution;
  resources?: JobResources;
  limits?: CommandJobLimits;
}

export interface StepJobSpecOptions {
  /**
   * The pipeline job's inputs as it runs (data references may be resolved by the caller); a step bound to
   * `${{parent.inputs.x}}` reads `x` here first, then the value the pipeline spec held.
   */
  pipelineInputs?: Record<string, JobInput>;
  /** Where an upstream step's output is, for the steps that read it: normally `jobOutputUri(<its child job>, output)`. */
  stepOutputUri: (step: string, output: string) => string;
}

/** `azureml://jobs/<job>/outputs/<output>`: a job's output, as the runner's datastore resolver reads it. */
export function jobOutputUri(job: string, output: string): string {
  return `azureml://jobs/${job}/outputs/${output}`;
}

export function stepJobSpec(step: PipelineStepNode, options: StepJobSpecOptions): StepJobSpec {
  const { definition } = step;
  const inputs = Object.fromEntries(Object.entries(step.inputs).flatMap(([name, source]) => {
    const value = inputValue(source, options);
    return value === undefined ? [] : [[name, value]];
  }));
  const outputs = Object.fromEntries(Object.entries(step.outputs).map(([name, o]): [string, StepJobOutput] => [name, {
    type: o.type,
    ...(o.mode !== undefined ? { mode: o.mode } : {}),
    ...(o.path !== undefined ? { path: o.path } : {}),
    ...(o.name !== undefined ? { name: o.name } : {}),
    ...(o.version !== undefined ? { version: o.version } : {}),
  }]));
  return {
    type: 'command',
    ...(step.displayName !== undefined ? { display_name: step.displayName } : {}),
    command: definition.command,
    ...(definition.code !== undefined ? { code: definition.code } : {}),
    ...(definition.environment !== undefined ? { environment: withAbsolutePaths(definition.environment, definition.dir) } : {}),
    compute: step.compute === 'local' ? 'local' : `azureml:${step.compute}`,
    ...(Object.keys(inputs).length ? { inputs } : {}),
    ...(Object.keys(outputs).length ? { outputs } : {}),
    ...(Object.keys(step.environmentVariables).length ? { environment_variables: step.environmentVariables } : {}),
    ...(step.distribution ? { distribution: step.distribution } : {}),
    ...(step.resources ? { resources: step.resources } : {}),
    ...(step.limits ? { limits: step.limits } : {}),
  };
}

function inputValue(source: InputSource, options: StepJobSpecOptions): LiteralValue | StepDataInput | undefined {
  switch (source.kind) {
    case 'literal':
      return source.value;
    case 'data':
      return dataInput(source.type, source.path, source.mode);
    case 'step-output':
      return dataInput(source.type, options.stepOutputUri(source.step, source.output), source.mode);
    case 'pipeline-input': {
      const given = options.pipelineInputs && Object.hasOwn(options.pipelineInputs, source.input) ? options.pipelineInputs[source.input] : undefined;
      const data = source.data;
      if (typeof given === 'object' && given !== null && typeof given.path === 'string') {
        return dataInput(given.type ?? data?.type ?? 'uri_folder', given.path, source.mode ?? given.mode ?? data?.mode);
      }
      const literal = typeof given === 'object' && given !== null ? given.default : given;
      if (literal !== undefined) return data && typeof literal === 'string' ? dataInput(data.type, literal, source.mode ?? data.mode) : literal;
      if (data) return dataInput(data.type, data.path, source.mode ?? data.mode);
      return source.value;
    }
  }
}

function dataInput(type: InputType, uri: string, mode: InputMode | undefined): StepDataInput {
  return { type, path: uri, ...(mode !== undefined ? { mode } : {}) };
}

/** An inline environment's `conda_file` and `build.path`, made absolute so the spec runs from any folder. */
function withAbsolutePaths(environment: EnvironmentRef, dir: string): EnvironmentRef {
  if (typeof environment === 'string') return environment;
  const local = (value: string) => {
    const reference = parseReference(value);
    return reference?.form === 'file' ? path.resolve(dir, reference.path) : value;
  };
  return {
    ...environment,
    ...(typeof environment.conda_file === 'string' ? { conda_file: local(environment.conda_file) } : {}),
    ...(environment.build && typeof environment.build.path === 'string' ? { build: { ...environment.build, path: local(environment.build.path) } } : {}),
  };
}
