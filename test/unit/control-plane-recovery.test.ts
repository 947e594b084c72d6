import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { HostProcessDriver } from '../../core/compute/host';
import { readRunRecord } from '../../core/engine/run-record';
import { Store } from '../../core/store/database';
import { JobRepository } from '../../core/store/jobs';
import { ApiClient } from '../../core/api/client';
import { startDaemon } from '../../daemon/start-daemon';
import { COMMAND_SCHEMA, commandJob, startPlane, workspace } from '../support/control-plane';
import { detail, ended, isRunning, kill, reaches, startDaemonProcess, submit, type Daemon } from '../support/daemon-process';
import { BUSYBOX_IMAGE, DockerTestBed, waitFor } from '../support/docker';

// A crash or power cut loses the database's last commits (they are not synced); the run folder must keep a job from
// running twice. The lost commits are made deterministic: a copy of the database taken while the daemon is frozen
// is put back after the daemon was killed.

/** Copies the database files while the daemon is frozen, so the copy holds exactly what was committed then. */
function copyDatabaseFrozen(daemon: Daemon, root: string, to: string): void {
  const mlw = path.join(root, '.mlw');
  process.kill(daemon.child.pid!, 'SIGSTOP');
  try {
    fs.mkdirSync(to, { recursive: true });
    for (const file of databaseFiles(mlw)) fs.copyFileSync(path.join(mlw, file), path.join(to, file));
  } finally {
    process.kill(daemon.child.pid!, 'SIGCONT');
  }
}

/** Puts the copied database back: every commit after the copy is lost. */
function restoreDatabase(root: string, from: string): void {
  const mlw = path.join(root, '.mlw');
  for (const file of databaseFiles(mlw)) fs.rmSync(path.join(mlw, file), { force: true });
  for (const file of fs.readdirSync(from)) fs.copyFileSync(path.join(from, file), path.join(mlw, file));
}

function databaseFiles(mlw: string): string[] {
  return fs.readdirSync(mlw).filter((file) => file.startsWith('mlw.db') && fs.statSync(path.join(mlw, file)).isFile());
}

/** How many times a job's command ran: it appends one line per run to a file outside the run folder. */
function runCount(marks: string, name: string): number {
  const file = path.join(marks, name);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
}

/** A workspace with a one-instance local compute, so jobs wait Queued behind one held Running. */
async function oneInstanceWorkspace(t: TestContext, jobs: Record<string, string>) {
  const root = await workspace(t);
  const marks = path.join(root, 'marks');
  fs.mkdirSync(marks);
  // Held runs loop while their file exists, so they also end once the test's folder is removed.
  const holds = { blocker: path.join(root, 'hold-blocker'), job: path.join(root, 'hold-job') };
  for (const hold of Object.values(holds)) fs.writeFileSync(hold, '');
  const env = `environment_variables:\n  MARKS: ${marks}\n  HOLD_BLOCKER: ${holds.blocker}\n  HOLD_JOB: ${holds.job}\n`;
  const files: Record<string, string> = {
    'one.yml': 'name: one\ntype: local\nmax_instances: 1\n',
    'blocker.yml': `${COMMAND_SCHEMA}\ntype: command\ncommand: ${JSON.stringify('echo ran >> "$MARKS/blocker"; while [ -f "$HOLD_BLOCKER" ]; do sleep 0.05; done')}\nenvironment:\n  image: localtest/python:3-bookworm\ncompute: azureml:one\n${env}`,
  };
  for (const [name, command] of Object.entries(jobs)) files[`${name}.yml`] = `${COMMAND_SCHEMA}\ntype: command\ncommand: ${JSON.stringify(command)}\nenvironment:\n  image: localtest/python:3-bookworm\ncompute: azureml:one\n${env}`;
  for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(root, file), text);
  const daemon = await startDaemonProcess(t, root);
  await daemon.client.assets.register('compute', { path: path.join(root, 'one.yml') });
  const blocker = await submit(daemon.client, root, 'blocker.yml');
  await reaches(daemon.client, blocker, (d) => d.status === 'Running');
  return { root, marks, holds, daemon, blocker, backup: path.join(root, 'db-copy') };
}

