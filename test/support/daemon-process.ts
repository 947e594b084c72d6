import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { ApiClient } from '../../core/api/client';
import { readServeInfo } from '../../core/api/connect';
import { isTerminal, type JobDetail } from '../../core/vocabulary';
import { waitFor } from './docker';

const DAEMON = path.resolve(__dirname, '../../daemon/main.ts');
const STARTUP_MS = 60_000;

export interface Daemon {
  child: ChildProcess;
  client: ApiClient;
}

/** `mlw serve` as a real process run from the sources (no build needed), which a test may freeze or SIGKILL. */
export async function startDaemonProcess(t: TestContext, root: string, env: Record<string, string> = {}): Promise<Daemon> {
  const child = spawn(process.execPath, ['--import', 'tsx', DAEMON, '--workspace', root, '--idle-timeout', '0'], { stdio: 'ignore', env: { ...process.env, ...env } });
  t.after(() => child.exitCode === null && child.kill('SIGKILL'));
  const info = await waitFor('serve.json', () => readServeInfo(root)?.pid === child.pid && readServeInfo(root), STARTUP_MS);
  const client = new ApiClient(info.port, info.token);
  t.after(() => client.close());
  return { child, client };
}

/** Ends the daemon with `signal` (SIGTERM: it detaches from its running jobs and exits) and awaits its exit. */
export async function kill(daemon: Daemon, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  daemon.client.close();
  const exited = new Promise((resolve) => daemon.child.once('exit', resolve));
  daemon.child.kill(signal);
  await exited;
}

export async function submit(client: ApiClient, root: string, file: string): Promise<string> {
  return (await client.jobs.submit({ path: path.join(root, file) })).job.name;
}

export async function detail(client: ApiClient, job: string): Promise<JobDetail> {
  return client.jobs.get(job);
}

export async function reaches(client: ApiClient, job: string, done: (d: JobDetail) => boolean, timeoutMs = 30_000): Promise<JobDetail> {
  let last: JobDetail | undefined;
  return waitFor(`${job} to move on`, async () => {
    last = await detail(client, job);
    return done(last) ? last : undefined;
  }, timeoutMs).catch((error: Error) => Promise.reject(new Error(`${error.message}; it is ${last?.status}: ${last?.reason ?? ''}`)));
}

export const ended = (d: JobDetail) => isTerminal(d.status);

/** Whether process `pid` exists and has not exited (a zombie has). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
