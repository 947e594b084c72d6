import type {
  CommandJobLimits,
  ComponentInput,
  ComponentOutput,
  DataType,
  Distribution,
  EnvironmentVariables,
  InputMode,
  InputType,
  JobInput,
  JobResources,
  LiteralValue,
  OutputMode,
} from '../../../language/types/jobs';
import type { EnvironmentRef } from '../../../language/types/environments';

/** A pipeline spec that cannot run as written; `step` names the step at fault when there is one. */
export class PipelineGraphError extends Error {
  constructor(message: string, readonly step?: string, options?: ErrorOptions & { unsupported?: boolean }) {
    super(message, options);
    this.name = 'PipelineGraphError';
    this.unsupported = options?.unsupported === true;
  }

  /** The step is of a type mlw does not run yet (the spec itself is valid). */
  readonly unsupported: boolean;
}

/** A component as the loader found it: its spec value and the folder its relative paths resolve against. */
export interface LoadedComponent {
  spec: unknown;
  dir: string;
}

/**
 * Reads the component a step names: `./x.yml`, `file:./x.yml`, `azureml:<name>:<version>`, `azureml:<name>@latest`
 * or `azureml:<name>`, exactly as written, with the pipeline spec's folder. `undefined` when there is no such component.
 */
export type ComponentLoader = (reference: string, specDir: string) => LoadedComponent | undefined;

/** What a step runs: its component (from a file, the workspace or inline), or the command written on the step itself. */
export interface StepDefinition {
  source: 'file' | 'asset' | 'inline-component' | 'inline-command';
  /** The `component:` reference as written (file and asset sources). */
  reference?: string;
  /** The component's `name` and `version`, when it has them. */
  name?: string;
  version?: string;
  command: string;
  /** Absolute path of the code folder. */
  code?: string;
  /** As written in the component (or on the step); relative paths inside resolve against `dir`. */
  environment?: EnvironmentRef;
  /** Folder of the file the definition was written in. */
  dir: string;
  /** Declared inputs and outputs; empty for inline command steps, which declare none. */
  inputs: Record<string, ComponentInput>;
  outputs: Record<string, ComponentOutput>;
}

/** A data input: a path or URI with its type and mode. Relative local paths are relative to the pipeline spec. */
export interface DataInput {
  type: InputType;
  path: string;
  mode?: InputMode;
}

/** Where a step input's value comes from. */
export type InputSource =
  | { kind: 'literal'; value: LiteralValue; /** The component's default: the step did not set it. */ isDefault?: boolean }
  | ({ kind: 'data' } & DataInput)
  /** `${{parent.inputs.<input>}}`: the pipeline input's literal `value` or its `data`. */
  | { kind: 'pipeline-input'; input: string; value?: LiteralValue; data?: DataInput; mode?: InputMode }
  /** `${{parent.jobs.<step>.outputs.<output>}}`; `type` is what the consuming step reads it as. */
  | { kind: 'step-output'; step: string; output: string; type: InputType; mode?: InputMode };

/** A step output: its own settings, or those of the pipeline output it is bound to. */
export interface StepOutputSettings {
  type: DataType;
  mode?: OutputMode;
  path?: string;
  /** Register the output as an asset with this name (and version). */
  name?: string;
  version?: string;
  /** The pipeline output (`${{parent.outputs.<name>}}`) this output is bound to. */
  pipelineOutput?: string;
}

export interface PipelineStepNode {
  /** The step's key in `jobs:`. */
  name: string;
  /** A sweep step runs its definition as the trial of a sweep job. */
  type: 'command' | 'sweep';
  /** A sweep step's settings, as written on the step. */
  sweep?: SweepStepSettings;
  displayName?: string;
  definition: StepDefinition;
  /** Compute name without `azureml:`; `local` when neither the step nor the pipeline names one. */
  compute: string;
  environmentVariables: EnvironmentVariables;
  resources?: JobResources;
  limits?: CommandJobLimits;
  distribution?: Distribution;
  forceRerun: boolean;
  isDeterministic: boolean;
  inputs: Record<string, InputSource>;
  outputs: Record<string, StepOutputSettings>;
  /** Steps whose outputs this step reads, in `jobs:` order. */
  dependsOn: string[];
}

/** What a sweep step adds to its trial: Azure ML's sweep-job keys, validated when the step starts. */
export interface SweepStepSettings {
  search_space: unknown;
  sampling_algorithm?: unknown;
  objective: unknown;
  limits?: unknown;
  early_termination?: unknown;
}

export interface PipelineGraph {
  /** In `jobs:` order. */
  steps: PipelineStepNode[];
  /** The pipeline's own inputs, as written. */
  inputs: Record<string, JobInput>;
  /** For each pipeline output, the step output bound to it. */
  outputs: Record<string, { step: string; output: string }>;
  continueOnStepFailure: boolean;
}