test('jobs whose later commits the database lost are finished from their run folder, never run again', async (t) => {
  const { root, marks, holds, daemon, blocker, backup } = await oneInstanceWorkspace(t, {
    ok: 'echo ran >> "$MARKS/ok"; echo fine',
    bad: 'echo ran >> "$MARKS/bad"; echo broken; exit 3',
    canceled: 'echo ran >> "$MARKS/canceled"; while [ -f "$HOLD_JOB" ]; do sleep 0.05; done',
  });
  const ok = await submit(daemon.client, root, 'ok.yml');
  const bad = await submit(daemon.client, root, 'bad.yml');
  const canceled = await submit(daemon.client, root, 'canceled.yml');
  assert.equal((await detail(daemon.client, ok)).status, 'Queued');
  copyDatabaseFrozen(daemon, root, backup);
  fs.rmSync(holds.blocker);
  await reaches(daemon.client, canceled, (d) => d.status === 'Running');
  await daemon.client.jobs.cancel(canceled);
  await reaches(daemon.client, canceled, ended);
  await kill(daemon);
  restoreDatabase(root, backup);

  const next = await startDaemonProcess(t, root);
  const ends = await Promise.all([blocker, ok, bad, canceled].map((job) => reaches(next.client, job, ended)));
  assert.deepEqual(ends.map((end) => end.status), ['Completed', 'Completed', 'Failed', 'Canceled'], ends.map((end) => end.reason).join(' / '));
  assert.match(ends[2]!.reason ?? '', /^exit code 3; last log lines:\n[\s\S]*broken/);
  assert.equal(ends[3]!.reason, 'canceled by the user');
  assert.deepEqual(['blocker', 'ok', 'bad', 'canceled'].map((name) => runCount(marks, name)), [1, 1, 1, 1], 'each command ran exactly once');
});

test('a job that started but left neither an exit record nor a process ends Failed: its fate is unknown', async (t) => {
  const { root, marks, holds, daemon, blocker, backup } = await oneInstanceWorkspace(t, {
    lost: 'echo ran >> "$MARKS/lost"; while [ -f "$HOLD_JOB" ]; do sleep 0.05; done',
  });
  const lost = await submit(daemon.client, root, 'lost.yml');
  copyDatabaseFrozen(daemon, root, backup);
  fs.rmSync(holds.blocker);
  await reaches(daemon.client, lost, (d) => d.status === 'Running');
  await waitFor('the job to run', () => runCount(marks, 'lost') === 1);
  await kill(daemon);
  const pid = Number(fs.readFileSync(path.join(root, '.mlw/runs', lost, 'state/pid'), 'utf8'));
  process.kill(-pid, 'SIGKILL');
  await waitFor('the job process to end', () => !isRunning(pid));
  restoreDatabase(root, backup);

  const next = await startDaemonProcess(t, root);
  const end = await reaches(next.client, lost, ended);
  assert.equal(end.status, 'Failed');
  assert.match(end.reason ?? '', /fate is unknown/);
  assert.equal(runCount(marks, 'lost'), 1, 'not run again');
  assert.equal((await reaches(next.client, blocker, ended)).status, 'Completed');
});

