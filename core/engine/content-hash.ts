import crypto from 'node:crypto';

/**
 * The hash that tells a changed spec from the same one registered again. Secrets are not hashed in clear (the hash is
 * shown by the API, and a short secret could be guessed from it offline): the masked spec is hashed together with an
 * HMAC of the secret values under the workspace's private key, so a changed secret still changes the hash. Takes
 * what `maskSecrets` made of the spec, whose masked half the caller stores.
 */
export function specContentHash({ masked, values }: { masked: unknown; values: string[] }, key: () => Buffer): string {
  const hash = crypto.createHash('sha256').update(JSON.stringify(masked));
  if (values.length) hash.update('\0').update(crypto.createHmac('sha256', key()).update(JSON.stringify(values)).digest());
  return hash.digest('hex');
}
