import crypto from 'node:crypto';
import { readOrCreateKey } from '../data/fs-util';

const PREFIX = 'mlwrun';

/**
 * Per-run bearer tokens: `mlwrun.<run id>.<HMAC of the run id>`, keyed by a secret kept in `.mlw/` (mode 0600).
 * They are derived, not stored, so a job that outlives a daemon restart keeps a valid token.
 */
export class RunTokens {
  private readonly secret: Buffer;

  constructor(secretFile: string) {
    this.secret = readOrCreateKey(secretFile);
  }

  issue(runId: string): string {
    return `${PREFIX}.${runId}.${this.mac(runId)}`;
  }

  /** The run a token was issued for, or undefined when it is not a valid run token. */
  verify(token: string): string | undefined {
    const match = /^mlwrun\.([\w-]{1,256})\.([\w-]{43})$/.exec(token);
    if (!match) return undefined;
    const expected = Buffer.from(this.mac(match[1]!));
    const given = Buffer.from(match[2]!);
    return given.length === expected.length && crypto.timingSafeEqual(given, expected) ? match[1] : undefined;
  }

  private mac(runId: string): string {
    return crypto.createHmac('sha256', this.secret).update(runId).digest('base64url');
  }
}
