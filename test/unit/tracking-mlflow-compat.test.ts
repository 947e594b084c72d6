// What MLflow's own REST suite checks, held without Python: MLflow's request validation messages, model versions
// whose run_id names no run, model-version search order, the UI's /ajax-api endpoints and the root downloads.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { sampleFromSteps } from '../../core/tracking/routes-ajax';
import { httpRequest } from '../support/http';
import { startTracking, type MlflowCall, type MlflowReply } from '../support/mlflow';

type Raw = (method: string, path: string, body?: string, contentType?: string | null) => Promise<MlflowReply>;

async function tracking(t: TestContext): Promise<{ call: MlflowCall; ok: MlflowCall; raw: Raw }> {
  const { call, ok, port, token } = await startTracking(t);
  /** A request by path; a body goes as JSON unless `contentType` is null (then with no content type at all). */
  const raw: Raw = (method, path, body, contentType = 'application/json') =>
    httpRequest(port, method, path, { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-length': Buffer.byteLength(body), ...(contentType ? { 'content-type': contentType } : {}) }) }, body);
  return { call, ok, raw };
}

function refused(reply: MlflowReply, message: string): void {
  assert.equal(reply.status, 400, reply.text);
  assert.equal(reply.body.error_code, 'INVALID_PARAMETER_VALUE', reply.text);
  assert.ok(String(reply.body.message).includes(message), `expected "${message}" in ${reply.text}`);
}

test("request fields are checked with MLflow's schemas and messages, before the store is asked", async (t) => {
  const { call, ok, raw } = await tracking(t);
  refused(await call('POST', 'experiments/create', { name: 123 }), "Invalid value 123 for parameter 'name' supplied. Hint: Value was of type 'int'.");
  refused(await raw('POST', '/api/2.0/mlflow/experiments/create', '{"name": "x", "artifact_location": 9.0}'), "Invalid value 9.0 for parameter 'artifact_location' supplied. Hint: Value was of type 'float'.");
  refused(await call('POST', 'experiments/create', { name: 'x', tags: '5' }), "Invalid value 5 for parameter 'tags'");
  const runId = (await ok('POST', 'runs/create', { experiment_id: '0' })).body.run.info.run_id;
  refused(await call('POST', 'runs/log-metric', { run_id: 31, key: 'm', value: 1, timestamp: 1 }), "Invalid value 31 for parameter 'run_id' supplied");
  refused(await call('POST', 'runs/log-metric', { run_id: runId, key: 'm', value: 1, timestamp: 'foo' }), "Invalid value foo for parameter 'timestamp' supplied");
  refused(await call('POST', 'runs/log-metric', { run_id: null, key: 'm', value: 1, timestamp: 1 }), "Missing value for required parameter 'run_id'");
  refused(await call('POST', 'runs/set-tag', { run_id: runId, key: 'k', value: 41 }), "Invalid value 41 for parameter 'value' supplied");
  refused(await call('POST', 'runs/log-batch', { run_id: runId, metrics: [{ key: 'mae', value: 2.5 }] }), "Invalid value [{'key': 'mae', 'value': 2.5}] for parameter 'metrics' supplied");
  refused(await call('POST', 'runs/log-inputs', { run_id: runId }), "Missing value for required parameter 'datasets'");
  refused(await call('POST', 'runs/search', { experiment_ids: ['0'], max_results: 123456789 }), "Invalid value 123456789 for parameter 'max_results' supplied");
  refused(await call('GET', 'artifacts/list', { run_id: runId, path: '../path' }), 'Invalid path');
});

test('model versions: a run_id naming no run is accepted; sources are checked as MLflow does; copies resolve', async (t) => {
  const { call, ok } = await tracking(t);
  await ok('POST', 'registered-models/create', { name: 'm' });
  const version = (await ok('POST', 'model-versions/create', { name: 'm', source: 'runs:/run_id/model', run_id: 'run_id' })).body.model_version;
  assert.deepEqual([version.version, version.run_id, version.source], ['1', 'run_id', 'runs:/run_id/model']);
  for (const source of ['mlflow-artifacts:/models', 'mlflow-artifacts:/models///', 'mlflow-artifacts://host:9000/models/artifact/..../']) await ok('POST', 'model-versions/create', { name: 'm', source });
  for (const source of ['mlflow-artifacts://host:9000/models/../../../', 'http://host:9000/models/..%2f..%2fartifacts', 'mlflow-artifacts://host:9000/models/artifact%00']) {
    refused(await call('POST', 'model-versions/create', { name: 'm', source }), 'If supplying a source as an http, https,');
  }
  refused(await call('POST', 'model-versions/create', { name: 'm', source: '/etc' }), "Invalid model version source: '/etc'. To use a local path");
  const copy = (await ok('POST', 'model-versions/create', { name: 'm', source: 'models:/m/1', run_id: 'run_id' })).body.model_version;
  assert.equal((await ok('GET', 'model-versions/get-download-uri', { name: 'm', version: copy.version })).body.artifact_uri, 'runs:/run_id/model');
  await ok('POST', 'model-versions/transition-stage', { name: 'm', version: '2', stage: 'Staging' });
  const searched = (await ok('GET', 'model-versions/search', {})).body.model_versions.map((v: { version: string }) => v.version);
  assert.deepEqual(searched, ['2', '5', '4', '3', '1'], 'the most recently updated first, then the newest version');
  const model = (await ok('GET', 'registered-models/get', { name: 'm' })).body.registered_model;
  const staged = (await ok('GET', 'model-versions/get', { name: 'm', version: '2' })).body.model_version;
  assert.equal(model.last_updated_timestamp, staged.last_updated_timestamp, "a stage change updates the model's timestamp");
});

test("the UI's /ajax-api endpoints: bulk metric histories, dataset summaries, prompt-lab runs, uploads", async (t) => {
  const { ok, raw } = await tracking(t);
  const ajax = (method: string, route: string, body?: unknown) => raw(method, `/ajax-api/2.0/mlflow/${route}`, body === undefined ? undefined : JSON.stringify(body));
  const experimentId = (await ok('POST', 'experiments/create', { name: 'ui' })).body.experiment_id;
  const [a, b] = [(await ok('POST', 'runs/create', { experiment_id: experimentId })).body.run.info.run_id, (await ok('POST', 'runs/create', { experiment_id: experimentId })).body.run.info.run_id];
  for (const [run, steps] of [[a, 10], [b, 20]] as const) {
    await ok('POST', 'runs/log-batch', { run_id: run, metrics: Array.from({ length: steps }, (_, step) => ({ key: 'loss', value: step, timestamp: 1, step })) });
  }
  const bulk = await ajax('GET', `metrics/get-history-bulk?run_id=${b}&run_id=${a}&metric_key=loss&max_results=3`);
  assert.deepEqual(bulk.body.metrics.map((m: { run_id: string; step: number }) => `${m.run_id === a ? 'a' : 'b'}${m.step}`), [a < b ? 'a0' : 'b0', a < b ? 'a1' : 'b1', a < b ? 'a2' : 'b2']);
  refused(await ajax('GET', 'metrics/get-history-bulk?metric_key=loss'), 'GetMetricHistoryBulk request must specify at least one run_id.');
  const interval = await ajax('GET', `metrics/get-history-bulk-interval?run_ids=${a}&run_ids=${b}&metric_key=loss&max_results=5`);
  assert.deepEqual(interval.body.metrics.map((m: { run_id: string; step: number }) => `${m.run_id === a ? 'a' : 'b'}${m.step}`), ['a0', 'a4', 'a8', 'a9', 'b0', 'b4', 'b8', 'b9', 'b12', 'b16', 'b19']);
  refused(await ajax('GET', `metrics/get-history-bulk-interval?run_ids=${a}&metric_key=loss&max_results=0`), 'max_results must be between 1 and 2500.');
  refused(await ajax('GET', `metrics/get-history-bulk-interval?run_ids=${a}&metric_key=loss&start_step=1`), 'If either start step or end step are specified, both must be specified.');

  await ok('POST', 'runs/log-inputs', { run_id: a, datasets: [{ dataset: { name: 'd', digest: 'x', source_type: 'local', source: 's' }, tags: [{ key: 'mlflow.data.context', value: 'training' }] }] });
  assert.deepEqual((await ajax('POST', 'experiments/search-datasets', { experiment_ids: [experimentId] })).body.dataset_summaries, [{ experiment_id: experimentId, name: 'd', digest: 'x', context: 'training' }]);
  refused(await ajax('POST', 'experiments/search-datasets', { experiment_ids: [] }), 'SearchDatasets request must specify at least one experiment_id.');

  refused(await ajax('POST', 'runs/create-promptlab-run', { experiment_id: experimentId }), 'CreatePromptlabRun request must specify prompt_template.');
  const lab = await ajax('POST', 'runs/create-promptlab-run', {
    experiment_id: experimentId, prompt_template: 'say {x}', prompt_parameters: [{ key: 'x', value: 'hi' }], model_route: 'r', model_input: 'say hi', model_output: 'hi', mlflow_version: '2.12.2', user_id: 'me', start_time: 456,
  });
  assert.equal(lab.status, 200, lab.text);
  assert.deepEqual([lab.body.run.info.status, lab.body.run.info.user_id, lab.body.run.info.start_time], ['FINISHED', 'me', 456]);
  assert.ok(lab.body.run.data.tags.some((tag: { key: string; value: string }) => tag.key === 'mlflow.runSourceType' && tag.value === 'PROMPT_ENGINEERING'));
  const table = await raw('GET', `/get-artifact?run_id=${lab.body.run.info.run_id}&path=eval_results_table.json`);
  assert.deepEqual(JSON.parse(table.text), { columns: ['x', 'prompt', 'output'], data: [['hi', 'say hi', 'hi']] });

  refused(await raw('POST', `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${a}&path=..%2Ftest.txt`), 'Invalid path');
  refused(await raw('POST', `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${a}&path=test.txt`), 'Request must specify data.');
  const upload = await raw('POST', `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${a}&path=test.txt`, 'hello world', null);
  assert.equal(upload.status, 200, upload.text);
  assert.equal((await raw('GET', `/get-artifact?run_uuid=${a}&path=test.txt`)).text, 'hello world');
  refused(await raw('GET', '//model-versions/get-artifact?name=model&version=1&path=../path'), 'Invalid path');
});

test("MLflow's step sampling for bulk-interval histories", () => {
  const range = (start: number, end: number, step = 1) => Array.from({ length: Math.ceil((end - start) / step) }, (_, i) => start + i * step);
  assert.deepEqual(new Set(sampleFromSteps(0, 10, 5, range(0, 10))), new Set([0, 2, 4, 6, 8, 9]));
  assert.deepEqual(new Set(sampleFromSteps(4, 8, 5, range(0, 10))), new Set([4, 5, 6, 7, 8]));
  assert.deepEqual(new Set(sampleFromSteps(0, 100, 5, range(0, 101, 20))), new Set([0, 20, 40, 60, 80, 100]));
  assert.deepEqual(new Set(sampleFromSteps(0, 1000, 5, range(0, 1001, 10))), new Set([0, 200, 400, 600, 800, 1000]));
});
