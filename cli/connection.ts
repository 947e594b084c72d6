import path from 'node:path';
import { ApiClient, ApiError } from '../core/api/client';
import { connectWorkspace, remoteClient } from '../core/api/connect';
import { workspaceRootOf } from '../core/language/workspace-files';
import { formatFinding } from '../core/vocabulary';

declare const MLW_VERSION: string;

export interface WorkspaceOption {
  workspace?: string;
}

/** The workspace folder: `--workspace`, else the nearest folder of `near` (or the cwd) holding `.mlw` or `.git`. */
export function workspaceRoot(options: WorkspaceOption, near = process.cwd()): string {
  if (options.workspace) return path.resolve(options.workspace);
  return workspaceRootOf(near, near);
}

/**
 * Connects to the workspace's `mlw serve`, starting it in the background when none answers, with `MLW_TOKEN` (a
 * named token with its role) when set, else the owner's from `.mlw/serve.json`; or, with `MLW_REMOTE_URL`
 * (`mlw --remote`), to a remote one with `MLW_REMOTE_TOKEN` and `MLW_REMOTE_FINGERPRINT`.
 */
export async function connect(root: string): Promise<ApiClient> {
  const remote = process.env.MLW_REMOTE_URL;
  if (remote) {
    const token = process.env.MLW_REMOTE_TOKEN;
    if (!token) throw new Error(`no token for ${remote}: set MLW_REMOTE_TOKEN`);
    const client = remoteClient(remote, token, process.env.MLW_REMOTE_FINGERPRINT);
    await client.health().catch((error: unknown) => (client.close(), Promise.reject(error)));
    return client;
  }
  const daemon = process.env.MLW_DAEMON_SCRIPT ?? path.join(__dirname, 'daemon.js');
  const version = typeof MLW_VERSION === 'string' ? MLW_VERSION : undefined;
  const token = process.env.MLW_TOKEN?.trim() || undefined;
  return connectWorkspace(root, { start: { command: process.execPath, args: [daemon, '--workspace', root], ...(version ? { version } : {}) }, ...(token ? { token } : {}) });
}

/** Runs a command body, printing API errors (with the validator's findings) instead of a stack trace. */
export async function runClientCommand(body: () => Promise<number | void>): Promise<void> {
  try {
    process.exitCode = (await body()) ?? 0;
  } catch (error) {
    if (error instanceof ApiError) {
      process.stderr.write(`mlw: ${error.body.message}\n`);
      for (const finding of error.body.findings ?? []) process.stderr.write(`  ${formatFinding(finding)}\n`);
    } else {
      process.stderr.write(`mlw: ${(error as Error).message}\n`);
    }
    process.exitCode = 1;
  }
}

/** Runs a command body with a client of the workspace's daemon, closed afterwards; errors are printed as above. */
export function withClient(root: string, body: (client: ApiClient) => Promise<number | void>): Promise<void> {
  return runClientCommand(async () => {
    const client = await connect(root);
    try {
      return await body(client);
    } finally {
      client.close();
    }
  });
}

/** Collects repeated `--set key=value` options. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
