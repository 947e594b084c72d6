import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import type { JobEvent } from '../../core/vocabulary';
import { logText, startPlane, statuses, workspace } from '../support/control-plane';
import { bridgeGateway } from '../../core/tracking/bridge';
import { DockerTestBed } from '../support/docker';
import { MLFLOW_CLIENT_IMAGE, mlflowCall } from '../support/mlflow';

const docker = new DockerTestBed();
const EXAMPLE = path.join(__dirname, '../../examples/mlflow');
const BOX_COMPUTE = 'name: box\ntype: docker\nmax_instances: 1\n';

/** Docker and the client image (../shared/scripts/mlflow/build-client-image.sh) are needed; under CI they must be there. */
async function ready(t: TestContext): Promise<boolean> {
  if (!(await docker.ready(t))) return false;
  if (await docker.docker.getImage(MLFLOW_CLIENT_IMAGE).inspect().then(() => true, () => false)) return true;
  const reason = `image ${MLFLOW_CLIENT_IMAGE} is missing; run ../shared/scripts/mlflow/build-client-image.sh`;
  if (process.env.CI === 'true') throw new Error(reason);
  t.skip(reason);
  return false;
}

test('a job on docker compute reaches the tracking API through host.docker.internal with its run token', async (t) => {
  if (!(await ready(t))) return;
  const job = fs.readFileSync(path.join(EXAMPLE, 'job.yml'), 'utf8').replace('compute: azureml:local', 'compute: azureml:box');
  assert.match(job, /compute: azureml:box/);
  const root = await workspace(t, { 'box.yml': BOX_COMPUTE, 'mlflow/job.yml': job, 'mlflow/src/train.py': fs.readFileSync(path.join(EXAMPLE, 'src/train.py'), 'utf8') });
  t.after(async () => {
    const left = await docker.docker.listContainers({ all: true, filters: { label: [`mlw.workspace=${root}`] } });
    await Promise.all(left.map((c) => docker.docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  });
  const plane = await startPlane(t, root);
  const { port, token } = plane.daemon.info;
  await plane.client.assets.register('compute', { path: path.join(root, 'box.yml') });
  const submitted = await plane.submit('mlflow/job.yml');
  const events = await plane.events(submitted.name);
  const log = logText(events);
  assert.equal(statuses(events).pop(), 'Completed', log);
  const bridgePort = Number(new RegExp(`logging to run ${submitted.name} at http://host\\.docker\\.internal:(\\d+)`).exec(log)?.[1]);
  assert.ok(bridgePort > 0, log);

  // The bridge listener serves the tracking API to run tokens only: not the workspace token, not the workspace API.
  const bridge = await bridgeGateway(docker.docker);
  assert.equal((await mlflowCall(bridgePort, token, 'GET', 'runs/get', { run_id: submitted.name }, bridge)).status, 401);
  assert.equal((await mlflowCall(bridgePort, token, 'GET', '/api/jobs', {}, bridge)).status, 404);

  const lossSteps = events.filter((e): e is Extract<JobEvent, { type: 'metric' }> => e.type === 'metric' && e.key === 'loss').map((e) => e.step);
  assert.deepEqual(lossSteps, Array.from({ length: 20 }, (_, i) => i));
  const run = (await mlflowCall(port, token, 'GET', 'runs/get', { run_id: submitted.name })).body.run;
  assert.equal(run.info.status, 'FINISHED');
  assert.ok(run.data.params.some((p: { key: string; value: string }) => p.key === 'epochs' && p.value === '20'));
  const stored = path.join(root, '.mlw/datastores/workspaceartifactstore', run.info.experiment_id, submitted.name, 'artifacts');
  assert.ok(fs.existsSync(path.join(stored, 'model/MLmodel')));
  assert.ok(fs.existsSync(path.join(stored, 'summary/summary.json')));
  const asset = await plane.client.assets.get('model', 'iris-classifier');
  assert.equal(asset.job, submitted.name);
});
