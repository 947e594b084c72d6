/**
 * Typed shapes of the asset, compute, datastore, workspace and endpoint specs, mirroring
 * `schemas/assets.common.schema.json` and the per-kind schemas (`workspace`, `amlCompute`, `computeInstance`,
 * `kubernetesCompute`, `vmCompute`, `localCompute`, `azureBlob`, `azureFile`, `azureDataLakeGen2`,
 * `localDatastore`, `data`, `environment`, `model`, `managedOnlineEndpoint`, `managedOnlineDeployment`,
 * `batchEndpoint`, `batchDeployment`).
 * Types only: no runtime code. Reference strings (`azureml:…`, ARM IDs, paths) are plain `string`.
 */

import type { BuildContext, CondaSpec, EnvironmentVariables, InferenceConfig, Properties, Tags } from './jobs';

/** `version:` of an asset: `1`, `"2024.05.1"`. */
export type AssetVersion = string | number;

/** Every top-level spec may carry a `$schema` URL. */
interface SpecBase {
  $schema?: string;
}

// ---------------------------------------------------------------------------------------------
// Identities, networking, credentials, SSH
// ---------------------------------------------------------------------------------------------

export type ResourceIdentityType = 'system_assigned' | 'user_assigned' | 'system_assigned,user_assigned' | 'none';

export interface UserAssignedIdentity {
  resource_id?: string;
  client_id?: string;
  principal_id?: string;
  object_id?: string;
}

/** Managed identity of a compute or endpoint (`user_assigned_identities` is a list). */
export interface ResourceIdentity {
  type?: ResourceIdentityType;
  user_assigned_identities?: UserAssignedIdentity[];
  principal_id?: string;
  tenant_id?: string;
}

/** Managed identity of a workspace (`user_assigned_identities` is a map keyed by ARM resource ID). */
export interface WorkspaceIdentity {
  /** Default `system_assigned`. */
  type?: ResourceIdentityType;
  user_assigned_identities?: Record<string, { client_id?: string; principal_id?: string } | null>;
  principal_id?: string;
  tenant_id?: string;
}

export interface NetworkSettings {
  vnet_name?: string;
  subnet?: string;
}

export interface AccountKeyCredentials {
  account_key: string;
}
export interface SasTokenCredentials {
  sas_token: string;
}
interface TenantCredentialsBase {
  tenant_id: string;
  client_id: string;
  /** Default `https://login.microsoftonline.com`. */
  authority_url?: string;
  /** SDK spelling of `authority_url`. */
  authority_uri?: string;
  resource_url?: string;
}
export interface ServicePrincipalCredentials extends TenantCredentialsBase {
  client_secret: string;
}
export interface CertificateCredentials extends TenantCredentialsBase {
  certificate?: string;
  thumbprint: string;
}
/** Blob container / file share credentials; `{}` means identity-based access. */
export type StorageCredentials = AccountKeyCredentials | SasTokenCredentials | Record<string, never>;
/** Data Lake Gen2 credentials; `{}` means identity-based access. */
export type DataLakeGen2Credentials = ServicePrincipalCredentials | CertificateCredentials | Record<string, never>;

export interface AmlComputeSshSettings {
  /** Default `azureuser`. */
  admin_username?: string;
  admin_password?: string;
  ssh_key_value?: string;
}
export interface ComputeInstanceSshSettings {
  ssh_key_value?: string;
  admin_username?: string;
  ssh_port?: number | string;
}
export interface VmSshSettings {
  admin_username?: string;
  admin_password?: string;
  ssh_private_key_file?: string;
  /** Default `22`. */
  port?: number;
  /** SDK spelling of `port`. */
  ssh_port?: number;
}

// ---------------------------------------------------------------------------------------------
// Workspace
// ---------------------------------------------------------------------------------------------

