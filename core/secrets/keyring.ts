import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** Where the key of a secrets store is kept outside the store's folder: the OS keyring. */
export interface Keyring {
  /** How it is shown in messages. */
  readonly name: string;
  /** The key stored for `account`, or undefined when there is none. */
  lookup(account: string): Buffer | undefined;
  store(account: string, key: Buffer): void;
}

const SERVICE = 'mlw-secrets';
const TIMEOUT_MS = 5000;

/**
 * The freedesktop Secret Service through libsecret's `secret-tool`, when it is installed and a session bus answers
 * (a desktop session on Linux); undefined elsewhere, and then the store keeps its key in a private file.
 */
export function systemKeyring(): Keyring | undefined {
  if (process.platform !== 'linux' || !process.env['DBUS_SESSION_BUS_ADDRESS']) return undefined;
  const probe = secretTool(['lookup', 'service', SERVICE, 'account', 'probe']);
  // exit 1 with no output is "no such item": the service answered
  if (probe.error || (probe.status !== 0 && probe.status !== 1) || probe.stderr.trim()) return undefined;
  return {
    name: 'the OS keyring (secret-tool)',
    lookup(account) {
      const found = secretTool(['lookup', 'service', SERVICE, 'account', account]);
      if (found.error) throw found.error;
      const key = found.status === 0 ? Buffer.from(found.stdout.trim(), 'base64') : undefined;
      return key && key.length === 32 ? key : undefined;
    },
    store(account, key) {
      const stored = secretTool(['store', `--label=mlw secrets store ${account}`, 'service', SERVICE, 'account', account], key.toString('base64'));
      if (stored.error || stored.status !== 0) throw new Error(`secret-tool could not store the key: ${stored.error?.message ?? stored.stderr.trim()}`);
    },
  };
}

function secretTool(args: string[], input?: string): { status: number | null; stdout: string; stderr: string; error?: Error } {
  const result = spawnSync('secret-tool', args, { encoding: 'utf8', timeout: TIMEOUT_MS, ...(input !== undefined ? { input } : { stdio: ['ignore', 'pipe', 'pipe'] }) });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '', ...(result.error ? { error: result.error } : {}) };
}

export function newKey(): Buffer {
  return randomBytes(32);
}
