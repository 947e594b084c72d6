import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { WorkspaceLayout } from '../engine/layout';
import { ApiClient, ApiError } from './client';
import type { Health, ServeInfo } from './contracts';
import { normalizeFingerprint } from './pinned-tls';

/*
 * Reaching a daemon: a workspace's own through `.mlw/serve.json` (started when none answers, replacing an older
 * idle one), or a remote `mlw serve` by URL.
 */

export function readServeInfo(root: string): ServeInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(new WorkspaceLayout(root).serveInfo, 'utf8')) as ServeInfo;
  } catch {
    return undefined;
  }
}

export interface ConnectOptions {
  /**
   * Start `mlw serve` when none answers: the command line that starts it in the foreground, and its version. A
   * running daemon of an older version with no active job is asked to stop and replaced by this one.
   */
  start?: { command: string; args: string[]; version?: string };
  /** How long to wait for a started daemon. */
  timeoutMs?: number;
  /** The token to send (a named token with its role) instead of the owner's from `.mlw/serve.json`. */
  token?: string;
}

/** Finds the workspace's daemon through `.mlw/serve.json`, starting one when none answers and `start` is given. */
export async function connectWorkspace(root: string, options: ConnectOptions = {}): Promise<ApiClient> {
  const existing = await tryConnect(root, options.token);
  if (existing && !(options.start?.version && (await replaceOlder(root, existing.client, existing.health, options.start.version)))) return existing.client;
  if (!options.start) throw new Error(`mlw serve is not running for ${root}; start it with \`mlw serve\``);
  const layout = new WorkspaceLayout(root);
  fs.mkdirSync(layout.mlwDir, { recursive: true });
  const logFd = fs.openSync(layout.serveLog, 'a');
  const child = spawn(options.start.command, options.start.args, { cwd: root, detached: true, stdio: ['ignore', logFd, logFd] });
  fs.closeSync(logFd);
  child.unref();
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? 1));
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  for (let delay = 10; Date.now() < deadline; delay = Math.min(delay * 2, 200)) {
    await new Promise((resolve) => setTimeout(resolve, delay));
    const started = await tryConnect(root, options.token);
    if (started) return started.client;
    // Another client may have started a daemon first: ours then exits and theirs answers shortly.
    if (exited !== null && exited !== 0 && !fs.existsSync(layout.serveLock)) break;
  }
  throw new Error(`mlw serve did not start for ${root}; see ${layout.serveLog}`);
}

async function tryConnect(root: string, token?: string): Promise<{ client: ApiClient; health: Health } | undefined> {
  const info = readServeInfo(root);
  if (!info) return undefined;
  const client = clientOf(info, token);
  try {
    return { client, health: await client.health() };
  } catch (error) {
    client.close();
    // The daemon answers but refuses the token given: starting another one would not help.
    if (token !== undefined && error instanceof ApiError && error.status === 401) throw new Error('mlw serve refused the token given (MLW_TOKEN): it is wrong or was revoked');
    return undefined;
  }
}

/** A client of the daemon that wrote `info`, over HTTPS pinned to its certificate when it serves TLS. */
export function clientOf(info: ServeInfo, token = info.token): ApiClient {
  const url = info.url ? new URL(info.url) : undefined;
  const host = url ? url.hostname.replace(/^\[|\]$/g, '') : '127.0.0.1';
  return new ApiClient(info.port, token, host, info.tlsFingerprint ? { fingerprint256: info.tlsFingerprint } : undefined);
}

/**
 * A client of a remote `mlw serve`: `https://host:port` pinned to the certificate's SHA-256 fingerprint (as `mlw
 * serve` prints it), or `http://` through a tunnel to its loopback.
 */
export function remoteClient(url: string, token: string, fingerprint?: string): ApiClient {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${JSON.stringify(url)} is not a URL: give https://<host>:<port> of a remote mlw serve`);
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (parsed.protocol === 'https:') {
    if (!fingerprint) throw new Error(`${url}: give the SHA-256 fingerprint of its TLS certificate (\`mlw serve\` prints it) to connect over HTTPS`);
    return new ApiClient(Number(parsed.port || 443), token, host, { fingerprint256: normalizeFingerprint(fingerprint) });
  }
  if (parsed.protocol === 'http:') return new ApiClient(Number(parsed.port || 80), token, host);
  throw new Error(`${url}: only https:// (or http:// through a tunnel to the server's loopback) URLs are supported`);
}

/** Stops a daemon older than `version` that runs no job, and waits until it is gone; true when it stopped. */
async function replaceOlder(root: string, client: ApiClient, health: Health, version: string): Promise<boolean> {
  const comparable = [health.version, version].every((v) => /^\d+\.\d+\.\d+/.test(v));
  if (!comparable || health.runningJobs > 0 || compareVersions(health.version, version) >= 0) return false;
  try {
    await client.shutdown();
  } catch {
    // Refused (a job started meanwhile) or unreachable: the caller keeps using this client.
    return false;
  }
  client.close();
  // Gone once it removed its serve.json (a stopping daemon does that last) or its process ended.
  const deadline = Date.now() + 15_000;
  for (let delay = 10; isAlive(health.pid) && readServeInfo(root)?.pid === health.pid; delay = Math.min(delay * 2, 200)) {
    if (Date.now() > deadline) throw new Error(`mlw serve ${health.version} (pid ${health.pid}) did not stop when asked`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  return true;
}

/** `1.2.10` > `1.2.9`; a pre-release or build suffix counts as older than the plain version. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => v.split(/[-+]/)[0]!.split('.').map((n) => Number(n) || 0);
  const [pa, pb] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return (a.includes('-') ? 0 : 1) - (b.includes('-') ? 0 : 1);
}

/** Whether a process exists (one of another user counts). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