export type OutboundRuleCategory = 'required' | 'recommended' | 'user_defined';
interface OutboundRuleBase {
  name: string;
  category?: OutboundRuleCategory;
}
export interface FqdnOutboundRule extends OutboundRuleBase {
  type: 'fqdn';
  destination: string;
}
export interface PrivateEndpointOutboundRule extends OutboundRuleBase {
  type: 'private_endpoint';
  destination: { service_resource_id: string; subresource_target: string; spark_enabled?: boolean };
}
export interface ServiceTagOutboundRule extends OutboundRuleBase {
  type: 'service_tag';
  destination: {
    service_tag: string;
    protocol?: 'TCP' | 'UDP' | 'ICMP' | '*';
    port_ranges?: string;
    /** Default `allow`. */
    action?: 'allow' | 'deny';
    address_prefixes?: string[];
  };
}
export type OutboundRule = FqdnOutboundRule | PrivateEndpointOutboundRule | ServiceTagOutboundRule;

export interface ManagedNetwork {
  /** Default `disabled`. */
  isolation_mode?: 'disabled' | 'allow_internet_outbound' | 'allow_only_approved_outbound';
  outbound_rules?: OutboundRule[];
  /** Default `standard`. */
  firewall_sku?: 'standard' | 'basic';
}

export interface WorkspaceSpec extends SpecBase {
  name: string;
  display_name?: string;
  /** Older name of `display_name`. */
  friendly_name?: string;
  description?: string;
  location?: string;
  resource_group?: string;
  tags?: Tags;
  /** Default `false`. */
  hbi_workspace?: boolean;
  /** Locally: the local datastore root. */
  storage_account?: string;
  /** Locally: the editor's SecretStorage. */
  key_vault?: string;
  /** Locally: the tracking store. */
  application_insights?: string;
  /** Locally: the local image cache. */
  container_registry?: string;
  customer_managed_key?: { key_vault?: string; key_uri?: string };
  image_build_compute?: string;
  /** Default `Enabled`. */
  public_network_access?: 'Enabled' | 'Disabled' | 'enabled' | 'disabled';
  identity?: WorkspaceIdentity;
  primary_user_assigned_identity?: string;
  managed_network?: ManagedNetwork;
  /** Default `false`. */
  enable_data_isolation?: boolean;
  /** Default `accesskey`. */
  system_datastores_auth_mode?: 'accesskey' | 'identity';
  serverless_compute?: { custom_subnet?: string; no_public_ip?: boolean };
}

// ---------------------------------------------------------------------------------------------
// Computes
// ---------------------------------------------------------------------------------------------

interface ComputeSpecBase extends SpecBase {
  name: string;
  description?: string;
  tags?: Tags;
}

export interface AmlComputeSpec extends ComputeSpecBase {
  type: 'amlcompute';
  location?: string;
  /** Default `Standard_DS3_v2`. */
  size?: string;
  /** Default `dedicated`; `lowpriority` is an older spelling of `low_priority`. */
  tier?: 'dedicated' | 'low_priority' | 'lowpriority';
  /** Default `0` (scale to zero). */
  min_instances?: number;
  /** Default `1`; bounds concurrent runs. */
  max_instances?: number;
  /** Seconds; default `120`. */
  idle_time_before_scale_down?: number;
  /** Default `false`. */
  ssh_public_access_enabled?: boolean;
  ssh_settings?: AmlComputeSshSettings;
  network_settings?: NetworkSettings;
  identity?: ResourceIdentity;
  /** Default `true`. */
  enable_node_public_ip?: boolean;
}

export type WeekDay =
  | 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday' | 'sunday'
  | 'Monday' | 'Tuesday' | 'Wednesday' | 'Thursday' | 'Friday' | 'Saturday' | 'Sunday';

export interface CronTrigger {
  type: 'cron';
  expression: string;
  start_time?: string;
  /** Default `UTC`. */
  time_zone?: string;
}
export interface RecurrenceTrigger {
  type: 'recurrence';
  frequency: 'minute' | 'hour' | 'day' | 'week' | 'month';
  interval: number;
  schedule?: { hours?: number[]; minutes?: number[]; week_days?: WeekDay[]; month_days?: number[] };
  start_time?: string;
  /** Default `UTC`. */
  time_zone?: string;
}
export type ComputeScheduleTrigger = CronTrigger | RecurrenceTrigger;

export interface ComputeStartStopSchedule {
  action: 'start' | 'stop';
  /** Default `enabled`. */
  state?: 'enabled' | 'disabled';
  trigger: ComputeScheduleTrigger;
}

export interface SetupScriptReference {
  path?: string;
  command?: string;
  /** Default `15`. */
  timeout_minutes?: number;
}

