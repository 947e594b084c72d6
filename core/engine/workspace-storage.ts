import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { BLOB_ENDPOINT_ENV, blobError, blobServiceUrl, containerClient, type BlobDatastore } from '../data/blob';
import { ARTIFACT_DATASTORE, DEFAULT_DATASTORE } from '../data/datastores';
import type { specTypes } from '../language';
import { WorkspaceLayout } from './layout';

/** The account key of a workspace's `storage_account`, as `az storage` reads it. */
export const STORAGE_KEY_ENV = 'AZURE_STORAGE_KEY';

/** A default datastore on the workspace's storage account: the datastore and the spec it is registered with. */
export interface StorageDatastore {
  datastore: BlobDatastore;
  specText: string;
}

/**
 * What the workspace's storage account becomes: `workspaceblobstore` and `workspaceartifactstore` as Blob datastores,
 * or why they stay folders.
 */
export type WorkspaceStorage = ({ kind: 'blob'; artifactstore: StorageDatastore } & StorageDatastore) | { kind: 'local'; reason: string };

/** The container Azure ML keeps a workspace's MLflow artifacts in (`workspaceartifactstore`) on its storage account. */
export const ARTIFACT_CONTAINER = 'azureml';

/** The account name of `storage_account`: an ARM id (`…/storageAccounts/<name>`) or the name itself. */
export function storageAccountName(storageAccount: string): string | undefined {
  const name = storageAccount.trim().replace(/\/+$/, '').split('/').pop() ?? '';
  return /^[a-z0-9]{3,24}$/.test(name) ? name : undefined;
}

/**
 * The Blob container `workspaceblobstore` uses, named as Azure ML names it (`azureml-blobstore-<workspace id>`), the
 * id derived from the workspace's name so that `workspace create` run again finds the same container.
 */
export function blobstoreContainer(workspaceName: string): string {
  const hex = createHash('sha256').update(`mlw-workspace\0${workspaceName}`).digest('hex');
  return `azureml-blobstore-${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Decides where `workspaceblobstore` and `workspaceartifactstore` live. With a `storage_account` and its key in
 * `AZURE_STORAGE_KEY`, they are Blob containers on that account (reached through `MLW_AZURE_BLOB_ENDPOINT` when set, as
 * every Blob datastore is); without them they stay folders under `.mlw/datastores/`. Nothing is contacted here (see
 * `reachStorage`).
 */
export function workspaceStorage(spec: specTypes.WorkspaceSpec, env: NodeJS.ProcessEnv = process.env): WorkspaceStorage {
  if (!spec.storage_account) return { kind: 'local', reason: 'no storage_account is given' };
  const account = storageAccountName(spec.storage_account);
  if (!account) return { kind: 'local', reason: `"${spec.storage_account}" does not end in a storage account name (3 to 24 lowercase letters and digits)` };
  const key = env[STORAGE_KEY_ENV]?.trim();
  if (!key) return { kind: 'local', reason: `${STORAGE_KEY_ENV} is not set, so mlw cannot reach storage account ${account}` };
  const endpoint = endpointField(account, env);
  const onAccount = (name: string, container: string, purpose: string): StorageDatastore => ({
    datastore: { name, account_name: account, container_name: container, ...(endpoint ? { endpoint } : {}), credentials: { account_key: key } },
    specText: [
      '$schema: https://azuremlschemas.azureedge.net/latest/azureBlob.schema.json',
      `name: ${name}`,
      'type: azure_blob',
      `description: "${purpose} (storage account ${account} of workspace ${spec.name})"`,
      `account_name: ${account}`,
      `container_name: ${container}`,
      ...(endpoint ? [`endpoint: ${JSON.stringify(endpoint)}`] : []),
      'credentials:',
      `  account_key: ${JSON.stringify(key)}`,
      '',
    ].join('\n'),
  });
  return {
    kind: 'blob',
    ...onAccount(DEFAULT_DATASTORE, blobstoreContainer(spec.name), 'default datastore: uploaded data and models, job outputs'),
    artifactstore: onAccount(ARTIFACT_DATASTORE, ARTIFACT_CONTAINER, 'MLflow artifacts and logged models'),
  };
}

/**
 * The datastore's `endpoint` that reaches the account where `MLW_AZURE_BLOB_ENDPOINT` sends it, so the datastore
 * works for a daemon started without that variable too; none when the variable is unset or no `endpoint` says it.
 */
function endpointField(account: string, env: NodeJS.ProcessEnv): string | undefined {
  const override = env[BLOB_ENDPOINT_ENV]?.trim();
  if (!override) return undefined;
  const endpoint = override.replace(/^\w+:\/\//, '').replace(/\/+$/, '');
  return blobServiceUrl({ account_name: account, endpoint }, {}) === blobServiceUrl({ account_name: account }, env) ? endpoint : undefined;
}

/** Creates the container when missing: proves the account answers to the key before the workspace relies on it. */
export async function reachStorage(datastore: BlobDatastore): Promise<void> {
  try {
    await containerClient(datastore).createIfNotExists();
  } catch (error) {
    throw blobError({ datastore, path: '' }, error, 'creating the container');
  }
}

/** Files already in a default datastore's local folder, which a switch to Blob storage would hide from their assets. */
export function localDatastoreHoldsData(root: string, name: string = DEFAULT_DATASTORE): boolean {
  const folder = path.join(new WorkspaceLayout(root).mlwDir, 'datastores', name);
  try {
    return fs.readdirSync(folder).length > 0;
  } catch {
    return false;
  }
}
