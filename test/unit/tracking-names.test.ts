import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startPlane, workspace } from '../support/control-plane';
import { mlflowCall, type MlflowReply } from '../support/mlflow';

function refusedAsInvalid(reply: MlflowReply, message: RegExp): void {
  assert.equal(reply.status, 400, reply.text);
  assert.deepEqual(Object.keys(reply.body).sort(), ['error_code', 'message']);
  assert.equal(reply.body.error_code, 'INVALID_PARAMETER_VALUE', reply.text);
  assert.match(reply.body.message, message);
}

test('control characters are refused in every name and key of the tracking API, with MLflow\'s error shape', async (t) => {
  const plane = await startPlane(t, await workspace(t));
  const { port, token } = plane.daemon.info;
  const call = (method: string, route: string, params?: Record<string, unknown>) => mlflowCall(port, token, method, route, params);
  const control = /control characters .*found U\+00(00|1B|0A|7F) at position \d+/;

  refusedAsInvalid(await call('POST', 'experiments/create', { name: 'exp\u0000nul' }), control);
  const experiments = (await call('POST', 'experiments/search', { max_results: 100 })).body.experiments as { name: string }[];
  assert.deepEqual(experiments.map((e) => e.name), ['Default']);
  refusedAsInvalid(await call('GET', 'experiments/get-by-name', { experiment_name: 'Default\u0000' }), control);

  const created = await call('POST', 'experiments/create', { name: 'ünïcode-ok' });
  assert.equal(created.status, 200, created.text);
  const id = created.body.experiment_id as string;
  refusedAsInvalid(await call('POST', 'experiments/update', { experiment_id: id, new_name: 'two\nlines' }), control);
  refusedAsInvalid(await call('POST', 'runs/create', { experiment_id: id, run_name: 'run\u001b[31mred' }), control);

  const run = await call('POST', 'runs/create', { experiment_id: id, run_name: 'plain' });
  assert.equal(run.status, 200, run.text);
  const runId = run.body.run.info.run_id as string;
  // MLflow's own key rule (mlflow/utils/validation.py): Python's \w takes Unicode letters, so `größe` is a valid key.
  assert.equal((await call('POST', 'runs/log-parameter', { run_id: runId, key: 'größe', value: 'x' })).status, 200);
  refusedAsInvalid(await call('POST', 'runs/log-metric', { run_id: runId, key: 'loss\u007f', value: 1, timestamp: 1, step: 0 }), control);
  refusedAsInvalid(await call('POST', 'runs/log-batch', { run_id: runId, params: [{ key: 'a\u0000b', value: '1' }] }), control);
  refusedAsInvalid(await call('POST', 'runs/set-tag', { run_id: runId, key: 't\u0000', value: 'v' }), control);
  refusedAsInvalid(await call('POST', 'runs/log-parameter', { run_id: runId, key: 'k'.repeat(251), value: 'x' }), /Param key 'k+' had length 251, which exceeded length limit of 250/);
  refusedAsInvalid(await call('POST', 'registered-models/create', { name: 'model\u0000shadow' }), control);
  assert.equal((await call('POST', 'registered-models/create', { name: 'model' })).status, 200);
  refusedAsInvalid(await call('GET', 'registered-models/get', { name: 'model\u0000' }), control);
});
