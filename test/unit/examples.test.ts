import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import type { AssetKind } from '../../core/vocabulary';
import { logText, startPlane, statuses, workspace, type Plane } from '../support/control-plane';
import { DockerTestBed } from '../support/docker';

const docker = new DockerTestBed();
const EXAMPLES = path.resolve(__dirname, '../../examples');
const CLIENT_IMAGE = 'localtest/mlflow-client:2.12.2';

/** A workspace holding a copy of examples/, with a daemon; containers its jobs leave are removed afterwards. */
async function examplesWorkspace(t: TestContext): Promise<Plane> {
  const root = await workspace(t);
  fs.cpSync(EXAMPLES, root, { recursive: true });
  t.after(async () => {
    if (await docker.unavailableReason()) return;
    const left = await docker.docker.listContainers({ all: true, filters: { label: [`mlw.workspace=${root}`] } });
    await Promise.all(left.map((c) => docker.docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  });
  return startPlane(t, root);
}

const register = (plane: Plane, kind: AssetKind, file: string) => plane.client.assets.register(kind, { path: path.join(plane.root, file) });

test('examples/hello runs on the built-in local compute and on the docker cluster', async (t) => {
  const plane = await examplesWorkspace(t);
  const local = await plane.submit('hello/job.yml');
  const localEvents = await plane.events(local.name);
  assert.equal(statuses(localEvents).pop(), 'Completed', logText(localEvents));
  assert.match(logText(localEvents), /Hello from mlw/);
  if (!(await docker.ready(t))) return;
  await register(plane, 'compute', 'compute/cpu-cluster.yml');
  const onCluster = await plane.submit('hello/job.yml', ['compute=azureml:cpu-cluster']);
  const events = await plane.events(onCluster.name);
  assert.equal(statuses(events).pop(), 'Completed', logText(events));
  assert.match(logText(events), /Hello from mlw\npython 3\.11\.2 on [0-9a-f]{12}\n/, 'the container has its own hostname');
});

test('examples/train trains on the docker cluster with a built environment and a registered data asset', async (t) => {
  if (!(await docker.ready(t))) return;
  if (!(await docker.docker.getImage(CLIENT_IMAGE).inspect().then(() => true, () => false))) {
    const reason = `${CLIENT_IMAGE} is missing; run ../shared/scripts/mlflow/build-client-image.sh (npm test's pretest does)`;
    if (process.env.CI === 'true') throw new Error(reason);
    return t.skip(reason);
  }
  const plane = await examplesWorkspace(t);
  await register(plane, 'compute', 'compute/cpu-cluster.yml');
  await register(plane, 'environment', 'environments/sklearn/environment.yml');
  await register(plane, 'data', 'data/iris.yml');
  const job = await plane.submit('train/job.yml');
  const events = await plane.events(job.name);
  const log = logText(events);
  assert.equal(statuses(events).pop(), 'Completed', log);
  assert.match(log, /\[environment\] (built image|using cached image) mlw-env:/);
  assert.match(log, /\d+ rows from 3 files/);
  const detail = await plane.client.jobs.get(job.name);
  const model = detail.outputs.find((o) => o.name === 'model')!;
  assert.ok(model.files.includes('MLmodel'), model.files.join(', '));
  const metrics = detail.outputs.find((o) => o.name === 'metrics')!;
  assert.deepEqual(metrics.files, ['metrics.csv']);
});
