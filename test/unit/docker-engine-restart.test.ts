import assert from 'node:assert/strict';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { describeExit, ENGINE_RESTARTED_REASON } from '../../core/compute/docker-exit';
import { COMMAND_SCHEMA, workspace } from '../support/control-plane';
import { ended, kill, reaches, startDaemonProcess, submit } from '../support/daemon-process';
import { BUSYBOX_IMAGE } from '../support/docker';
import { startFreshEngine } from '../support/netns-engine';

// An engine restart stops every container (SIGTERM, then SIGKILL): the job must say so, not blame someone outside mlw.
// The engine restarted here is a private one; the host's engine is never touched.

const JOB = `${COMMAND_SCHEMA}\ntype: command\ncommand: "echo started; while true; do sleep 0.05; done"\nenvironment:\n  image: ${BUSYBOX_IMAGE}\ncompute: azureml:box\n`;

async function runningOnPrivateEngine(t: TestContext) {
  const engine = await startFreshEngine(t, [BUSYBOX_IMAGE], { hostBridgeAddress: true });
  if (!engine) return undefined;
  const root = await workspace(t, { 'box.yml': 'name: box\ntype: docker\n', 'job.yml': JOB });
  const daemon = await startDaemonProcess(t, root, { DOCKER_HOST: engine.host });
  await daemon.client.assets.register('compute', { path: path.join(root, 'box.yml') });
  const job = await submit(daemon.client, root, 'job.yml');
  await reaches(daemon.client, job, (d) => d.status === 'Running');
  return { engine, root, daemon, job };
}

test('a job whose container an engine restart stopped fails saying the engine restarted', async (t) => {
  const setup = await runningOnPrivateEngine(t);
  if (!setup) return;
  await setup.engine.restart();
  const end = await reaches(setup.daemon.client, setup.job, ended);
  assert.equal(end.status, 'Failed');
  assert.match(end.reason ?? '', /^the Docker engine was stopped or restarted while the job ran/);
});

test('a daemon started after an engine restart re-attaches and says the engine restarted, not "killed from outside"', async (t) => {
  const setup = await runningOnPrivateEngine(t);
  if (!setup) return;
  await kill(setup.daemon);
  await setup.engine.restart();
  const next = await startDaemonProcess(t, setup.root, { DOCKER_HOST: setup.engine.host });
  const end = await reaches(next.client, setup.job, ended);
  assert.equal(end.status, 'Failed');
  assert.match(end.reason ?? '', /^the Docker engine was stopped or restarted while the job ran/);
  assert.doesNotMatch(end.reason ?? '', /killed from outside/);
});

test('the exit description puts an engine restart before the signal it sent', () => {
  const info = { State: { Status: 'exited', OOMKilled: false, ExitCode: 143 }, HostConfig: {} } as never;
  assert.equal(describeExit(143, info, { stopRequested: false, engine: 'restarted' }).reason, ENGINE_RESTARTED_REASON);
  assert.equal(describeExit(143, info, { stopRequested: false, engine: 'same' }).reason, 'killed from outside mlw (SIGTERM)');
  assert.equal(describeExit(143, info, { stopRequested: true, engine: 'restarted' }).reason, 'stopped');
  assert.equal(describeExit(-1, undefined, { stopRequested: false, engine: 'restarted' }).reason, ENGINE_RESTARTED_REASON);
});
