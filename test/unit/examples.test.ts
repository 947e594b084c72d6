import assert from 'node:assert/strict';
import { test } from 'node:test';
import { logText, statuses } from '../support/control-plane';
import { docker, dockerWithClientImage, examplesWorkspace, register } from '../support/examples';

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
  if (!(await dockerWithClientImage(t))) return;
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
