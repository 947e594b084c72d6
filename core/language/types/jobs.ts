/**
 * Typed shapes of the job and component specs, mirroring `schemas/common.schema.json`,
 * `commandJob`, `sweepJob`, `pipelineJob`, `commandComponent` and `pipelineComponent.schema.json`.
 * Types only: no runtime code. Reference strings (`azureml:…`, `${{…}}`, paths) are plain `string`.
 */
import type { EnvironmentRef } from './environments';
import type { EarlyTermination, Objective, SamplingAlgorithm, SearchSpace } from './sweep';
import type { AutoMLStep, DoWhileStep, IfElseStep, ImportStep, ParallelForStep, ParallelStep, SparkStep } from './other-jobs';

/** A `${{…}}` data-binding expression, e.g. `${{parent.inputs.node_count}}`. */
export type Binding = string;
/** An integer that a pipeline may bind to a `${{…}}` expression. */
export type IntOrBinding = number | Binding;
/** A boolean that a pipeline may bind to a `${{…}}` expression. */
export type BoolOrBinding = boolean | Binding;

export type Tags = Record<string, string | number | boolean>;
export type Properties = Record<string, string | number | boolean>;
export type EnvironmentVariables = Record<string, string | number | boolean>;

// ---------------------------------------------------------------------------------------------
// Inputs and outputs
// ---------------------------------------------------------------------------------------------

export type DataType = 'uri_file' | 'uri_folder' | 'mltable' | 'mlflow_model' | 'custom_model' | 'triton_model';
export type LiteralType = 'integer' | 'number' | 'string' | 'boolean';
export type InputType = DataType | LiteralType;
export type InputMode = 'ro_mount' | 'download' | 'direct' | 'eval_mount' | 'eval_download' | 'rw_mount';
export type OutputMode = 'rw_mount' | 'upload' | 'mount' | 'direct';
export type LiteralValue = string | number | boolean;

/** A job input given as an object (data to stage, or a typed literal). */
export interface JobInputObject {
  /** Default `uri_folder` when `path` is given. */
  type?: InputType;
  /** Local path, `azureml:<data>:<v>`, `azureml://datastores/…`, URL, or a `${{…}}` binding. */
  path?: string;
  /** Default `ro_mount`. */
  mode?: InputMode;
  datastore?: string;
  default?: LiteralValue;
  optional?: boolean;
  description?: string;
  min?: number | string;
  max?: number | string;
  enum?: LiteralValue[];
}

/** A job input: a literal, a binding (string) or an input object. */
export type JobInput = LiteralValue | JobInputObject;

/** A job output given as an object. */
export interface JobOutputObject {
  /** Default `uri_folder`. */
  type?: DataType;
  path?: string;
  /** Default `rw_mount`. */
  mode?: OutputMode;
  /** Register the output as an asset with this name. */
  name?: string;
  version?: string | number;
  description?: string;
}

/** A job output; `null` (empty) means a `uri_folder` at the default location. */
export type JobOutput = JobOutputObject | null;

/** A pipeline step output: empty, a binding such as `${{parent.outputs.model}}`, or an output object. */
export type StepOutput = JobOutputObject | Binding | null;

/** Declaration of a component input. */
export interface ComponentInput {
  type: InputType;
  description?: string;
  /** Default `false`. */
  optional?: boolean;
  default?: LiteralValue;
  min?: number | string;
  max?: number | string;
  enum?: LiteralValue[];
  mode?: InputMode;
}