test('on a docker compute, jobs whose later commits the database lost end as their removed containers did, not "vanished"', async (t) => {
  const docker = new DockerTestBed();
  if (!(await docker.ready(t))) return;
  const root = await workspace(t, { 'box.yml': 'name: box\ntype: docker\nmax_instances: 2\n' });
  t.after(async () => {
    const left = await docker.docker.listContainers({ all: true, filters: { label: [`mlw.workspace=${root}`] } });
    await Promise.all(left.map((c) => docker.docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  });
  const marks = path.join(root, 'marks');
  fs.mkdirSync(marks);
  // Containers may run as another user than the test.
  fs.chmodSync(marks, 0o777);
  fs.writeFileSync(path.join(marks, 'hold'), '');
  const job = (name: string, tail: string) =>
    `${COMMAND_SCHEMA}\ntype: command\ncommand: ${JSON.stringify(`echo ran >> \${{inputs.marks}}/${name}; while [ -f \${{inputs.marks}}/hold ]; do sleep 0.05; done; ${tail}`)}\n` +
    `environment:\n  image: ${BUSYBOX_IMAGE}\ncompute: azureml:box\ninputs:\n  marks:\n    type: uri_folder\n    path: ./marks\n    mode: rw_mount\n`;
  fs.writeFileSync(path.join(root, 'ok.yml'), job('ok', 'echo fine'));
  fs.writeFileSync(path.join(root, 'bad.yml'), job('bad', 'echo broken; exit 3'));
  const daemon = await startDaemonProcess(t, root);
  await daemon.client.assets.register('compute', { path: path.join(root, 'box.yml') });
  const ok = await submit(daemon.client, root, 'ok.yml');
  const bad = await submit(daemon.client, root, 'bad.yml');
  for (const name of [ok, bad]) await reaches(daemon.client, name, (d) => d.status === 'Running');
  const backup = path.join(root, 'db-copy');
  copyDatabaseFrozen(daemon, root, backup);
  fs.rmSync(path.join(marks, 'hold'));
  for (const name of [ok, bad]) await reaches(daemon.client, name, ended);
  await kill(daemon);
  restoreDatabase(root, backup);

  const next = await startDaemonProcess(t, root);
  const [okEnd, badEnd] = await Promise.all([ok, bad].map((name) => reaches(next.client, name, ended)));
  assert.deepEqual([okEnd!.status, badEnd!.status], ['Completed', 'Failed'], `${okEnd!.reason} / ${badEnd!.reason}`);
  assert.match(badEnd!.reason ?? '', /^exit code 3; last log lines:\n[\s\S]*broken/);
  assert.deepEqual(['ok', 'bad'].map((name) => runCount(marks, name)), [1, 1], 'each command ran exactly once');
});

test('the host driver does not re-attach to another process that got the run\'s pid', async (t) => {
  const root = await workspace(t);
  const hold = path.join(root, 'hold');
  fs.writeFileSync(hold, '');
  const driver = new HostProcessDriver();
  const plan = { logFile: path.join(root, 'log.txt'), stateDir: path.join(root, 'state') };
  const run = await driver.start({ ...plan, runId: 'r', command: `while [ -f "${hold}" ]; do sleep 0.05; done`, workingDir: root, env: {}, mounts: [], labels: {} });
  t.after(() => run.stop());
  const startFile = path.join(plan.stateDir, 'pid-start');
  const recorded = fs.readFileSync(startFile, 'utf8');
  assert.ok((await driver.reattach('r', run.ref, plan)) !== undefined, 'the same process is found again');
  fs.writeFileSync(startFile, String(Number(recorded) + 1));
  assert.equal(await driver.reattach('r', run.ref, plan), undefined, 'a process started at another time is not the run');
  fs.rmSync(hold);
  assert.equal((await run.exited).exitCode, 0);
});

test('a job whose daemon stopped while it was Finalizing ends as its run folder recorded: canceled, or why it was killed', async (t) => {
  const root = await workspace(t);
  fs.writeFileSync(path.join(root, 'hold'), '');
  fs.writeFileSync(path.join(root, 'canceled.yml'), commandJob('while [ -f "$HOLD" ]; do sleep 0.05; done', `environment_variables:\n  HOLD: ${path.join(root, 'hold')}\n`));
  // Killed from outside its command (here by itself): the exit has a reason besides its code.
  fs.writeFileSync(path.join(root, 'killed.yml'), commandJob('echo about to go; kill -TERM 0; sleep 5'));
  const daemon = await startDaemonProcess(t, root);
  const canceled = await submit(daemon.client, root, 'canceled.yml');
  const killed = await submit(daemon.client, root, 'killed.yml');
  await reaches(daemon.client, canceled, (d) => d.status === 'Running');
  await daemon.client.jobs.cancel(canceled);
  for (const job of [canceled, killed]) await reaches(daemon.client, job, ended);
  await kill(daemon);
  // The database lost every commit after the exit code and Finalizing (the daemon crashed while uploading outputs).
  const store = Store.open(path.join(root, '.mlw/mlw.db'), { exclusive: true });
  const repository = new JobRepository(store);
  for (const job of [canceled, killed]) {
    repository.setStatus(job, 'Finalizing', { exit_code: readRunRecord(path.join(root, '.mlw/runs', job)).exited!.exitCode, ended_at: null });
  }
  store.close();

  const next = await startDaemonProcess(t, root);
  const [canceledEnd, killedEnd] = await Promise.all([canceled, killed].map((job) => reaches(next.client, job, ended)));
  assert.deepEqual([canceledEnd!.status, canceledEnd!.reason], ['Canceled', 'canceled by the user']);
  assert.equal(killedEnd!.status, 'Failed');
  assert.match(killedEnd!.reason ?? '', /^killed by SIGTERM \(exit code 143\); last log lines:\nabout to go/);
});

test('a running job picked up after a restart keeps the inputs it was given: download inputs are not copied again', async (t) => {
  const root = await workspace(t, { 'data/data.txt': 'as given\n' });
  const hold = path.join(root, 'hold');
  fs.writeFileSync(hold, '');
  const command = `echo changed by the job >> \${{inputs.data}}/data.txt; while [ -f "$HOLD" ]; do sleep 0.05; done; cat \${{inputs.data}}/data.txt`;
  fs.writeFileSync(path.join(root, 'job.yml'), commandJob(command, `environment_variables:\n  HOLD: ${hold}\ninputs:\n  data:\n    type: uri_folder\n    path: ./data\n    mode: download\n`));
  const daemon = await startDaemonProcess(t, root);
  const job = await submit(daemon.client, root, 'job.yml');
  const staged = path.join(root, '.mlw/runs', job, 'inputs/data/data.txt');
  await waitFor('the job to change its copy', () => fs.existsSync(staged) && fs.readFileSync(staged, 'utf8').includes('changed by the job'));
  await kill(daemon);

  const next = await startDaemonProcess(t, root);
  fs.rmSync(hold);
  const end = await reaches(next.client, job, ended);
  assert.equal(end.status, 'Completed', end.reason ?? '');
  assert.equal(fs.readFileSync(staged, 'utf8'), 'as given\nchanged by the job\n');
});

test('a control plane closed in-process with jobs running leaves them quietly to the next one, which finishes them', async (t) => {
  const root = await workspace(t);
  const hold = path.join(root, 'hold');
  fs.writeFileSync(hold, '');
  fs.writeFileSync(path.join(root, 'job.yml'), commandJob('echo started; while [ -f "$HOLD" ]; do sleep 0.05; done; echo released', `environment_variables:\n  HOLD: ${hold}\n`));
  const failures: unknown[] = [];
  const onFailure = (error: unknown) => failures.push(error);
  process.on('unhandledRejection', onFailure);
  t.after(() => process.off('unhandledRejection', onFailure));
  const first = await startDaemon({ root, version: 'test', port: 0 });
  const client = new ApiClient(first.info.port, first.info.token);
  const { job } = await client.jobs.submit({ path: path.join(root, 'job.yml') });
  await waitFor('Running', async () => (await client.jobs.get(job.name)).status === 'Running');
  client.close();
  await first.stop();

  const next = await startPlane(t, root);
  fs.rmSync(hold);
  await waitFor('the first plane\'s runner to see the process end', () => !isRunning(Number(readRunRecord(path.join(root, '.mlw/runs', job.name)).started?.ref)), 30_000);
  const end = await reaches(next.client, job.name, ended);
  assert.equal(end.status, 'Completed', end.reason ?? '');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(failures.map(String), [], 'nothing failed after the first plane closed');
});
