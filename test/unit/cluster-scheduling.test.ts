import assert from 'node:assert/strict';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { COMMAND_SCHEMA, logText, refusal, startPlane, statuses, workspace, type Plane } from '../support/control-plane';
import { BUSYBOX_IMAGE, DockerTestBed, waitFor } from '../support/docker';
import type { JobSummary } from '../../core/vocabulary';

const docker = new DockerTestBed();

/** A job of `instances` instances (a pytorch distribution beyond one) on the 3-instance compute `trio`. */
function job(command: string, instances: number): string {
  const distributed = instances > 1 ? `distribution:\n  type: pytorch\nresources:\n  instance_count: ${instances}\n` : '';
  return `${COMMAND_SCHEMA}\ntype: command\nexperiment_name: gang\ncommand: ${JSON.stringify(command)}\nenvironment:\n  image: ${BUSYBOX_IMAGE}\ncompute: azureml:trio\n${distributed}`;
}

/** A daemon whose workspace holds `files` and the registered compute `trio`, running `running` (a job file) on it. */
async function trioRunning(t: TestContext, running: string, files: Record<string, string>): Promise<{ plane: Plane; running: JobSummary }> {
  const root = await workspace(t, { 'trio.yml': 'name: trio\ntype: docker\nmax_instances: 3\n', ...files });
  t.after(async () => {
    for (const c of await docker.docker.listContainers({ all: true, filters: { label: [`mlw.workspace=${root}`] } })) await docker.docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
  });
  const plane = await startPlane(t, root);
  await plane.client.assets.register('compute', { path: path.join(root, 'trio.yml') });
  const job = await plane.submit(running);
  await waitFor(`${running} to run`, async () => (await plane.client.jobs.get(job.name)).status === 'Running', 30_000);
  return { plane, running: job };
}

test('a job takes as many of its compute\'s instances as it runs on, all at once; the queue keeps its order', async (t) => {
  if (!(await docker.ready(t))) return;
  const { plane, running: pair } = await trioRunning(t, 'pair.yml', {
    'pair.yml': job('echo "rank $RANK up"; sleep 300', 2),
    'second-pair.yml': job('echo "second pair rank $RANK"', 2),
    'single.yml': job('echo single', 1),
    'quartet.yml': job('echo never', 4),
  });
  // 2 of 3 instances are busy: a pair waits for 2, and a single job behind it waits its turn though one is free.
  const secondPair = await plane.submit('second-pair.yml');
  const single = await plane.submit('single.yml');
  assert.equal(secondPair.status, 'Queued');
  assert.equal(secondPair.reason, "waiting for 2 free instances (the job's instances start together) of trio: 2/3 busy, 0 ahead");
  assert.equal(single.status, 'Queued');
  assert.equal(single.reason, 'waiting for a free instance of trio: 2/3 busy, 2 ahead');
  const queue = await plane.client.computes.queue('trio');
  assert.deepEqual(queue.queued.map((q) => q.job), [secondPair.name, single.name]);
  assert.deepEqual(queue.running, [pair.name]);

  // More instances than the compute has: refused on submit, since it could never start.
  const refused = await refusal(plane.submit('quartet.yml'));
  assert.equal(refused.status, 400);
  assert.match(refused.message, /resources\.instance_count: 4: compute trio has 3 instances \(max_instances\); a job's instances start together, so it would never start/);

  await plane.client.jobs.cancel(pair.name);
  for (const waiting of [secondPair, single]) {
    const events = await plane.events(waiting.name);
    assert.equal(statuses(events).at(-1), 'Completed', logText(events));
  }
  assert.match(logText(await plane.events(secondPair.name)), /^\[rank 1\] second pair rank 1$/m);
});

test('a distributed job queued behind others counts the instances they take ahead of it, listed or detailed', async (t) => {
  if (!(await docker.ready(t))) return;
  const { plane, running } = await trioRunning(t, 'pair.yml', { 'pair.yml': job('sleep 300', 2), 'single.yml': job('echo single', 1) });
  const queued = [await plane.submit('pair.yml'), await plane.submit('single.yml'), await plane.submit('pair.yml')];
  const last = queued[2]!;
  const expected = "waiting for 2 free instances (the job's instances start together) of trio: 2/3 busy, 3 ahead";
  assert.equal(last.reason, expected);
  assert.equal((await plane.client.jobs.list()).find((j) => j.name === last.name)?.reason, expected);
  assert.equal((await plane.client.jobs.get(last.name)).reason, expected);
  assert.deepEqual((await plane.client.computes.queue('trio')).queued.at(-1), { job: last.name, reason: expected });

  // The last first, so no queued job starts while the others are canceled.
  for (const job of [...queued].reverse()) await plane.client.jobs.cancel(job.name);
  await plane.client.jobs.cancel(running.name);
  for (const job of [running, ...queued]) assert.equal(await plane.finalStatus(job.name), 'Canceled');
});