/** Declaration of a component output. */
export interface ComponentOutput {
  type: InputType;
  description?: string;
  mode?: OutputMode;
  is_control?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Resources, distribution, limits
// ---------------------------------------------------------------------------------------------

export interface JobResources {
  /** Default `1`. */
  instance_count?: IntOrBinding;
  instance_type?: string;
  /** e.g. `2g`. */
  shm_size?: string;
  docker_args?: string;
  max_instance_count?: number;
  locations?: string[];
  properties?: Record<string, unknown>;
}

export interface MpiDistribution {
  type: 'mpi';
  process_count_per_instance?: IntOrBinding;
}
export interface PyTorchDistribution {
  type: 'pytorch';
  /** Default `1`. */
  process_count_per_instance?: IntOrBinding;
}
export interface TensorFlowDistribution {
  type: 'tensorflow';
  worker_count?: IntOrBinding;
  /** Default `0`. */
  parameter_server_count?: IntOrBinding;
}
export interface RayDistribution {
  type: 'ray';
  /** Default `6379`. */
  port?: number;
  address?: string;
  include_dashboard?: boolean;
  /** Default `8265`. */
  dashboard_port?: number;
  head_node_additional_args?: string;
  worker_node_additional_args?: string;
}
export type Distribution = MpiDistribution | PyTorchDistribution | TensorFlowDistribution | RayDistribution;

export interface CommandJobLimits {
  /** Seconds. */
  timeout?: IntOrBinding;
}

export interface SweepJobLimits {
  /** Default `1000`. */
  max_total_trials?: IntOrBinding;
  /** Default: `max_total_trials`. */
  max_concurrent_trials?: IntOrBinding;
  /** Seconds; default `5184000`. */
  timeout?: IntOrBinding;
  /** Seconds. */
  trial_timeout?: IntOrBinding;
}

// ---------------------------------------------------------------------------------------------
// Identity, queue settings, services
// ---------------------------------------------------------------------------------------------

export interface UserIdentity {
  type: 'user_identity';
}
export interface ManagedIdentity {
  type: 'managed' | 'managed_identity';
  client_id?: string;
  object_id?: string;
  msi_resource_id?: string;
}
export interface AmlTokenIdentity {
  type: 'aml_token';
}
export type Identity = UserIdentity | ManagedIdentity | AmlTokenIdentity;

export interface QueueSettings {
  job_tier?: 'null' | 'spot' | 'basic' | 'standard' | 'premium';
  priority?: 'low' | 'medium' | 'high';
}

interface ServiceBase {
  port?: number;
  nodes?: string;
  properties?: Record<string, string | number | boolean>;
}
export interface InteractiveService extends ServiceBase {
  type: 'jupyter_lab' | 'vs_code';
}
export interface SshService extends ServiceBase {
  type: 'ssh';
  ssh_public_keys?: string;
}
export interface TensorBoardService extends ServiceBase {
  type: 'tensor_board';
  log_dir?: string;
}
export type JobService = InteractiveService | SshService | TensorBoardService;

// ---------------------------------------------------------------------------------------------
// Jobs
// ---------------------------------------------------------------------------------------------

/** Fields every job and pipeline step shares. */
export interface JobMetadata {
  name?: string;
  display_name?: string;
  description?: string;
  tags?: Tags;
  properties?: Properties;
  experiment_name?: string;
  /** `azureml:<compute>` or `local`. */
  compute?: string;
}

export interface JobSpecBase extends JobMetadata {
  $schema?: string;
}

/** What runs a command: a command job, and each trial of a sweep. */
export interface CommandRun {
  command: string;
  code?: string;
  environment: EnvironmentRef;
  environment_variables?: EnvironmentVariables;
  distribution?: Distribution;
  resources?: JobResources;
  queue_settings?: QueueSettings;
}

export interface CommandJobSpec extends JobSpecBase, CommandRun {
  type?: 'command';
  limits?: CommandJobLimits;
  inputs?: Record<string, JobInput>;
  outputs?: Record<string, JobOutput>;
  identity?: Identity;
  services?: Record<string, JobService>;
}

/** The command each sweep trial runs. */
export type SweepTrial = CommandRun;

export interface SweepJobSpec extends JobSpecBase {
  type: 'sweep';
  trial: SweepTrial;
  search_space: SearchSpace;
  sampling_algorithm: SamplingAlgorithm;
  objective: Objective;
  limits?: SweepJobLimits;
  early_termination?: EarlyTermination;
  inputs?: Record<string, JobInput>;
  outputs?: Record<string, JobOutput>;
  identity?: Identity;
  queue_settings?: QueueSettings;
}

export interface PipelineSettings {
  default_compute?: string;
  default_datastore?: string;
  default_environment?: string;
  /** Default `false`. */
  continue_on_step_failure?: BoolOrBinding;
  /** Default `false`. */
  force_rerun?: BoolOrBinding;
  on_init?: string;
  on_finalize?: string;
}

/** Fields every pipeline step shares. */
export interface PipelineStepBase extends JobMetadata {
  /** Literals, `${{parent.…}}` bindings or input objects. */
  inputs?: Record<string, JobInput>;
  outputs?: Record<string, StepOutput>;
}

/** A command step: inline `command`, or a `component`. `type` defaults to `command`. */
export interface CommandStep extends PipelineStepBase {
  type?: 'command';
  /** `./x.yml`, `file:./x.yml`, `azureml:<name>:<version>`, registry URI, or inline. */
  component?: string | CommandComponentSpec;
  /** Required unless `component` is set. */
  command?: string;
  code?: string;
  environment?: EnvironmentRef;
  environment_variables?: EnvironmentVariables;
  distribution?: Distribution;
  resources?: JobResources;
  limits?: CommandJobLimits;
  identity?: Identity;
  services?: Record<string, JobService>;
  queue_settings?: QueueSettings;
}

export interface SweepStep extends PipelineStepBase {
  type: 'sweep';
  /** A command component reference (`./train.yml`, `azureml:train:1`) or an inline trial. */
  trial: string | SweepTrial;
  search_space: SearchSpace;
  sampling_algorithm: SamplingAlgorithm;
  objective: Objective;
  limits?: SweepJobLimits;
  early_termination?: EarlyTermination;
  identity?: Identity;
  queue_settings?: QueueSettings;
}

export interface PipelineComponentStep extends PipelineStepBase {
  type: 'pipeline';
  component: string | PipelineComponentSpec;
  settings?: PipelineSettings;
}

export type PipelineStep =
  | CommandStep | SweepStep | PipelineComponentStep | ParallelStep | SparkStep | AutoMLStep | ImportStep | DoWhileStep | IfElseStep | ParallelForStep;

export interface PipelineJobSpec extends JobSpecBase {
  type: 'pipeline';
  settings?: PipelineSettings;
  inputs?: Record<string, JobInput>;
  outputs?: Record<string, JobOutput>;
  /** Required unless `component` is set. */
  jobs?: Record<string, PipelineStep>;
  component?: string | PipelineComponentSpec;
  identity?: Identity;
}

export type JobSpec = CommandJobSpec | SweepJobSpec | PipelineJobSpec;

// ---------------------------------------------------------------------------------------------
// Components
// ---------------------------------------------------------------------------------------------

export interface ComponentSpecBase {
  $schema?: string;
  name?: string;
  version?: string | number;
  display_name?: string;
  description?: string;
  tags?: Tags;
  /** Default `true`. */
  is_deterministic?: boolean;
  inputs?: Record<string, ComponentInput>;
  outputs?: Record<string, ComponentOutput>;
  properties?: Properties;
}

/**
 * A command component. A component file requires `command` and `environment`; an inline component
 * in a pipeline step requires only `command`.
 */
export interface CommandComponentSpec extends ComponentSpecBase {
  type?: 'command';
  command: string;
  code?: string;
  environment?: EnvironmentRef;
  environment_variables?: EnvironmentVariables;
  distribution?: Distribution;
  resources?: JobResources;
  additional_includes?: string[];
}

export interface PipelineComponentSpec extends ComponentSpecBase {
  type?: 'pipeline';
  jobs: Record<string, PipelineStep>;
}

export type ComponentSpec = CommandComponentSpec | PipelineComponentSpec;
