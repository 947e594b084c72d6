import crypto from 'node:crypto';
import type { SecretsStore } from '../secrets/store';
import type { EndpointAuthMode, EndpointCredentials } from '../vocabulary';

/** How long an `aml_token` from get-credentials is valid, as Azure ML's. */
const TOKEN_LIFETIME_MS = 60 * 60 * 1000;
const TOKEN_PREFIX = 'mlwaml';

const reference = (endpoint: string, key: string) => `endpoints/${endpoint}/${key}`;
const newSecret = () => crypto.randomBytes(32).toString('base64url');

/**
 * An endpoint's credentials, kept in the workspace's secrets store (never in the database): the primary and secondary
 * keys of a `key` endpoint, or the signing key of an `aml_token` endpoint's tokens. Checked in memory per request.
 */
export class EndpointKeys {
  private readonly cache = new Map<string, { mode: EndpointAuthMode; secrets: Buffer[] }>();

  constructor(private readonly secrets: SecretsStore) {}

  /** Makes the endpoint's keys unless it has them. */
  ensure(endpoint: string, mode: EndpointAuthMode): void {
    const names = mode === 'key' ? ['primary', 'secondary'] : ['token-signing'];
    for (const name of names) if (!this.secrets.has(reference(endpoint, name))) this.secrets.put(reference(endpoint, name), newSecret());
    this.cache.delete(endpoint);
  }

  regenerate(endpoint: string, keyType: 'primary' | 'secondary'): void {
    this.secrets.put(reference(endpoint, keyType), newSecret());
    this.cache.delete(endpoint);
  }

  forget(endpoint: string): void {
    for (const ref of this.secrets.references(`endpoints/${endpoint}/`)) this.secrets.delete(ref);
    this.cache.delete(endpoint);
  }

  credentials(endpoint: string, mode: EndpointAuthMode, now = Date.now()): EndpointCredentials {
    if (mode === 'key') return { primaryKey: this.secret(endpoint, 'primary'), secondaryKey: this.secret(endpoint, 'secondary') };
    const expiry = now + TOKEN_LIFETIME_MS;
    return { accessToken: `${TOKEN_PREFIX}.${expiry}.${sign(this.secret(endpoint, 'token-signing'), endpoint, expiry)}`, expiryTimeUtc: new Date(expiry).toISOString() };
  }

  /** Whether `Authorization: Bearer <credential>` lets a request through. */
  authorizes(endpoint: string, mode: EndpointAuthMode, credential: string, now = Date.now()): boolean {
    let cached = this.cache.get(endpoint);
    if (!cached || cached.mode !== mode) {
      const names = mode === 'key' ? ['primary', 'secondary'] : ['token-signing'];
      const held = names.map((name) => this.secrets.get(reference(endpoint, name)));
      if (held.some((secret) => secret === undefined)) return false;
      cached = { mode, secrets: held.map((secret) => Buffer.from(secret!)) };
      this.cache.set(endpoint, cached);
    }
    if (mode === 'key') return cached.secrets.some((key) => equal(key, Buffer.from(credential)));
    const [prefix, expiryText, signature] = credential.split('.');
    const expiry = Number(expiryText);
    if (prefix !== TOKEN_PREFIX || !Number.isFinite(expiry) || expiry < now || !signature) return false;
    return equal(Buffer.from(sign(cached.secrets[0]!.toString(), endpoint, expiry)), Buffer.from(signature));
  }

  private secret(endpoint: string, name: string): string {
    const value = this.secrets.get(reference(endpoint, name));
    if (value === undefined) throw new Error(`endpoint ${endpoint} has no ${name} key in the secrets store`);
    return value;
  }
}

function sign(secret: string, endpoint: string, expiry: number): string {
  return crypto.createHmac('sha256', secret).update(`${endpoint}\n${expiry}`).digest('base64url');
}

function equal(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}
