import path from 'node:path';
import type { DatastoreRecord } from '../data/datastores';
import { datastoreCredentials, forgetDatastoreSecrets } from '../secrets/datastore-credentials';
import type { SecretsStore } from '../secrets/store';
import type { AssetRepository } from '../store/assets';

/** A registered datastore as the resolver sees it, its credentials read from the secrets store. */
export function registeredDatastore(assets: AssetRepository, secrets: SecretsStore, workspaceRoot: string, name: string): DatastoreRecord | undefined {
  const asset = assets.get('datastore', name);
  if (!asset) return undefined;
  const spec = asset.spec as Partial<DatastoreRecord> & { credentials?: unknown };
  const base = asset.sourcePath ? path.dirname(asset.sourcePath) : workspaceRoot;
  const credentials = datastoreCredentials(secrets, name, spec);
  const azure = Object.fromEntries((['account_name', 'container_name', 'endpoint', 'protocol'] as const).flatMap((key) => (typeof spec[key] === 'string' ? [[key, spec[key]]] : [])));
  return { name, type: spec.type ?? 'azure_blob', ...(spec.path ? { path: path.resolve(base, spec.path) } : {}), ...azure, ...(credentials ? { credentials } : {}) };
}

/** An archived datastore's credentials leave the store; a store that cannot be written keeps them, with a warning. */
export function forgetArchivedDatastoreSecrets(secrets: SecretsStore, datastore: string): void {
  try {
    forgetDatastoreSecrets(secrets, datastore);
  } catch (error) {
    process.emitWarning(`datastore ${datastore} was archived, but its secrets could not be removed: ${(error as Error).message}`);
  }
}
