/** Typed shapes of the endpoint and deployment specs (online and batch). Types only. */

import type { AssetVersion, EnvironmentReference, ModelReference, ResourceIdentity, SpecBase } from './assets';
import type { EnvironmentVariables, Properties, Tags } from './jobs';

// ---------------------------------------------------------------------------------------------
// Endpoints and deployments
// ---------------------------------------------------------------------------------------------

export interface CodeConfiguration {
  code: string;
  scoring_script: string;
}

export interface RequestSettings {
  /** Default `5000`. */
  request_timeout_ms?: number;
  /** Default `1`. */
  max_concurrent_requests_per_instance?: number;
  /** Deprecated; default `500`. */
  max_queue_wait_ms?: number;
}

/** Liveness defaults: 10/10/2/1/30; readiness defaults: 10/10/2/1/3. */
export interface ProbeSettings {
  initial_delay?: number;
  period?: number;
  timeout?: number;
  success_threshold?: number;
  failure_threshold?: number;
}

export interface DefaultScaleSettings {
  type: 'default';
}
export interface TargetUtilizationScaleSettings {
  type: 'target_utilization';
  min_instances?: number;
  max_instances?: number;
  polling_interval?: number;
  target_utilization_percentage?: number;
}
export type ScaleSettings = DefaultScaleSettings | TargetUtilizationScaleSettings;

export type NetworkAccess = 'enabled' | 'disabled' | 'Enabled' | 'Disabled';

interface EndpointSpecBase extends SpecBase {
  name: string;
  description?: string;
  tags?: Tags;
  properties?: Properties;
}

export interface OnlineEndpointSpec extends EndpointSpecBase {
  /** Default `key`. */
  auth_mode?: 'key' | 'aml_token' | 'aad_token';
  identity?: ResourceIdentity;
  /** Default `enabled`. */
  public_network_access?: NetworkAccess;
  /** Percent of traffic per deployment name. */
  traffic?: Record<string, number>;
  mirror_traffic?: Record<string, number>;
  /** Kubernetes online endpoints only: the attached Kubernetes compute. */
  compute?: string;
}

export interface DataCollection {
  enabled?: boolean | 'true' | 'false' | 'True' | 'False';
  data?: { name?: string; path?: string; version?: AssetVersion };
  client_id?: string;
}
export interface DataCollector {
  collections?: Record<string, DataCollection>;
  /** Default `hour`. */
  rolling_rate?: 'minute' | 'hour' | 'day';
  /** Default `1`. */
  sampling_rate?: number;
  request_logging?: { capture_headers?: string[] };
}

interface OnlineDeploymentBase extends SpecBase {
  name: string;
  /** Omitted when given on the command line (`--endpoint-name`). */
  endpoint_name?: string;
  description?: string;
  tags?: Tags;
  properties?: Properties;
  model?: ModelReference;
  model_mount_path?: string;
  code_configuration?: CodeConfiguration;
  environment?: EnvironmentReference;
  environment_variables?: EnvironmentVariables;
  /** Default `1`. */
  instance_count?: number;
  /** Default `false`. */
  app_insights_enabled?: boolean;
  scale_settings?: ScaleSettings;
  request_settings?: RequestSettings;
  liveness_probe?: ProbeSettings;
  readiness_probe?: ProbeSettings;
  data_collector?: DataCollector;
}
export interface ManagedOnlineDeploymentSpec extends OnlineDeploymentBase {
  /** Default `managed`. */
  type?: 'managed';
  instance_type: string;
  /** Default `enabled`. */
  egress_public_network_access?: NetworkAccess;
}
export interface KubernetesResourceSettings {
  cpu?: string;
  memory?: string;
  'nvidia.com/gpu'?: string;
  gpu?: string;
}
export interface KubernetesOnlineDeploymentSpec extends OnlineDeploymentBase {
  type: 'kubernetes';
  /** Default `defaultinstancetype`. */
  instance_type?: string;
  resources?: { requests?: KubernetesResourceSettings; limits?: KubernetesResourceSettings };
}
/** `schemas/managedOnlineDeployment.schema.json`: managed by default, Kubernetes with `type: kubernetes`. */
export type OnlineDeploymentSpec = ManagedOnlineDeploymentSpec | KubernetesOnlineDeploymentSpec;

export interface BatchEndpointSpec extends EndpointSpecBase {
  /** Default (and only value) `aad_token`. */
  auth_mode?: 'aad_token';
  defaults?: { deployment_name?: string };
}

export interface BatchRetrySettings {
  /** Default `3`. */
  max_retries?: number;
  /** Seconds; default `30`. */
  timeout?: number;
}
/** Scoring settings of a model batch deployment (under `settings:`, or at the top level in the legacy form). */
export interface BatchScoringSettings {
  /** Default `1`. */
  max_concurrency_per_instance?: number;
  /** Default `10`. */
  mini_batch_size?: number;
  /** Default `append_row`. */
  output_action?: 'append_row' | 'summary_only';
  /** Default `predictions.csv`. */
  output_file_name?: string;
  retry_settings?: BatchRetrySettings;
  /** Default `info`. */
  logging_level?: 'debug' | 'info' | 'warning';
  /** Default `-1` (ignore all failures). */
  error_threshold?: number;
}
export interface ModelBatchSettings extends BatchScoringSettings {
  instance_count?: number;
  environment_variables?: EnvironmentVariables;
}

interface BatchDeploymentBase extends SpecBase {
  name: string;
  /** Omitted when given on the command line (`--endpoint-name`). */
  endpoint_name?: string;
  description?: string;
  tags?: Tags;
  properties?: Properties;
}
export interface ModelBatchDeploymentSpec extends BatchDeploymentBase, BatchScoringSettings {
  /** Default `model`. */
  type?: 'model';
  model?: ModelReference;
  code_configuration?: CodeConfiguration;
  environment?: EnvironmentReference;
  environment_variables?: EnvironmentVariables;
  /** e.g. `azureml:batch-cluster`. */
  compute: string;
  resources?: { instance_count?: number; instance_type?: string };
  settings?: ModelBatchSettings;
}
export interface PipelineBatchDeploymentSpec extends BatchDeploymentBase {
  type: 'pipeline';
  /** Path of a pipeline component YAML, or `azureml:<name>:<version>` / `azureml:<name>@latest`. */
  component: string;
  settings?: {
    default_compute?: string;
    default_datastore?: string;
    continue_on_step_failure?: boolean;
    force_rerun?: boolean;
  };
}
/** `schemas/batchDeployment.schema.json`: a model deployment by default, a pipeline one with `type: pipeline`. */
export type BatchDeploymentSpec = ModelBatchDeploymentSpec | PipelineBatchDeploymentSpec;
