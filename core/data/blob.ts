import {
  AnonymousCredential,
  BlobSASPermissions,
  BlobServiceClient,
  ContainerSASPermissions,
  type ContainerClient,
  generateBlobSASQueryParameters,
  RestError,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import type { DatastoreRecord } from './datastores';
import { DataError } from './errors';

/** A Blob container as a datastore: Azure ML's `account_name`, `container_name`, `endpoint`, `protocol`, credentials. */
export interface BlobDatastore {
  name: string;
  account_name: string;
  container_name: string;
  endpoint?: string;
  protocol?: string;
  credentials?: DatastoreRecord['credentials'];
}

/** A path in a Blob datastore: `path` is the blob name or prefix inside the container, without a leading `/`. */
export interface BlobLocation {
  datastore: BlobDatastore;
  path: string;
}

/**
 * Overrides every Blob account's service URL: `<value>/<account>` (path style, as Azurite and the storage emulator
 * serve accounts), e.g. `http://127.0.0.1:10000`. Lets a spec written for Azure run unchanged against Azurite.
 */
export const BLOB_ENDPOINT_ENV = 'MLW_AZURE_BLOB_ENDPOINT';
/** How long the SAS a `direct` input's URL carries stays valid. */
export const DIRECT_SAS_MINUTES = 60;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Whether a registered datastore is a Blob container mlw can reach. */
export function asBlobDatastore(record: DatastoreRecord): BlobDatastore | undefined {
  if (record.type !== 'azure_blob' || !record.account_name || !record.container_name) return undefined;
  return {
    name: record.name,
    account_name: record.account_name,
    container_name: record.container_name,
    ...(record.endpoint ? { endpoint: record.endpoint } : {}),
    ...(record.protocol ? { protocol: record.protocol } : {}),
    ...(record.credentials ? { credentials: record.credentials } : {}),
  };
}

/**
 * The account's Blob service URL. `endpoint` is Azure ML's suffix (`core.windows.net`); an endpoint with a port on
 * a loopback host (`127.0.0.1:10000`, Azurite) is reached path style over http, any other with a port over https.
 */
export function blobServiceUrl(store: Pick<BlobDatastore, 'account_name' | 'endpoint'>, env: NodeJS.ProcessEnv = process.env): string {
  const override = env[BLOB_ENDPOINT_ENV]?.trim();
  if (override) return `${override.replace(/\/+$/, '')}/${store.account_name}`;
  const endpoint = (store.endpoint ?? 'core.windows.net').replace(/^\w+:\/\//, '').replace(/\/+$/, '');
  if (/:\d+$/.test(endpoint)) {
    const host = endpoint.replace(/:\d+$/, '');
    return `${LOOPBACK_HOSTS.has(host) ? 'http' : 'https'}://${endpoint}/${store.account_name}`;
  }
  return `https://${store.account_name}.blob.${endpoint}`;
}

/** A masked credential (`***`) is what the store shows until the secrets store fills in the value. */
function present(value: string | undefined): string | undefined {
  return value && !/^\*+$/.test(value) ? value : undefined;
}

export function containerClient(store: BlobDatastore): ContainerClient {
  const url = blobServiceUrl(store);
  const key = present(store.credentials?.account_key);
  const sas = present(store.credentials?.sas_token)?.replace(/^\?/, '');
  if (!key && !sas && present(store.credentials?.client_secret)) {
    throw new DataError(`datastore "${store.name}": service principal credentials are not supported yet; use an account key, a SAS token or anonymous access`);
  }
  const service = key
    ? new BlobServiceClient(url, new StorageSharedKeyCredential(store.account_name, key))
    : new BlobServiceClient(sas ? `${url}?${sas}` : url, new AnonymousCredential());
  return service.getContainerClient(store.container_name);
}

/** The URL of a blob or prefix as the run receives it for `direct`: with a read/list SAS when mlw holds the key. */
export function directUrl(location: BlobLocation, now = new Date()): string {
  const store = location.datastore;
  const url = locationUrl(location);
  const key = present(store.credentials?.account_key);
  const sas = present(store.credentials?.sas_token)?.replace(/^\?/, '');
  if (key) return `${url}?${keySas(store, key, { permissions: ContainerSASPermissions.parse('rl') }, DIRECT_SAS_MINUTES, now)}`;
  return sas ? `${url}?${sas}` : url;
}

/** The blob's (or prefix's) URL, without credentials. */
function locationUrl(location: BlobLocation): string {
  const store = location.datastore;
  return `${blobServiceUrl(store)}/${store.container_name}/${location.path.split('/').map(encodeURIComponent).join('/')}`;
}

/** A SAS signed with the account key, valid from 5 minutes ago (clock skew) for `minutes`. */
function keySas(store: BlobDatastore, key: string, scope: { blobName?: string; permissions: BlobSASPermissions | ContainerSASPermissions }, minutes: number, now: Date): string {
  return generateBlobSASQueryParameters(
    { containerName: store.container_name, ...scope, startsOn: new Date(now.getTime() - 5 * 60_000), expiresOn: new Date(now.getTime() + minutes * 60_000) },
    new StorageSharedKeyCredential(store.account_name, key),
  ).toString();
}

/** What a `direct` output's command gets: the URL, and the same URL with a SAS allowing writes (for the run's environment). */
export interface DirectOutputUrl {
  url: string;
  signed: string;
}

/**
 * The URL a `direct` output is written through. With the key: a SAS allowing create, write, add and list (never
 * delete or read) for `minutes`, scoped to the blob for a file and to the container for a folder (a plain Blob account
 * has no narrower scope). With the datastore's own `sas_token`: that token, when it allows writing. Anything else is
 * refused, as the run could not write the output.
 */
export function directOutputUrl(location: BlobLocation, isFile: boolean, minutes: number, now = new Date()): DirectOutputUrl {
  const store = location.datastore;
  const url = locationUrl(location);
  const key = present(store.credentials?.account_key);
  const sas = present(store.credentials?.sas_token)?.replace(/^\?/, '');
  if (key) {
    const scope = isFile ? { blobName: location.path, permissions: BlobSASPermissions.parse('acw') } : { permissions: ContainerSASPermissions.parse('acwl') };
    return { url, signed: `${url}?${keySas(store, key, scope, minutes, now)}` };
  }
  assertDirectOutputWritable(store);
  return { url, signed: `${url}?${sas}` };
}

/** Refuses a `direct` output on a datastore mlw cannot give a writable URL for (no key, no SAS with write rights). */
export function assertDirectOutputWritable(store: BlobDatastore): void {
  if (present(store.credentials?.account_key)) return;
  const sas = present(store.credentials?.sas_token);
  if (sas && sasAllowsWriting(sas)) return;
  const held = sas ? 'its sas_token does not allow writing (sp= has no w)' : 'mlw holds no account_key or sas_token for it';
  throw new DataError(`datastore "${store.name}": a direct output needs a URL the run can write through, and ${held}; give the datastore an account_key or a sas_token with write rights, or use mode: upload`);
}

/** Whether a SAS token's permissions (`sp=`) include writing. */
export function sasAllowsWriting(token: string): boolean {
  return (new URLSearchParams(token.replace(/^\?/, '')).get('sp') ?? '').includes('w');
}

/** Hides SAS signatures (`sig=…`) in text meant for a log. */
export function redactSas(text: string): string {
  return text.replace(/([?&]sig=)[^&\s'"]+/gi, '$1***');
}

/** An Azure failure as a data error naming the datastore, the path and Azure's error code. */
export function blobError(location: BlobLocation, error: unknown, what = 'reading'): unknown {
  if (error instanceof DataError) return error;
  if (error instanceof RestError || (error as { name?: string })?.name === 'RestError') {
    const rest = error as RestError;
    const code = rest.code ?? (rest.details as { errorCode?: string } | undefined)?.errorCode ?? 'unknown';
    return new DataError(`datastore "${location.datastore.name}", path "${location.path}": Azure refused ${what} (${code}${rest.statusCode ? `, HTTP ${rest.statusCode}` : ''})${hint(code)}`);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new DataError(`datastore "${location.datastore.name}", path "${location.path}": ${what} failed: ${redactSas(message)}`);
}

function hint(code: string): string {
  if (code === 'ContainerNotFound') return '; the container does not exist';
  if (/^Authentication|^Authorization|NoAuthenticationInformation|InvalidAuthenticationInfo/.test(code)) return '; check the datastore\'s credentials';
  return '';
}
