import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { readServeInfo } from '../../core/api/connect';
import { runFiles } from '../../core/engine/layout';
import { BEAT_SCRIPT, beatsAfter } from '../support/beats';
import { COMMAND_SCHEMA, workspace } from '../support/control-plane';
import { ended, kill, reaches, startDaemonProcess, submit } from '../support/daemon-process';
import { DockerTestBed, PYTHON_IMAGE, waitFor } from '../support/docker';

// A job that keeps running while the daemon restarts holds the tracking URI it was started with: the next daemon's
// listeners must be on the same ports for its metrics to keep arriving.

function beatingJob(compute: string): string {
  return `${COMMAND_SCHEMA}\ntype: command\ncode: ./src\ncommand: python3 beat.py\nenvironment:\n  image: ${PYTHON_IMAGE}\ncompute: azureml:${compute}\nexperiment_name: beats\n`;
}

/** Starts a beating job, waits for its first point, stops the daemon (SIGTERM), runs `between`, starts the next one. */
async function restartUnderJob(t: TestContext, root: string, jobFile: string, between: () => Promise<void> = async () => undefined) {
  const first = await startDaemonProcess(t, root);
  if (fs.existsSync(path.join(root, 'box.yml'))) await first.client.assets.register('compute', { path: path.join(root, 'box.yml') });
  const job = await submit(first.client, root, jobFile);
  await reaches(first.client, job, (d) => d.status === 'Running');
  await waitFor('a point logged before the restart', async () => (await beatsAfter(first, job, 0)) > 0, 60_000).catch((error: Error) => {
    const files = runFiles(path.join(root, '.mlw', 'runs', job));
    const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');
    throw new Error(`${error.message}; the job's logs:\n${read(files.systemLogFile)}${read(files.logFile)}`);
  });
  await kill(first, 'SIGTERM');
  await between();
  const restartedAt = Date.now();
  const next = await startDaemonProcess(t, root);
  t.after(async () => {
    await next.client.jobs.cancel(job).catch(() => undefined);
    await reaches(next.client, job, ended).catch(() => undefined);
  });
  assert.equal((await next.client.jobs.get(job)).status, 'Running', 'the job ran on while no daemon was there');
  return { job, next, restartedAt };
}

test('a Docker job that runs on while the daemon restarts keeps logging metrics to the next daemon', async (t) => {
  const docker = new DockerTestBed();
  if (!(await docker.ready(t))) return;
  const root = await workspace(t, {
    'src/beat.py': BEAT_SCRIPT,
    'box.yml': 'name: box\ntype: docker\n',
    'job.yml': beatingJob('box'),
  });
  t.after(async () => {
    const left = await docker.docker.listContainers({ all: true, filters: { label: [`mlw.workspace=${root}`] } });
    await Promise.all(left.map((c) => docker.docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  });
  const { job, next, restartedAt } = await restartUnderJob(t, root, 'job.yml');
  await waitFor('a point logged after the restart', async () => (await beatsAfter(next, job, restartedAt)) > 0, 30_000);
});

test('a host-process job that runs on while the daemon restarts keeps logging metrics to the next daemon', async (t) => {
  const root = await workspace(t, { 'src/beat.py': BEAT_SCRIPT, 'job.yml': beatingJob('local') });
  const { job, next, restartedAt } = await restartUnderJob(t, root, 'job.yml');
  await waitFor('a point logged after the restart', async () => (await beatsAfter(next, job, restartedAt)) > 0, 30_000);
});

test('when its port was taken meanwhile, the next daemon listens on another and the job\'s log says its tracking is lost', async (t) => {
  const root = await workspace(t, { 'src/beat.py': BEAT_SCRIPT, 'job.yml': beatingJob('local') });
  const squatter = net.createServer((socket) => socket.destroy());
  t.after(() => squatter.close());
  let taken = 0;
  const { job, next } = await restartUnderJob(t, root, 'job.yml', async () => {
    taken = JSON.parse(fs.readFileSync(path.join(root, '.mlw', 'listener-ports.json'), 'utf8')).api as number;
    await new Promise<void>((resolve, reject) => squatter.once('error', reject).listen(taken, '127.0.0.1', resolve));
  });
  assert.notEqual(readServeInfo(root)?.port, taken, 'the daemon took a free port');
  const systemLog = runFiles(path.join(root, '.mlw', 'runs', job)).systemLogFile;
  const text = await waitFor('the job\'s log to say so', () => fs.readFileSync(systemLog, 'utf8').includes('tracking lost') && fs.readFileSync(systemLog, 'utf8'), 30_000);
  assert.match(text, new RegExp(`tracking lost: this run logs to port ${taken}, .* listens on ${readServeInfo(root)?.port} now`));
  assert.equal((await next.client.jobs.get(job)).status, 'Running', 'the job itself runs on');
});