export interface CustomApplication {
  name: string;
  /** Default `docker`. */
  type?: 'docker';
  image: { type?: 'docker'; reference: string };
  endpoints?: { name?: string; target: number; published: number; protocol?: 'http' }[];
  environment_variables?: EnvironmentVariables;
  bind_mounts?: { source: string; target: string; read_only?: boolean }[];
}

export interface ComputeInstanceSpec extends ComputeSpecBase {
  type: 'computeinstance';
  location?: string;
  /** Default `Standard_DS3_v2`. */
  size?: string;
  create_on_behalf_of?: { user_tenant_id: string; user_object_id: string };
  network_settings?: NetworkSettings;
  /** Default `false`. */
  ssh_public_access_enabled?: boolean;
  ssh_settings?: ComputeInstanceSshSettings;
  identity?: ResourceIdentity;
  /** ISO 8601 duration, e.g. `PT30M`. */
  idle_time_before_shutdown?: string;
  idle_time_before_shutdown_minutes?: number;
  schedules?: { compute_start_stop?: ComputeStartStopSchedule[] };
  setup_scripts?: { creation_script?: SetupScriptReference; startup_script?: SetupScriptReference };
  custom_applications?: CustomApplication[];
  enable_node_public_ip?: boolean;
  enable_sso?: boolean;
  enable_root_access?: boolean;
  release_quota_on_stop?: boolean;
  enable_os_patching?: boolean;
}

export interface KubernetesComputeSpec extends ComputeSpecBase {
  type: 'kubernetes';
  resource_id: string;
  /** Default `default`. */
  namespace?: string;
  identity?: ResourceIdentity;
}

export interface VmComputeSpec extends ComputeSpecBase {
  type: 'virtualmachine';
  resource_id: string;
  ssh_settings?: VmSshSettings;
}

/** Limits of each run container of a `docker` or `swarm` compute. */
export interface ContainerResources {
  cpus?: number;
  /** `512m`, `4g`, or bytes. */
  memory?: string | number;
  shm_size?: string;
  /** A count, `all`, or device IDs such as `"0,1"`. */
  gpus?: string | number;
}

interface LocalComputeBase extends ComputeSpecBase {
  /** Concurrent runs; default `1`. */
  max_instances?: number;
  /** Warm instances; default `0`. */
  min_instances?: number;
}
interface ContainerComputeFields {
  default_image?: string;
  resources?: ContainerResources;
  network?: string;
  docker_host?: string;
}
/** `type: local`: jobs run as host processes. */
export interface HostComputeSpec extends LocalComputeBase {
  type: 'local';
}
/** `type: docker`: jobs run in containers on the local Docker daemon. */
export interface DockerComputeSpec extends LocalComputeBase, ContainerComputeFields {
  type: 'docker';
}
/** `type: swarm`: jobs run as one-shot Docker Swarm services. */
export interface SwarmComputeSpec extends LocalComputeBase, ContainerComputeFields {
  type: 'swarm';
  placement?: { constraints?: string[]; preferences?: string[]; max_replicas_per_node?: number };
  labels?: Record<string, string>;
  /** The registry run images go through, as the nodes pull from it (`10.0.0.1:5000`). */
  registry?: string;
  /** The same registry as this host's Docker engine pushes to it (`127.0.0.1:5000`); default `registry`. */
  registry_push?: string;
  /** This host's address as the nodes reach it; default: the host's address on the nodes' network. */
  host_address?: string;
}
/** `type: remote`: jobs run in containers on a remote Docker engine, over mutual TLS (`tcp://`) or SSH (`ssh://`). */
export interface RemoteComputeSpec extends LocalComputeBase {
  type: 'remote';
  endpoint: string;
  default_image?: string;
  resources?: ContainerResources;
  /** Each a file path or `secret:computes/<name>/<field>`, never the credential itself. */
  tls?: { ca: string; cert: string; key: string };
  ssh?: { private_key: string; host_key_fingerprint: string };
  /** An address of this machine the engine's containers reach the tracking API at. */
  tracking_address?: string;
}
/** mlw's own computes (`schemas/localCompute.schema.json`). */
export type LocalComputeSpec = HostComputeSpec | DockerComputeSpec | SwarmComputeSpec | RemoteComputeSpec;

