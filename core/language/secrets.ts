/** What a masked secret reads as, in the store, the API and the CLI. */
export const MASK = '***';

// The secret fields of Azure ML datastore credentials (account_key, sas_token, client_secret) and their kin.
const SECRET_KEY = /(^|_)(key|secret|token|password)$/i;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/**
 * A copy of a spec with every secret under a `credentials` map replaced by {@link MASK}, and the dotted paths and
 * values of the secrets that were set. Until an encrypted secrets store exists, this copy is what mlw keeps and shows.
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
      if (inCredentials && isSecretKey(key) && child !== null && child !== undefined && child !== '' && typeof child !== 'object') {
        out[key] = MASK;
        secrets.push(path);
        values.push(String(child));
      } else out[key] = visit(child, path, inCredentials || key === 'credentials', depth + 1);
    }
    return out;
  };
  return { masked: visit(spec, '', false, 0) as T, secrets, values };
}
