/** What a masked secret reads as where mlw shows one (and what an earlier mlw kept in place of a credential). */
export const MASK = '***';

// The secret fields of Azure ML datastore credentials (account_key, sas_token, client_secret) and their kin.
const SECRET_KEY = /(^|_)(key|secret|token|password)$/i;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/**
 * A datastore credential kept in the workspace's secrets store is written in its place as
 * `secret:datastores/<datastore>/<key>`: still a string, as Azure ML's schema wants there, and never a real
 * credential (account keys are base64 and SAS tokens query strings; neither starts with `secret:`).
 */
const REFERENCE = /^secret:datastores\/([A-Za-z0-9][A-Za-z0-9_-]{0,254})\/([A-Za-z0-9_]{1,64})$/;

export function datastoreSecretReference(datastore: string, key: string): string {
  return `secret:datastores/${datastore}/${key}`;
}

export function parseSecretReference(value: string): { datastore: string; key: string } | undefined {
  const match = REFERENCE.exec(value);
  return match ? { datastore: match[1]!, key: match[2]! } : undefined;
}

export function isSecretReference(value: unknown): boolean {
  return typeof value === 'string' && REFERENCE.test(value);
}

/** A secret field set in a datastore spec's `credentials`: its key and its value as written (clear, masked or a reference). */
export interface CredentialSecret {
  key: string;
  value: string;
}

/** The secret fields set in the top-level `credentials` map of a datastore spec (where Azure ML's schema has them). */
export function credentialSecrets(spec: unknown): CredentialSecret[] {
  const credentials = (spec as { credentials?: unknown } | null)?.credentials;
  if (!credentials || typeof credentials !== 'object' || Array.isArray(credentials)) return [];
  return Object.entries(credentials as Record<string, unknown>)
    .filter(([key, value]) => isSecretKey(key) && value !== null && value !== undefined && value !== '' && typeof value !== 'object')
    .map(([key, value]) => ({ key, value: String(value) }));
}

/** A copy of a datastore spec whose `credentials` secrets are replaced by what `replace` gives for each. */
export function replaceCredentialSecrets<T>(spec: T, replace: (secret: CredentialSecret) => string): T {
  const secrets = credentialSecrets(spec);
  if (!secrets.length) return spec;
  const credentials = { ...(spec as { credentials: Record<string, unknown> }).credentials };
  for (const secret of secrets) credentials[secret.key] = replace(secret);
  return { ...spec, credentials };
}

/**
 * A copy of a spec with every secret in clear under a `credentials` map replaced by {@link MASK} (references to the
 * secrets store are kept), and the dotted paths and values of the secrets that were masked.
 */
export function maskSecrets<T>(spec: T): { masked: T; secrets: string[]; values: string[] } {
  const secrets: string[] = [];
  const values: string[] = [];
  const visit = (value: unknown, at: string, inCredentials: boolean, depth: number): unknown => {
    if (depth > 64 || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((item, i) => visit(item, `${at}.${i}`, inCredentials, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const path = at ? `${at}.${key}` : key;
      if (inCredentials && isSecretKey(key) && child !== null && child !== undefined && child !== '' && typeof child !== 'object' && !isSecretReference(child)) {
        out[key] = MASK;
        secrets.push(path);
        values.push(String(child));
      } else out[key] = visit(child, path, inCredentials || key === 'credentials', depth + 1);
    }
    return out;
  };
  return { masked: visit(spec, '', false, 0) as T, secrets, values };
}
