/**
 * Typed shapes of the job kinds mlw validates but does not run yet, mirroring `autoMLJob`, `parallelJob`,
 * `sparkJob`, `importJob`, `parallelComponent` and `sparkComponent.schema.json` and the matching pipeline steps.
 * Types only: no runtime code.
 */
import type { EnvironmentRef } from './environments';
import type {
  BoolOrBinding, ComponentSpecBase, EnvironmentVariables, Identity, IntOrBinding, JobInput, JobOutput, JobResources,
  JobSpecBase, PipelineStepBase, QueueSettings, StepOutput,
} from './jobs';
import type { EarlyTermination, SearchSpaceEntry } from './sweep';

// ---------------------------------------------------------------------------------------------
// AutoML
// ---------------------------------------------------------------------------------------------

export type TabularTask = 'classification' | 'regression' | 'forecasting';
export type ImageTask = 'image_classification' | 'image_classification_multilabel' | 'image_object_detection' | 'image_instance_segmentation';
export type NlpTask = 'text_classification' | 'text_classification_multilabel' | 'text_ner';
export type AutoMLTask = TabularTask | ImageTask | NlpTask;

export interface AutoMLLimits {
  timeout_minutes?: IntOrBinding;
  trial_timeout_minutes?: IntOrBinding;
  max_trials?: IntOrBinding;
  max_concurrent_trials?: IntOrBinding;
  max_cores_per_trial?: IntOrBinding;
  max_nodes?: IntOrBinding;
  enable_early_termination?: BoolOrBinding;
  exit_score?: number | string;
}

export interface TabularTraining {
  allowed_training_algorithms?: string[];
  blocked_training_algorithms?: string[];
  enable_model_explainability?: BoolOrBinding;
  enable_stack_ensemble?: BoolOrBinding;
  enable_vote_ensemble?: BoolOrBinding;
  enable_onnx_compatible_models?: BoolOrBinding;
  enable_dnn_training?: BoolOrBinding;
  ensemble_model_download_timeout?: number | string;
  stack_ensemble_settings?: { stack_meta_learner_type?: string; stack_meta_learner_train_percentage?: number | string; stack_meta_learner_k_wargs?: Record<string, unknown> };
  training_mode?: 'auto' | 'distributed' | 'non_distributed';
}

export interface TabularFeaturization {
  mode?: 'auto' | 'off' | 'custom';
  blocked_transformers?: string[];
  column_name_and_types?: Record<string, string>;
  dataset_language?: string;
  transformer_params?: Record<string, Array<{ fields?: string[]; parameters?: Record<string, unknown> }>>;
  enable_dnn_featurization?: BoolOrBinding;
}

export interface ForecastingSettings {
  time_column_name?: string;
  forecast_horizon?: number | string;
  time_series_id_column_names?: string | string[];
  frequency?: string;
  feature_lags?: string;
  country_or_region_for_holidays?: string;
  cv_step_size?: number | string;
  target_lags?: number | number[] | string;
  target_rolling_window_size?: number | string;
  use_stl?: 'season' | 'season_trend';
  seasonality?: number | string;
  short_series_handling_config?: 'auto' | 'pad' | 'drop' | 'none';
  target_aggregate_function?: 'sum' | 'max' | 'min' | 'mean';
  features_unknown_at_forecast_time?: string | string[];
}

export type TrainingParameters = Record<string, string | number | boolean>;

export interface AutoMLFields {
  type: 'automl';
  task: AutoMLTask;
  log_verbosity?: string;
  primary_metric?: string;
  training_data?: JobInput;
  validation_data?: JobInput;
  test_data?: JobInput;
  target_column_name?: string;
  validation_data_size?: number | string;
  test_data_size?: number | string;
  n_cross_validations?: number | string;
  cv_split_column_names?: string[];
  weight_column_name?: string;
  positive_label?: string | number | boolean;
  limits?: AutoMLLimits;
  /** Tabular tasks. */
  training?: TabularTraining;
  featurization?: TabularFeaturization;
  /** `task: forecasting` only. */
  forecasting?: ForecastingSettings;
  /** Image and NLP tasks. */
  training_parameters?: TrainingParameters;
  search_space?: Array<Record<string, string | number | boolean | SearchSpaceEntry>>;
  sweep?: { sampling_algorithm?: 'random' | 'grid' | 'bayesian'; early_termination?: EarlyTermination };
  resources?: JobResources;
  queue_settings?: QueueSettings;
  identity?: Identity;
}

