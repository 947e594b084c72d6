import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BadRequest, SpecRejected, Unavailable } from '../errors';
import type { SecretsStore } from './store';

/**
 * A compute's credential (a client key, an SSH key) is never written in its spec: the spec holds either
 * `secret:computes/<compute>/<field>`, kept in the workspace's secrets store, or the path of a file.
 */
const COMPUTE_REFERENCE = /^secret:computes\/([A-Za-z0-9][A-Za-z0-9_-]{0,254})\/([A-Za-z0-9_]{1,64})$/;

export function computeSecretReference(compute: string, field: string): string {
  return `secret:computes/${compute}/${field}`;
}

export interface CredentialSource {
  compute: string;
  /** Where in the spec, for messages: `tls.key`. */
  field: string;
  /** The spec's value: a reference or a path. */
  value: string;
  /** A private key: a file holding it must be readable by its owner only. */
  secret: boolean;
  store: SecretsStore;
  /** Relative paths are relative to it (the workspace folder). */
  baseDir: string;
}

/** The credential's content, from the secrets store or its file; a clear error when it cannot be had. */
export function readComputeCredential(source: CredentialSource): string {
  const { compute, field, value } = source;
  if (value.includes('-----BEGIN')) throw new SpecRejected(`compute ${compute}: ${field} holds a key or certificate itself; put it in a file (mode 0600) or the secrets store and give its path or reference`);
  const reference = COMPUTE_REFERENCE.exec(value);
  if (reference) {
    if (reference[1] !== compute) throw new SpecRejected(`compute ${compute}: ${field} refers to ${value}; a compute can use only its own secrets, secret:computes/${compute}/<field>`);
    const stored = source.store.get(value);
    // What this machine lacks, not what the spec says: the compute cannot be used here until it is stored (503).
    if (stored === undefined) throw new Unavailable(`compute ${compute}: the secrets store has no ${value} (store it with POST /api/secrets/computes/${compute}/${reference[2]})`);
    return stored;
  }
  if (value.startsWith('secret:')) throw new SpecRejected(`compute ${compute}: ${field} is ${value}, which is not a reference of the form secret:computes/${compute}/<field>`);
  const file = path.resolve(source.baseDir, value.startsWith('~/') ? path.join(os.homedir(), value.slice(2)) : value);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    throw new Unavailable(`compute ${compute}: ${field} names ${file}, which cannot be read here: ${(error as Error).message}`);
  }
  if (!stat.isFile()) throw new SpecRejected(`compute ${compute}: ${field} names ${file}, which is not a file`);
  if (source.secret && (stat.mode & 0o077) !== 0) {
    throw new SpecRejected(`compute ${compute}: ${field} names ${file}, which others can read (mode ${(stat.mode & 0o777).toString(8)}); make it readable by its owner only (chmod 600)`);
  }
  return fs.readFileSync(file, 'utf8');
}

/** Puts one credential of a compute into the store; answers the reference to write in its place. */
export function storeComputeSecret(store: SecretsStore, compute: string, field: string, value: string): string {
  const reference = computeSecretReference(compute, field);
  if (!COMPUTE_REFERENCE.test(reference)) throw new BadRequest(`compute name ${JSON.stringify(compute)} or field ${JSON.stringify(field)} is not valid`);
  if (value === '' || value.startsWith('secret:')) throw new BadRequest(`the value of ${field} is not a credential`);
  store.put(reference, value);
  return reference;
}
