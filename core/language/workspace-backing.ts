/**
 * What mlw does with a workspace spec's backing resources and Azure-only settings: shared by the editor's
 * information diagnostics and `mlw workspace show`. A workspace folder serves on this machine, so each backing part
 * is a local counterpart.
 */

/** The backing parts every workspace has, and what stands for each in a workspace folder. */
export const WORKSPACE_BACKING: Readonly<Record<'storage_account' | 'key_vault' | 'container_registry' | 'application_insights', string>> = {
  storage_account: 'the default datastores, folders under .mlw/datastores/',
  key_vault: 'the secrets store under .mlw/',
  container_registry: "the workspace's own registry (docker-registry, storage under .mlw/registry/, run by mlw serve): images of Swarm computes without `registry:` go through it",
  application_insights: 'the workspace store (.mlw/mlw.db) and the run folders (.mlw/runs/)',
};

/** Why `workspaceartifactstore` is a folder on a workspace whose `workspaceblobstore` is a Blob container. */
export const ARTIFACTS_STAY_LOCAL = 'workspaceartifactstore stays a folder under .mlw/datastores/ (it held MLflow artifacts already), from which the tracking API serves them';

/** Fields mlw accepts but does not act on, with what it does instead (said at the field in the editor). */
export const WORKSPACE_FIELDS_NOT_USED: Readonly<Record<string, string>> = {
  storage_account: `mlw uses this storage account for workspaceblobstore and workspaceartifactstore only when \`mlw workspace create\` gets its key in AZURE_STORAGE_KEY (and MLW_AZURE_BLOB_ENDPOINT for an emulator such as Azurite); otherwise the default datastores are folders under .mlw/datastores/`,
  key_vault: 'mlw does not use this key vault: datastore credentials go to the secrets store under .mlw/',
  container_registry: "mlw cannot reach this Azure registry: images of Swarm computes without `registry:` go through the workspace's own registry instead; name a registry mlw reaches as host:port to use that one",
  application_insights: 'nothing is sent to Application Insights: logs and metrics stay in the workspace store and run folders',
  customer_managed_key: "mlw does not encrypt the workspace store with this key",
  hbi_workspace: 'mlw collects no diagnostic data, whatever this setting',
  public_network_access: 'mlw serve listens on loopback unless started with --host (and then only over TLS)',
  image_build_compute: "images are built by this machine's Docker engine",
  managed_network: 'mlw does not restrict the network of runs by these rules',
  identity: "the workspace gets no Azure identity: mlw reaches datastores with their own credentials",
  primary_user_assigned_identity: "the workspace gets no Azure identity: mlw reaches datastores with their own credentials",
  system_datastores_auth_mode: 'the default datastores are local folders, reached without credentials',
  serverless_compute: 'jobs without a compute run on the built-in `local` compute',
  enable_data_isolation: 'mlw does not isolate data by this setting',
};

/** `container_registry` as a registry mlw reaches itself (`host:port`, `[ipv6]:port`), or undefined for an Azure resource ID. */
export function registryAddress(value: string | undefined): string | undefined {
  const trimmed = value?.trim() ?? '';
  return /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):\d{1,5}$/.test(trimmed) ? trimmed : undefined;
}