export interface AutoMLJobSpec extends JobSpecBase, AutoMLFields {
  training_data: JobInput;
  outputs?: Record<string, JobOutput>;
}

export interface AutoMLStep extends PipelineStepBase, AutoMLFields {}

// ---------------------------------------------------------------------------------------------
// Parallel
// ---------------------------------------------------------------------------------------------

export interface ParallelTask {
  type?: 'run_function';
  code?: string;
  entry_script: string;
  program_arguments?: string;
  append_row_to?: string;
  environment?: EnvironmentRef;
  environment_variables?: EnvironmentVariables;
}

export interface ParallelFields {
  /** Files (`10`) or bytes (`10kb`, `100mb`). */
  mini_batch_size?: number | string;
  partition_keys?: string[];
  input_data?: string;
  resources?: JobResources;
  retry_settings?: { max_retries?: IntOrBinding; timeout?: IntOrBinding };
  logging_level?: 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL';
  max_concurrency_per_instance?: IntOrBinding;
  error_threshold?: IntOrBinding;
  mini_batch_error_threshold?: IntOrBinding;
  environment_variables?: EnvironmentVariables;
}

export interface ParallelJobSpec extends JobSpecBase, ParallelFields {
  type: 'parallel';
  task: ParallelTask;
  inputs?: Record<string, JobInput>;
  outputs?: Record<string, JobOutput>;
  identity?: Identity;
  queue_settings?: QueueSettings;
}

export interface ParallelComponentSpec extends ComponentSpecBase, ParallelFields {
  type: 'parallel';
  task: ParallelTask;
}

export interface ParallelStep extends PipelineStepBase, ParallelFields {
  type: 'parallel';
  component?: string | ParallelComponentSpec;
  task?: ParallelTask;
  identity?: Identity;
}

// ---------------------------------------------------------------------------------------------
// Spark
// ---------------------------------------------------------------------------------------------

export interface SparkFields {
  code?: string;
  /** A Python `file` or a JVM `class_name`. */
  entry?: { file?: string; class_name?: string };
  py_files?: string[];
  jars?: string[];
  files?: string[];
  archives?: string[];
  conf?: Record<string, string | number | boolean>;
  args?: string;
  environment?: EnvironmentRef;
}

export interface SparkResources {
  instance_type?: string;
  runtime_version?: string | number;
}

export interface SparkJobSpec extends JobSpecBase, SparkFields {
  type: 'spark';
  entry: { file?: string; class_name?: string };
  resources?: SparkResources;
  inputs?: Record<string, JobInput>;
  outputs?: Record<string, JobOutput>;
  identity?: Identity;
}

export interface SparkComponentSpec extends ComponentSpecBase, SparkFields {
  type: 'spark';
  entry: { file?: string; class_name?: string };
}

export interface SparkStep extends PipelineStepBase, SparkFields {
  type: 'spark';
  component?: string | SparkComponentSpec;
  resources?: SparkResources;
  identity?: Identity;
}

// ---------------------------------------------------------------------------------------------
// Data import
// ---------------------------------------------------------------------------------------------

export interface ImportSource {
  type: string;
  connection: string;
  query?: string;
  path?: string;
}

export interface ImportOutput {
  type: 'mltable' | 'uri_folder';
  path?: string;
  name?: string;
  version?: string | number;
}

export interface ImportJobSpec extends JobSpecBase {
  type: 'import';
  source: ImportSource;
  output: ImportOutput;
  identity?: Identity;
}

export interface ImportStep extends Omit<ImportJobSpec, '$schema' | 'output'> {
  output?: ImportOutput;
  outputs?: Record<string, StepOutput>;
}

// ---------------------------------------------------------------------------------------------
// Control flow
// ---------------------------------------------------------------------------------------------

export interface DoWhileStep {
  type: 'do_while';
  /** `${{parent.jobs.<step>}}`. */
  body: string;
  /** Name of a boolean (`is_control`) output of the body. */
  condition?: string;
  /** Body output → body input binding(s) of the next iteration. */
  mapping?: Record<string, string | string[]>;
  limits: { max_iteration_count: IntOrBinding };
}

export interface IfElseStep {
  type: 'if_else';
  condition: boolean | string;
  true_block?: string | string[];
  false_block?: string | string[];
}

export interface ParallelForStep {
  type: 'parallel_for';
  body: string;
  items: string | Array<Record<string, unknown>> | Record<string, unknown>;
  max_concurrency?: IntOrBinding;
  outputs?: Record<string, StepOutput>;
}
