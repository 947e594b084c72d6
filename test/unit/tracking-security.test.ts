import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { readServeInfo } from '../../core/api/client';
import type { ServeInfo } from '../../core/api/contracts';
import { commandJob, logText, startPlane, workspace } from '../support/control-plane';
import { waitFor } from '../support/docker';
import { mlflowCall } from '../support/mlflow';

// The durability test runs the built daemon (`npm test` builds before testing).
const OUT = path.resolve(__dirname, '../../out');

function startDaemonProcess(t: TestContext, root: string): ChildProcess {
  const child = spawn(process.execPath, [path.join(OUT, 'daemon.js'), '--workspace', root, '--idle-timeout', '0'], { stdio: 'ignore' });
  t.after(() => child.exitCode === null && child.kill('SIGKILL'));
  return child;
}

function serveInfoOf(root: string, pid: number): Promise<ServeInfo> {
  return waitFor('serve.json of the new daemon', () => {
    const info = readServeInfo(root);
    return info?.pid === pid ? info : undefined;
  });
}

test('an acknowledged log-batch survives SIGKILL of the daemon', async (t) => {
  const root = await workspace(t);
  const first = startDaemonProcess(t, root);
  const info = await serveInfoOf(root, first.pid!);
  const runId = (await mlflowCall(info.port, info.token, 'POST', 'runs/create', { experiment_id: '0' })).body.run.info.run_id;
  const metrics = Array.from({ length: 999 }, (_, i) => ({ key: 'loss', value: i / 7, timestamp: 1700000000000 + i, step: i }));
  const acknowledged = await mlflowCall(info.port, info.token, 'POST', 'runs/log-batch', { run_id: runId, metrics, params: [{ key: 'lr', value: '0.01' }] });
  assert.equal(acknowledged.status, 200);
  first.kill('SIGKILL');
  await new Promise((resolve) => first.once('exit', resolve));

  const second = startDaemonProcess(t, root);
  const again = await serveInfoOf(root, second.pid!);
  const history = (await mlflowCall(again.port, again.token, 'GET', 'metrics/get-history', { run_id: runId, metric_key: 'loss' })).body.metrics;
  assert.equal(history.length, 999);
  assert.deepEqual(history.map((m: { value: number }) => m.value), metrics.map((m) => m.value));
  const run = (await mlflowCall(again.port, again.token, 'GET', 'runs/get', { run_id: runId })).body.run;
  assert.deepEqual(run.data.params, [{ key: 'lr', value: '0.01' }]);
  second.kill('SIGTERM');
});

