import crypto from 'node:crypto';
import { BadRequest, Conflict, NotFound } from '../errors';
import type { Store } from '../store/database';
import { isRole, ROLES, type Role } from './roles';

/** A named token as it is listed: never its secret. */
export interface TokenSummary {
  name: string;
  role: Role;
  createdAt: string;
}

/** A token just created: the only time its secret is shown. */
export interface CreatedToken extends TokenSummary {
  token: string;
}

interface TokenRow {
  name: string;
  role: string;
  hash: string;
  created_at: string;
}

const PREFIX = 'mlwtok_';
const NAME = /^[A-Za-z0-9][\w.-]{0,63}$/;

/**
 * The workspace's named tokens (table `api_tokens`): 256 random bits each, stored as their SHA-256 only. The table is
 * read once into memory, so that checking a token on every request costs a hash and a map lookup.
 */
export class ApiTokens {
  private byHash: Map<string, { name: string; role: Role; hash: Buffer }>;

  constructor(private readonly store: Store) {
    this.byHash = this.load();
  }

  create(name: unknown, role: unknown): CreatedToken {
    if (typeof name !== 'string' || !NAME.test(name)) throw new BadRequest(`token name ${JSON.stringify(name)}: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit`);
    if (!isRole(role)) throw new BadRequest(`role ${JSON.stringify(role)}: expected one of ${ROLES.join(', ')}`);
    const token = PREFIX + crypto.randomBytes(32).toString('base64url');
    const createdAt = new Date().toISOString();
    this.store.transaction(() => {
      if (this.store.get('SELECT name FROM api_tokens WHERE name = ?', [name])) throw new Conflict(`a token named ${name} exists; revoke it first`);
      this.store.run('INSERT INTO api_tokens (name, role, hash, created_at) VALUES (?, ?, ?, ?)', [name, role, digest(token).toString('hex'), createdAt]);
    });
    this.byHash = this.load();
    return { name, role, createdAt, token };
  }

  list(): TokenSummary[] {
    return this.store.all<TokenRow>('SELECT name, role, created_at FROM api_tokens ORDER BY name').map((row) => ({ name: row.name, role: row.role as Role, createdAt: row.created_at }));
  }

  revoke(name: string): void {
    if (this.store.run('DELETE FROM api_tokens WHERE name = ?', [name]).changes === 0) throw new NotFound(`no token named ${name}`);
    this.byHash = this.load();
  }

  /** The named token `token` is, or undefined. */
  verify(token: string): { name: string; role: Role } | undefined {
    if (!token.startsWith(PREFIX)) return undefined;
    const hash = digest(token);
    const entry = this.byHash.get(hash.toString('hex'));
    return entry && crypto.timingSafeEqual(entry.hash, hash) ? entry : undefined;
  }

  private load(): Map<string, { name: string; role: Role; hash: Buffer }> {
    const rows = this.store.all<TokenRow>('SELECT name, role, hash FROM api_tokens');
    return new Map(rows.filter((row) => isRole(row.role)).map((row) => [row.hash, { name: row.name, role: row.role as Role, hash: Buffer.from(row.hash, 'hex') }]));
  }
}

function digest(token: string): Buffer {
  return crypto.createHash('sha256').update(token).digest();
}
