/**
 * Typed shapes of the asset, datastore and workspace specs (computes in `computes.ts`, endpoints and deployments in
 * `endpoints.ts`), mirroring
 * `schemas/assets.common.schema.json` and the per-kind schemas (`workspace`, `amlCompute`, `computeInstance`,
 * `kubernetesCompute`, `vmCompute`, `localCompute`, `azureBlob`, `azureFile`, `azureDataLakeGen2`,
 * `localDatastore`, `data`, `environment`, `model`, `managedOnlineEndpoint`, `managedOnlineDeployment`,
 * `batchEndpoint`, `batchDeployment`).
 * Types only: no runtime code. Reference strings (`azureml:…`, ARM IDs, paths) are plain `string`.
 */

import type { ComputeSpec } from './computes';
import type { BatchDeploymentSpec, BatchEndpointSpec, OnlineDeploymentSpec, OnlineEndpointSpec } from './endpoints';
import type { BuildContext, CondaSpec, InferenceConfig } from './environments';
import type { Properties, Tags } from './jobs';

/** `version:` of an asset: `1`, `"2024.05.1"`. */
export type AssetVersion = string | number;

/** Every top-level spec may carry a `$schema` URL. */
export interface SpecBase {
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
