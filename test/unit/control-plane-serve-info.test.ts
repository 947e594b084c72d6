import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { isAlive, readServeInfo } from '../../core/api/connect';
import type { ServeInfo } from '../../core/api/contracts';
import { workspace } from '../support/control-plane';
import { waitFor } from '../support/docker';

// These tests run the built daemon and CLI (`npm test` builds before testing).
const OUT = path.resolve(__dirname, '../../out');

/** How long a CLI command may take against a running daemon whose serve.json was damaged. */
const QUICK_MS = 4000;

function startDaemonProcess(t: TestContext, root: string): ChildProcess {
  const child = spawn(process.execPath, [path.join(OUT, 'daemon.js'), '--workspace', root, '--idle-timeout', '0'], { stdio: 'ignore' });
  t.after(() => child.exitCode === null && child.kill('SIGKILL'));
  return child;
}

function jobList(root: string): { status: number | null; stderr: string; ms: number } {
  const started = Date.now();
  const run = spawnSync(process.execPath, [path.join(OUT, 'cli.js'), 'job', 'list', '--workspace', root], { encoding: 'utf8', env: { ...process.env, MLW_DAEMON_SCRIPT: path.join(OUT, 'daemon.js') } });
  return { status: run.status, stderr: run.stderr, ms: Date.now() - started };
}

function servedBy(root: string, pid: number | undefined): Promise<ServeInfo> {
  return waitFor(`serve.json of pid ${pid}`, () => {
    const info = readServeInfo(root);
    return info && info.pid === pid ? info : undefined;
  });
}

for (const [damage, apply] of [
  ['overwritten with garbage', (file: string) => fs.writeFileSync(file, '{ not json')],
  ['deleted', (file: string) => fs.rmSync(file)],
] as const) {
  test(`a serve.json ${damage} while the daemon runs is repaired by the daemon; the CLI keeps working`, async (t) => {
    const root = await workspace(t);
    const daemon = startDaemonProcess(t, root);
    const before = await servedBy(root, daemon.pid);
    apply(path.join(root, '.mlw/serve.json'));
    const list = jobList(root);
    assert.equal(list.status, 0, list.stderr);
    assert.ok(list.ms < QUICK_MS, `job list took ${list.ms} ms`);
    assert.deepEqual(readServeInfo(root), before, 'the running daemon still serves, under the same port and token');
    assert.equal(daemon.exitCode, null);
  });
}

test('a serve.json left by a killed daemon still gets a new daemon started', async (t) => {
  const root = await workspace(t);
  const first = startDaemonProcess(t, root);
  await servedBy(root, first.pid);
  first.kill('SIGKILL');
  await waitFor('the daemon to end', () => first.exitCode !== null || first.signalCode !== null);
  const list = jobList(root);
  const info = readServeInfo(root);
  t.after(() => info && isAlive(info.pid) && process.kill(info.pid, 'SIGTERM'));
  assert.equal(list.status, 0, list.stderr);
  assert.ok(info && info.pid !== first.pid && isAlive(info.pid), 'a new daemon serves the workspace');
});
