import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { ApiClient } from '../../core/api/client';
import { compareVersions, connectWorkspace, readServeInfo } from '../../core/api/connect';
import { startDaemon } from '../../daemon/start-daemon';
import type { ServeInfo } from '../../core/api/contracts';
import type { JobSummary } from '../../core/vocabulary';
import { commandJob, workspace } from '../support/control-plane';
import { isRunning } from '../support/daemon-process';
import { waitFor } from '../support/docker';

// These tests run the built daemon and CLI (`npm test` builds before testing).
const OUT = path.resolve(__dirname, '../../out');

function startDaemonProcess(t: TestContext, root: string, env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, [path.join(OUT, 'daemon.js'), '--workspace', root, '--idle-timeout', '0'], { stdio: 'ignore', env: { ...process.env, ...env } });
  t.after(() => child.exitCode === null && child.kill('SIGKILL'));
  return child;
}

async function connected(root: string, pid?: number): Promise<{ info: ServeInfo; client: ApiClient }> {
  const info = await waitFor('serve.json', () => {
    const found = readServeInfo(root);
    return found && (pid === undefined || found.pid === pid) ? found : undefined;
  });
  return { info, client: new ApiClient(info.port, info.token) };
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Starts a daemon, submits `job.yml`, waits until it runs, then SIGKILLs the daemon: what a crash leaves behind. */
async function crashWhileRunning(t: TestContext, root: string): Promise<JobSummary> {
  const first = startDaemonProcess(t, root);
  const { client } = await connected(root, first.pid);
  const { job } = await client.jobs.submit({ path: path.join(root, 'job.yml') });
  await waitFor('Running', async () => (await client.jobs.get(job.name)).status === 'Running');
  client.close();
  first.kill('SIGKILL');
  await exited(first);
  return job;
}

test('the CLI starts the daemon on demand; serve.json is private and the daemon outlives the CLI', async (t) => {
  const root = await workspace(t, { 'job.yml': commandJob('echo from the job') });
  const run = spawnSync(process.execPath, [path.join(OUT, 'cli.js'), 'job', 'create', '-f', path.join(root, 'job.yml'), '--stream'], { encoding: 'utf8', cwd: root });
  const info = readServeInfo(root)!;
  t.after(() => {
    try {
      process.kill(info.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /Running\n[\s\S]*from the job\n[\s\S]*Completed\n$/);
  assert.equal(fs.statSync(path.join(root, '.mlw/serve.json')).mode & 0o777, 0o600);
  process.kill(info.pid, 0);
  const list = spawnSync(process.execPath, [path.join(OUT, 'cli.js'), 'job', 'list', '--workspace', root], { encoding: 'utf8' });
  assert.equal(list.status, 0, list.stderr);
  assert.match(list.stdout, /Completed\s+local/);
  assert.equal(readServeInfo(root)!.pid, info.pid, 'the second command reused the running daemon');
});

test('a second daemon for the same workspace refuses to start', async (t) => {
  const root = await workspace(t);
  const first = startDaemonProcess(t, root);
  await connected(root, first.pid);
  const second = startDaemonProcess(t, root);
  assert.equal(await exited(second), 3);
  first.kill('SIGTERM');
  assert.equal(await exited(first), 0);
  assert.equal(fs.existsSync(path.join(root, '.mlw/serve.json')), false, 'a stopped daemon removes its serve.json');
});

test('after SIGKILL of the daemon, a new one re-attaches to the running job, which still completes', async (t) => {
  const root = await workspace(t, { 'job.yml': commandJob('echo waiting; while [ ! -f "$GATE" ]; do sleep 0.05; done; echo released', 'environment_variables:\n  GATE: __GATE__\n') });
  const gate = path.join(root, 'gate');
  fs.writeFileSync(path.join(root, 'job.yml'), fs.readFileSync(path.join(root, 'job.yml'), 'utf8').replace('__GATE__', gate));
  const job = await crashWhileRunning(t, root);
  fs.writeFileSync(gate, '');
  const second = startDaemonProcess(t, root);
  const again = await connected(root, second.pid);
  t.after(() => again.client.close());
  const events: string[] = [];
  await again.client.jobs.events(job.name, (event) => events.push(event.type === 'status' ? event.status : event.type === 'log' ? event.text : ''));
  assert.deepEqual(events.filter((e) => /^[A-Z][a-z]+$/.test(e)), ['Queued', 'Preparing', 'Running', 'Finalizing', 'Completed']);
  const log = events.filter((e) => !/^[A-Z][a-z]+$/.test(e)).join('');
  assert.match(log, /waiting\n[\s\S]*released\n/);
  assert.equal(log.match(/^waiting$/gm)!.length, 1, 'no log line is published twice');
});

test('a job whose process vanished while the daemon was down is marked Failed with the reason', async (t) => {
  const root = await workspace(t, { 'job.yml': commandJob('echo started; sleep 60') });
  const job = await crashWhileRunning(t, root);
  const pid = Number(fs.readFileSync(path.join(root, '.mlw/runs', job.name, 'state/pid'), 'utf8'));
  process.kill(-pid, 'SIGKILL');
  await waitFor('the job process to end', () => !isRunning(pid));
  const second = startDaemonProcess(t, root);
  const again = await connected(root, second.pid);
  t.after(() => again.client.close());
  const detail = await waitFor('Failed', async () => {
    const d = await again.client.jobs.get(job.name);
    return d.status === 'Failed' ? d : undefined;
  });
  assert.match(detail.reason!, /vanished while the control plane was stopped/);
});

test('an idle daemon exits by itself', async (t) => {
  const root = await workspace(t);
  const child = spawn(process.execPath, [path.join(OUT, 'daemon.js'), '--workspace', root, '--idle-timeout', '0.005'], { stdio: 'ignore' });
  t.after(() => child.exitCode === null && child.kill('SIGKILL'));
  await connected(root, child.pid);
  assert.equal(await exited(child), 0);
  assert.equal(readServeInfo(root), undefined);
});

test('a newer client replaces an older idle daemon, but never one with running jobs', async (t) => {
  const root = await workspace(t, { 'job.yml': commandJob('echo started; sleep 30') });
  const newer = { command: process.execPath, args: [path.join(OUT, 'daemon.js'), '--workspace', root, '--idle-timeout', '0'], version: '99.0.0' };
  const busy = await startDaemon({ root, version: '0.0.1' });
  t.after(() => busy.stop({ cancelJobs: true }));
  const old = new ApiClient(busy.info.port, busy.info.token);
  t.after(() => old.close());
  const { job } = await old.jobs.submit({ path: path.join(root, 'job.yml') });
  await waitFor('Running', async () => (await old.jobs.get(job.name)).status === 'Running');
  const kept = await connectWorkspace(root, { start: newer });
  t.after(() => kept.close());
  assert.equal((await kept.health()).version, '0.0.1', 'a daemon running a job is kept');
  await old.jobs.cancel(job.name);
  const replaced = await connectWorkspace(root, { start: newer });
  t.after(() => replaced.close());
  await busy.stopped;
  const health = await replaced.health();
  // the workspace's cleanup stops this daemon (it runs first: hooks run in registration order)
  assert.equal(health.version, '0.1.0', 'the built daemon took over');
  assert.notEqual(health.pid, process.pid);
  assert.equal((await replaced.jobs.get(job.name)).status, 'Canceled', 'the store carried over');
});

test('versions compare numerically, a pre-release before its release', () => {
  assert.ok(compareVersions('0.10.0', '0.9.9') > 0);
  assert.ok(compareVersions('1.0.0-rc.1', '1.0.0') < 0);
  assert.equal(compareVersions('0.1.0', '0.1.0'), 0);
});