test('a job gets a per-run token that writes only to its own run (and runs nested under it)', async (t) => {
  const root = await workspace(t, {
    'job.yml': commandJob('echo "token=$MLFLOW_TRACKING_TOKEN run=$MLFLOW_RUN_ID experiment=$MLFLOW_EXPERIMENT_ID uri=$MLFLOW_TRACKING_URI"', 'experiment_name: secure\n'),
  });
  const plane = await startPlane(t, root);
  const { port, token: workspaceToken } = plane.daemon.info;
  const job = await plane.submit('job.yml');
  const log = logText(await plane.events(job.name));
  const env = Object.fromEntries([...log.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));
  assert.equal(env.run, job.name);
  assert.equal(env.uri, `http://127.0.0.1:${port}`);
  const experiment = (await mlflowCall(port, workspaceToken, 'GET', 'experiments/get-by-name', { experiment_name: 'secure' })).body.experiment;
  assert.equal(env.experiment, experiment.experiment_id);
  const runToken = env.token!;
  assert.notEqual(runToken, workspaceToken);

  const own = (route: string, params: Record<string, unknown>, method = 'POST') => mlflowCall(port, runToken, method, route, params);
  assert.equal((await own('runs/log-metric', { run_id: job.name, key: 'late', value: 1, timestamp: Date.now() })).status, 200);
  assert.equal((await own('runs/get', { run_id: job.name }, 'GET')).status, 200, 'reads are allowed');

  const other = (await mlflowCall(port, workspaceToken, 'POST', 'runs/create', { experiment_id: '0' })).body.run.info;
  for (const [route, params] of [
    ['runs/log-metric', { run_id: other.run_id, key: 'x', value: 1, timestamp: 1 }],
    ['runs/log-batch', { run_id: other.run_id, metrics: [{ key: 'x', value: 1, timestamp: 1 }] }],
    ['runs/set-tag', { run_id: other.run_id, key: 'x', value: 'y' }],
    ['runs/update', { run_id: other.run_id, status: 'KILLED' }],
    ['runs/delete', { run_id: other.run_id }],
    ['experiments/create', { name: 'sneaky' }],
    ['experiments/delete', { experiment_id: '0' }],
    ['runs/create', { experiment_id: '0' }],
  ] as const) {
    const reply = await own(route, params);
    assert.equal(reply.status, 403, `${route}: ${reply.text}`);
    assert.equal(reply.body.error_code, 'PERMISSION_DENIED');
  }
  const put = (runPath: string) => mlflowCall(port, runToken, 'PUT', `/api/2.0/mlflow-artifacts/artifacts/${runPath}/artifacts/file.txt`);
  assert.equal((await put(`${experiment.experiment_id}/${job.name}`)).status, 200);
  assert.equal((await put(`0/${other.run_id}`)).status, 403);

  await mlflowCall(port, workspaceToken, 'POST', 'registered-models/create', { name: 'shared-model' });
  const ownModel = await own('model-versions/create', { name: 'shared-model', source: `runs:/${job.name}/artifacts`, run_id: job.name });
  assert.equal(ownModel.status, 200, ownModel.text);
  const borrowed = await own('model-versions/create', { name: 'shared-model', source: `runs:/${other.run_id}/model`, run_id: job.name });
  assert.equal(borrowed.status, 403, `another run's artifacts: ${borrowed.text}`);
  const outside = await own('model-versions/create', { name: 'shared-model', source: '/etc', run_id: job.name });
  assert.equal(outside.status, 403, `a path outside any run: ${outside.text}`);

  const child = (await own('runs/create', { experiment_id: experiment.experiment_id, tags: [{ key: 'mlflow.parentRunId', value: job.name }] })).body.run.info;
  assert.equal((await own('runs/log-metric', { run_id: child.run_id, key: 'nested', value: 1, timestamp: 1 })).status, 200);

  assert.equal((await mlflowCall(port, runToken, 'GET', '/api/jobs')).status, 401, 'run tokens open the tracking API only');
  const forged = `mlwrun.${other.run_id}.${runToken.split('.').pop()}`;
  assert.equal((await mlflowCall(port, forged, 'POST', 'runs/log-metric', { run_id: other.run_id, key: 'x', value: 1, timestamp: 1 })).status, 401);
});

test('requests without a token get 401, oversized bodies 413, oversized batches MLflow\'s 400', async (t) => {
  const plane = await startPlane(t, await workspace(t));
  const { port, token } = plane.daemon.info;
  for (const route of ['experiments/search', '/api/2.0/mlflow-artifacts/artifacts']) {
    assert.equal((await mlflowCall(port, undefined, 'GET', route)).status, 401, route);
    assert.equal((await mlflowCall(port, 'wrong', 'GET', route)).status, 401, route);
  }
  const runId = (await mlflowCall(port, token, 'POST', 'runs/create', { experiment_id: '0' })).body.run.info.run_id;
  const huge = await mlflowCall(port, token, 'POST', 'runs/set-tag', { run_id: runId, key: 'big', value: 'x'.repeat(11 * 1024 * 1024) });
  assert.equal(huge.status, 413);
  assert.equal(huge.body.error_code, 'REQUEST_LIMIT_EXCEEDED');
  const tooBig = await mlflowCall(port, token, 'POST', 'runs/log-batch', { run_id: runId, tags: [{ key: 'big', value: 'x'.repeat(2_000_000) }] });
  assert.equal(tooBig.status, 400);
  assert.match(tooBig.body.message, /at most 1000000 bytes/);
});
