import { BadRequest } from '../errors';
import { DataError } from '../data/errors';
import type { DatastoreCredentials } from '../data/datastores';
import { credentialSecrets, datastoreSecretReference, isSecretKey, MASK, parseSecretReference, replaceCredentialSecrets } from '../language/secrets';
import type { SecretsStore } from './store';

/** A datastore spec whose credentials were moved into the store, ready to be kept. */
export interface SealedCredentials<T> {
  /** The spec with a reference in place of each secret. */
  spec: T;
  /** The secrets' values, for the content hash (a changed key is a change). */
  values: string[];
  /** Puts the new values into the store (before the spec is kept). */
  save(): void;
  /** Removes the datastore's secrets the spec no longer uses (once it is kept). */
  prune(): void;
}

/**
 * Takes a datastore spec's credentials out of it: a secret in clear goes into the store under the datastore's
 * reference, a reference must be the datastore's own and held by the store, a masked `***` is refused.
 */
export function sealDatastoreCredentials<T>(store: SecretsStore, datastore: string, spec: T): SealedCredentials<T> {
  const values: string[] = [];
  const fresh = new Map<string, string>();
  const sealed = replaceCredentialSecrets(spec, ({ key, value }) => {
    const own = datastoreSecretReference(datastore, key);
    if (value === MASK) throw new BadRequest(`credentials.${key} is ${MASK} (a masked value, not the credential): give the credential itself`);
    const reference = parseSecretReference(value);
    if (!reference) {
      fresh.set(own, value);
      values.push(value);
      return own;
    }
    if (value !== own) throw new BadRequest(`credentials.${key} refers to ${value}; datastore ${datastore} can use only its own secret ${own}`);
    const stored = store.get(own);
    if (stored === undefined) throw new BadRequest(`credentials.${key} refers to ${own}, which the workspace's secrets store does not hold (it goes when its datastore is archived): give the credential again`);
    values.push(stored);
    return own;
  });
  const kept = new Set(credentialSecrets(sealed).map((secret) => secret.value));
  return {
    spec: sealed,
    values,
    save: () => {
      for (const [reference, value] of fresh) if (store.get(reference) !== value) store.put(reference, value);
    },
    prune: () => {
      for (const reference of store.references(datastoreSecretReference(datastore, ''))) if (!kept.has(reference)) store.delete(reference);
    },
  };
}

/** The fields of `DatastoreCredentials` that are secrets; the others are kept in the spec in clear. */
const CREDENTIAL_FIELDS = ['account_key', 'sas_token', 'client_id', 'client_secret', 'tenant_id'] as const;

/** A registered datastore's credentials in clear, read from the store; undefined when it has none. */
export function datastoreCredentials(store: SecretsStore, datastore: string, spec: { credentials?: unknown }): DatastoreCredentials | undefined {
  const given = spec.credentials && typeof spec.credentials === 'object' ? (spec.credentials as Record<string, unknown>) : {};
  const credentials: DatastoreCredentials = {};
  for (const field of CREDENTIAL_FIELDS) {
    const value = given[field];
    if (typeof value !== 'string' || value === '') continue;
    if (value === MASK) {
      throw new DataError(`datastore ${datastore}: its credentials.${field} was kept only as ${MASK} by an earlier mlw and is lost; register the datastore again with the credential (mlw datastore create -f <spec>)`);
    }
    const reference = parseSecretReference(value);
    if (!reference) {
      credentials[field] = value;
      continue;
    }
    const stored = store.get(value);
    if (stored === undefined) throw new DataError(`datastore ${datastore}: the secrets store has no ${value}; register the datastore again with the credential`);
    credentials[field] = stored;
  }
  return Object.keys(credentials).length ? credentials : undefined;
}

/** Removes a datastore's secrets from the store (when it is archived). */
export function forgetDatastoreSecrets(store: SecretsStore, datastore: string): void {
  for (const reference of store.references(datastoreSecretReference(datastore, ''))) store.delete(reference);
}

/** Puts one credential of a datastore (registered or not yet) into the store; answers the reference to write in its place. */
export function storeDatastoreSecret(store: SecretsStore, datastore: string, key: string, value: string): string {
  if (!isSecretKey(key)) throw new BadRequest(`${key} is not a secret credential field (account_key, sas_token, client_secret …)`);
  if (value === '' || value === MASK || parseSecretReference(value)) throw new BadRequest(`the value of ${key} is not a credential`);
  const reference = datastoreSecretReference(datastore, key);
  if (!parseSecretReference(reference)) throw new BadRequest(`datastore name ${JSON.stringify(datastore)} is not valid`);
  store.put(reference, value);
  return reference;
}