export type ComputeSpec = AmlComputeSpec | ComputeInstanceSpec | KubernetesComputeSpec | VmComputeSpec | LocalComputeSpec;

// ---------------------------------------------------------------------------------------------
// Datastores
// ---------------------------------------------------------------------------------------------

interface AzureStorageDatastoreBase extends SpecBase {
  name: string;
  description?: string;
  tags?: Tags;
  account_name: string;
  /** Default `core.windows.net`. */
  endpoint?: string;
}
export interface AzureBlobDatastoreSpec extends AzureStorageDatastoreBase {
  type: 'azure_blob';
  container_name: string;
  /** Default `https`. */
  protocol?: 'https' | 'wasbs';
  credentials?: StorageCredentials;
}
export interface AzureFileDatastoreSpec extends AzureStorageDatastoreBase {
  type: 'azure_file';
  file_share_name: string;
  /** Default `https`. */
  protocol?: 'https';
  credentials?: StorageCredentials;
}
export interface AzureDataLakeGen2DatastoreSpec extends AzureStorageDatastoreBase {
  type: 'azure_data_lake_gen2';
  filesystem: string;
  /** Default `https`. */
  protocol?: 'https' | 'abfss';
  credentials?: DataLakeGen2Credentials;
}
/** mlw's local-folder datastore (`schemas/localDatastore.schema.json`). */
export interface LocalDatastoreSpec extends SpecBase {
  name: string;
  type: 'local';
  description?: string;
  /** Folder, relative to the spec file or absolute. */
  path: string;
  tags?: Tags;
}
export type DatastoreSpec = AzureBlobDatastoreSpec | AzureFileDatastoreSpec | AzureDataLakeGen2DatastoreSpec | LocalDatastoreSpec;

// ---------------------------------------------------------------------------------------------
// Data, environment, model
// ---------------------------------------------------------------------------------------------

export type DataAssetType = 'uri_file' | 'uri_folder' | 'mltable';

export interface DataSpec extends SpecBase {
  name: string;
  version?: AssetVersion;
  description?: string;
  /** Default `uri_folder`. */
  type?: DataAssetType;
  path: string;
  datastore?: string;
  tags?: Tags;
  properties?: Properties;
}

export type OsType = 'linux' | 'windows' | 'Linux' | 'Windows';

export interface EnvironmentSpec extends SpecBase {
  name: string;
  version?: AssetVersion;
  description?: string;
  image?: string;
  /** Path of a conda YAML file (relative to the spec), or its content inline. */
  conda_file?: string | CondaSpec;
  build?: BuildContext;
  /** Default `linux`. */
  os_type?: OsType;
  inference_config?: InferenceConfig;
  datastore?: string;
  tags?: Tags;
}

/** An environment defined inline in a deployment (anonymous; `name` is optional). */
export type InlineEnvironmentSpec = Omit<EnvironmentSpec, '$schema' | 'name'> & { name?: string };
/** `azureml:<name>:<version>`, `azureml:<name>@latest`, a registry URI, or an inline environment. */
export type EnvironmentReference = string | InlineEnvironmentSpec;

export type ModelType = 'custom_model' | 'mlflow_model' | 'triton_model';

export interface ModelSpec extends SpecBase {
  name: string;
  version?: AssetVersion;
  /** Default `custom_model`. */
  type?: ModelType;
  path: string;
  description?: string;
  tags?: Tags;
  properties?: Properties;
  stage?: string;
  /** Lineage: the job that produced the model. */
  job_name?: string;
  flavors?: Record<string, Record<string, string>>;
  datastore?: string;
}

/** A model defined inline in a deployment (anonymous). */
export type InlineModelSpec = Pick<ModelSpec, 'version' | 'type' | 'path' | 'description' | 'tags' | 'properties'> & { name?: string };
/** `azureml:<name>:<version>`, `azureml:<name>@latest`, a registry URI, or an inline model. */
export type ModelReference = string | InlineModelSpec;

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

/** Any spec described by this file's schemas. */
export type AssetKindSpec =
  | WorkspaceSpec
  | ComputeSpec
  | DatastoreSpec
  | DataSpec
  | EnvironmentSpec
  | ModelSpec
  | OnlineEndpointSpec
  | OnlineDeploymentSpec
  | BatchEndpointSpec
  | BatchDeploymentSpec;
