import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTracking, type MlflowReply } from '../support/mlflow';

function refused(reply: MlflowReply, status: number, code: string, message?: RegExp): void {
  assert.equal(reply.status, status, reply.text);
  assert.equal(reply.body.error_code, code, reply.text);
  assert.equal(typeof reply.body.message, 'string');
  if (message) assert.match(reply.body.message, message);
}

test('experiments: create, get, get-by-name, search with filter/order/paging, update, delete, restore, tags', async (t) => {
  const { call, ok } = await startTracking(t);
  const created = (await ok('POST', 'experiments/create', { name: 'alpha', tags: [{ key: 'team', value: 'vision' }] })).body;
  assert.deepEqual(Object.keys(created), ['experiment_id']);
  assert.match(created.experiment_id, /^\d+$/);
  refused(await call('POST', 'experiments/create', { name: 'alpha' }), 400, 'RESOURCE_ALREADY_EXISTS', /alpha/);
  refused(await call('POST', 'experiments/create', {}), 400, 'INVALID_PARAMETER_VALUE', /Missing value for required parameter 'name'/);
  const experiment = (await ok('GET', 'experiments/get', { experiment_id: created.experiment_id })).body.experiment;
  assert.deepEqual(Object.keys(experiment).sort(), ['artifact_location', 'creation_time', 'experiment_id', 'last_update_time', 'lifecycle_stage', 'name', 'tags']);
  assert.equal(experiment.artifact_location, `mlflow-artifacts:/${created.experiment_id}`);
  assert.deepEqual(experiment.tags, [{ key: 'team', value: 'vision' }]);
  refused(await call('GET', 'experiments/get', { experiment_id: '999' }), 404, 'RESOURCE_DOES_NOT_EXIST', /No Experiment with id=999 exists/);
  assert.equal((await ok('GET', 'experiments/get-by-name', { experiment_name: 'Default' })).body.experiment.experiment_id, '0');
  refused(await call('GET', 'experiments/get-by-name', { experiment_name: 'nope' }), 404, 'RESOURCE_DOES_NOT_EXIST');

  await ok('POST', 'experiments/create', { name: 'beta' });
  await ok('POST', 'experiments/set-experiment-tag', { experiment_id: created.experiment_id, key: 'stage', value: 'dev' });
  const byTag = (await ok('POST', 'experiments/search', { filter: "tags.stage = 'dev'" })).body.experiments;
  assert.deepEqual(byTag.map((e: { name: string }) => e.name), ['alpha']);
  const byName = (await ok('GET', 'experiments/search', { filter: "name LIKE 'be%'" })).body.experiments;
  assert.deepEqual(byName.map((e: { name: string }) => e.name), ['beta']);
  const page1 = (await ok('POST', 'experiments/search', { max_results: 2, order_by: ['name ASC'] })).body;
  assert.deepEqual(page1.experiments.map((e: { name: string }) => e.name), ['Default', 'alpha']);
  const page2 = (await ok('POST', 'experiments/search', { max_results: 2, order_by: ['name ASC'], page_token: page1.next_page_token })).body;
  assert.deepEqual(page2.experiments.map((e: { name: string }) => e.name), ['beta']);
  assert.equal(page2.next_page_token, undefined);
  refused(await call('POST', 'experiments/search', { filter: 'name =' }), 400, 'INVALID_PARAMETER_VALUE');

  await ok('POST', 'experiments/update', { experiment_id: created.experiment_id, new_name: 'alpha2' });
  assert.equal((await ok('GET', 'experiments/get', { experiment_id: created.experiment_id })).body.experiment.name, 'alpha2');
  await ok('POST', 'experiments/delete', { experiment_id: created.experiment_id });
  assert.equal((await ok('GET', 'experiments/get', { experiment_id: created.experiment_id })).body.experiment.lifecycle_stage, 'deleted');
  const active = (await ok('POST', 'experiments/search', {})).body.experiments.map((e: { name: string }) => e.name);
  assert.ok(!active.includes('alpha2'));
  const deleted = (await ok('POST', 'experiments/search', { view_type: 'DELETED_ONLY' })).body.experiments.map((e: { name: string }) => e.name);
  assert.deepEqual(deleted, ['alpha2']);
  await ok('POST', 'experiments/restore', { experiment_id: created.experiment_id });
  assert.equal((await ok('GET', 'experiments/get', { experiment_id: created.experiment_id })).body.experiment.lifecycle_stage, 'active');
  refused(await call('POST', 'experiments/delete', { experiment_id: '0' }), 400, 'INVALID_PARAMETER_VALUE');
  refused(await call('GET', 'experiments/nothing'), 404, 'ENDPOINT_NOT_FOUND');
});

test('runs: create, get, update, delete, restore, tags, params (immutable), log-batch limits, inputs, log-model', async (t) => {
  const { call, ok } = await startTracking(t);
  const experimentId = (await ok('POST', 'experiments/create', { name: 'runs' })).body.experiment_id;
  const created = (await ok('POST', 'runs/create', { experiment_id: experimentId, start_time: 1700000000000, run_name: 'first', tags: [{ key: 'kind', value: 'test' }] })).body.run;
  const runId: string = created.info.run_id;
  assert.match(runId, /^[0-9a-f]{32}$/);
  assert.deepEqual(created.info, {
    run_uuid: runId, experiment_id: experimentId, run_name: 'first', user_id: '', status: 'RUNNING', start_time: 1700000000000,
    artifact_uri: `mlflow-artifacts:/${experimentId}/${runId}/artifacts`, lifecycle_stage: 'active', run_id: runId,
  });
  assert.deepEqual(created.data.tags, [{ key: 'kind', value: 'test' }, { key: 'mlflow.runName', value: 'first' }]);
  assert.deepEqual(created.inputs, {});
  refused(await call('POST', 'runs/create', { experiment_id: '404' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  refused(await call('GET', 'runs/get', { run_id: 'missing' }), 404, 'RESOURCE_DOES_NOT_EXIST', /Run with id=missing not found/);

  await ok('POST', 'runs/log-parameter', { run_id: runId, key: 'lr', value: '0.1' });
  await ok('POST', 'runs/log-parameter', { run_id: runId, key: 'lr', value: '0.1' });
  refused(await call('POST', 'runs/log-parameter', { run_id: runId, key: 'lr', value: '0.2' }), 400, 'INVALID_PARAMETER_VALUE', /Changing param values is not allowed/);
  refused(await call('POST', 'runs/log-batch', { run_id: runId, params: [{ key: 'lr', value: '0.3' }], metrics: [{ key: 'lost', value: 1, timestamp: 1, step: 0 }] }), 400, 'INVALID_PARAMETER_VALUE');
  await ok('POST', 'runs/log-metric', { run_id: runId, key: 'loss', value: 0.5, timestamp: 1700000000001, step: 1 });
  await ok('POST', 'runs/log-metric', { run_id: runId, key: 'loss', value: 0.25, timestamp: 1700000000002, step: 2 });
  await ok('POST', 'runs/log-metric', { run_id: runId, key: 'odd', value: 'NaN', timestamp: 1700000000003 });
  refused(await call('POST', 'runs/log-metric', { run_id: runId, key: 'loss', timestamp: 1 }), 400, 'INVALID_PARAMETER_VALUE', /Missing value for required parameter 'value'/);
  refused(await call('POST', 'runs/log-metric', { run_id: runId, key: 'loss', value: 'abc', timestamp: 1 }), 400, 'INVALID_PARAMETER_VALUE', /Invalid value abc for parameter 'value'/);
  refused(await call('POST', 'runs/log-metric', { run_id: runId, key: '../escape', value: 1, timestamp: 1 }), 400, 'INVALID_PARAMETER_VALUE', /Invalid metric name/);
  await ok('POST', 'runs/set-tag', { run_id: runId, key: 'note', value: 'hello' });
  await ok('POST', 'runs/delete-tag', { run_id: runId, key: 'note' });
  refused(await call('POST', 'runs/delete-tag', { run_id: runId, key: 'note' }), 404, 'RESOURCE_DOES_NOT_EXIST');

  const metric = (i: number) => ({ key: 'batch', value: i / 10, timestamp: 1700000001000 + i, step: i });
  await ok('POST', 'runs/log-batch', { run_id: runId, metrics: Array.from({ length: 998 }, (_, i) => metric(i)), params: [{ key: 'depth', value: '3' }], tags: [{ key: 'b', value: '1' }] });
  refused(await call('POST', 'runs/log-batch', { run_id: runId, metrics: Array.from({ length: 1001 }, (_, i) => metric(i)) }), 400, 'INVALID_PARAMETER_VALUE', /at most 1000 metrics/);
  refused(await call('POST', 'runs/log-batch', { run_id: runId, params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: '1' })) }), 400, 'INVALID_PARAMETER_VALUE', /at most 100 params/);
  refused(await call('POST', 'runs/log-batch', { run_id: runId, tags: Array.from({ length: 101 }, (_, i) => ({ key: `t${i}`, value: '1' })) }), 400, 'INVALID_PARAMETER_VALUE', /at most 100 tags/);

  await ok('POST', 'runs/log-inputs', { run_id: runId, datasets: [{ tags: [{ key: 'mlflow.data.context', value: 'train' }], dataset: { name: 'iris', digest: 'abc123', source_type: 'local', source: '{"uri": "/data"}' } }] });
  const model = { artifact_path: 'model', flavors: { sklearn: {} }, utc_time_created: '2026-01-01 00:00:00', run_id: runId };
  await ok('POST', 'runs/log-model', { run_id: runId, model_json: JSON.stringify(model) });
  refused(await call('POST', 'runs/log-model', { run_id: runId, model_json: '{}' }), 400, 'INVALID_PARAMETER_VALUE', /missing mandatory fields/);

  const run = (await ok('GET', 'runs/get', { run_id: runId })).body.run;
  assert.deepEqual(run.data.params, [{ key: 'depth', value: '3' }, { key: 'lr', value: '0.1' }]);
  const metrics = Object.fromEntries(run.data.metrics.map((m: { key: string }) => [m.key, m]));
  assert.deepEqual(metrics.loss, { key: 'loss', value: 0.25, timestamp: 1700000000002, step: 2 });
  assert.equal(metrics.odd.value, 'NaN');
  assert.equal(metrics.batch.step, 997);
  assert.deepEqual(run.inputs.dataset_inputs[0].dataset.name, 'iris');
  assert.deepEqual(JSON.parse(run.data.tags.find((tag: { key: string }) => tag.key === 'mlflow.log-model.history').value), [model]);

  const updated = (await ok('POST', 'runs/update', { run_id: runId, status: 'FINISHED', end_time: 1700000009999, run_name: 'renamed' })).body.run_info;
  assert.equal(updated.status, 'FINISHED');
  assert.equal(updated.end_time, 1700000009999);
  assert.equal(updated.run_name, 'renamed');
  refused(await call('POST', 'runs/update', { run_id: runId, status: 'DONE' }), 400, 'INVALID_PARAMETER_VALUE');
  await ok('POST', 'runs/delete', { run_id: runId });
  assert.equal((await ok('GET', 'runs/get', { run_id: runId })).body.run.info.lifecycle_stage, 'deleted');
  refused(await call('POST', 'runs/log-metric', { run_id: runId, key: 'loss', value: 1, timestamp: 1 }), 400, 'INVALID_PARAMETER_VALUE', /must be in the 'active' state/);
  await ok('POST', 'runs/restore', { run_id: runId });
  assert.equal((await ok('GET', 'runs/get', { run_id: runId })).body.run.info.lifecycle_stage, 'active');
});

test('runs/search: the filter grammar over metrics, params, tags and attributes, order_by and page tokens', async (t) => {
  const { call, ok } = await startTracking(t);
  const experimentId = (await ok('POST', 'experiments/create', { name: 'search' })).body.experiment_id;
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const runId = (await ok('POST', 'runs/create', { experiment_id: experimentId, start_time: 1000 + i, run_name: `run-${i}` })).body.run.info.run_id;
    ids.push(runId);
    const metrics = [{ key: 'acc', value: i / 10, timestamp: 1, step: 0 }, ...(i % 2 ? [{ key: 'odd', value: i, timestamp: 1, step: 0 }] : [])];
    await ok('POST', 'runs/log-batch', { run_id: runId, metrics, params: [{ key: 'model', value: i < 3 ? 'tree' : 'linear' }], tags: [{ key: 'group', value: i < 2 ? 'A' : 'B' }] });
  }
  const search = async (body: Record<string, unknown>) => (await ok('POST', 'runs/search', { experiment_ids: [experimentId], ...body })).body;
  const names = (body: { runs?: { info: { run_name: string } }[] }) => (body.runs ?? []).map((r) => r.info.run_name);
  assert.deepEqual(names(await search({})), ['run-4', 'run-3', 'run-2', 'run-1', 'run-0'], 'newest first by default');
  assert.deepEqual(names(await search({ filter: 'metrics.acc >= 0.2', order_by: ['metrics.acc ASC'] })), ['run-2', 'run-3', 'run-4']);
  assert.deepEqual(names(await search({ filter: "params.model = 'tree' and tags.group != 'A'" })), ['run-2']);
  assert.deepEqual(names(await search({ filter: "attributes.run_name LIKE 'run-%' AND metrics.odd > 0", order_by: ['metrics.odd DESC'] })), ['run-3', 'run-1']);
  assert.deepEqual(names(await search({ filter: "tags.`group` ILIKE 'b'", order_by: ['attributes.start_time ASC'] })), ['run-2', 'run-3', 'run-4']);
  assert.deepEqual(names(await search({ filter: `attributes.run_id IN ('${ids[0]}', '${ids[4]}')` })), ['run-4', 'run-0']);
  assert.deepEqual(names(await search({ filter: "attributes.status = 'RUNNING' and attributes.start_time > 1002" })), ['run-4', 'run-3']);
  assert.deepEqual(names(await search({ order_by: ['metrics.odd ASC'] })), ['run-1', 'run-3', 'run-4', 'run-2', 'run-0'], 'runs without the metric sort last');
  const first = await search({ max_results: 2, order_by: ['params.model ASC', 'attributes.run_name DESC'] });
  assert.deepEqual(names(first), ['run-4', 'run-3']);
  const second = await search({ max_results: 2, order_by: ['params.model ASC', 'attributes.run_name DESC'], page_token: first.next_page_token });
  assert.deepEqual(names(second), ['run-2', 'run-1']);
  const third = await search({ max_results: 2, order_by: ['params.model ASC', 'attributes.run_name DESC'], page_token: second.next_page_token });
  assert.deepEqual(names(third), ['run-0']);
  assert.equal(third.next_page_token, undefined);
  refused(await call('POST', 'runs/search', { experiment_ids: [experimentId], filter: "metrics.acc = 'high'" }), 400, 'INVALID_PARAMETER_VALUE');
  refused(await call('POST', 'runs/search', { experiment_ids: [experimentId], filter: 'params.model > 1' }), 400, 'INVALID_PARAMETER_VALUE');
  refused(await call('POST', 'runs/search', { experiment_ids: [experimentId], filter: 'metrics.acc > 1 OR metrics.acc < 0' }), 400, 'INVALID_PARAMETER_VALUE');
  refused(await call('POST', 'runs/search', { experiment_ids: [experimentId], page_token: 'garbage' }), 400, 'INVALID_PARAMETER_VALUE');
});

test('metrics/get-history pages through a long history in step order', async (t) => {
  const { ok, call } = await startTracking(t);
  const runId = (await ok('POST', 'runs/create', { experiment_id: '0' })).body.run.info.run_id;
  for (let batch = 0; batch < 5; batch++) {
    const metrics = Array.from({ length: 1000 }, (_, i) => ({ key: 'loss', value: 1 / (batch * 1000 + i + 1), timestamp: 1700000000000 + batch * 1000 + i, step: batch * 1000 + i }));
    await ok('POST', 'runs/log-batch', { run_id: runId, metrics: metrics.reverse() });
  }
  await ok('POST', 'runs/log-metric', { run_id: runId, key: 'loss', value: 'Infinity', timestamp: 1800000000000, step: 5000 });
  const all = (await ok('GET', 'metrics/get-history', { run_id: runId, metric_key: 'loss' })).body;
  assert.equal(all.metrics.length, 5001);
  assert.equal(all.next_page_token, undefined);
  assert.deepEqual(all.metrics[0], { key: 'loss', value: 1, timestamp: 1700000000000, step: 0 });
  assert.equal(all.metrics[5000].value, 'Infinity');
  const steps: number[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = (await ok('GET', 'metrics/get-history', { run_id: runId, metric_key: 'loss', max_results: 1500, ...(token ? { page_token: token } : {}) })).body;
    steps.push(...page.metrics.map((m: { step: number }) => m.step));
    token = page.next_page_token;
    pages++;
  } while (token);
  assert.equal(pages, 4);
  assert.deepEqual(steps, Array.from({ length: 5001 }, (_, i) => i));
  assert.deepEqual((await ok('GET', 'metrics/get-history', { run_id: runId, metric_key: 'none' })).body, { metrics: [] });
  refused(await call('GET', 'metrics/get-history', { run_id: 'nope', metric_key: 'loss' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  refused(await call('GET', 'metrics/get-history', { run_id: runId }), 400, 'INVALID_PARAMETER_VALUE', /metric_key/);
});

test('metrics/get-history answers every value and pages at every boundary, NaN and the infinities included', async (t) => {
  const { ok, port, token } = await startTracking(t);
  const runId = (await ok('POST', 'runs/create', { experiment_id: '0' })).body.run.info.run_id;
  const values: (number | string)[] = [3, 1 / 3, 1e-7, 1.5e-5, 1e16, -2.5, 1.5e300, 'NaN', 'Infinity', '-Infinity', 0, 0.1 + 0.2];
  const key = 'train/lé ss';
  await ok('POST', 'runs/log-batch', { run_id: runId, metrics: values.map((value, step) => ({ key, value, timestamp: 1700000000000 + step, step })) });
  const expected = values.map((value, step) => ({ key, value, timestamp: 1700000000000 + step, step }));
  const whole = await ok('GET', 'metrics/get-history', { run_id: runId, metric_key: key });
  assert.deepEqual(whole.body, { metrics: expected });
  const headers = (await fetch(`http://127.0.0.1:${port}/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=none`, { headers: { authorization: `Bearer ${token}` } })).headers;
  assert.equal(headers.get('content-type'), 'application/json; charset=utf-8');
  assert.match(whole.text, /^\{"metrics":\[\{"key":"train\/lé ss","value":3\.0,"timestamp":1700000000000,"step":0\},/);
  for (const size of [1, 2, values.length - 1, values.length]) {
    const points: unknown[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const page = (await ok('GET', 'metrics/get-history', { run_id: runId, metric_key: key, max_results: size, ...(pageToken ? { page_token: pageToken } : {}) })).body;
      points.push(...page.metrics);
      pageToken = page.next_page_token;
      pages++;
    } while (pageToken && pages <= values.length);
    assert.deepEqual(points, expected, `pages of ${size}`);
    assert.equal(pages, Math.ceil(values.length / size), `pages of ${size}`);
  }
});

test('proxied artifacts: upload, download, list through both APIs; unsafe paths refused', async (t) => {
  const { ok, call, port, token } = await startTracking(t);
  const run = (await ok('POST', 'runs/create', { experiment_id: '0' })).body.run.info;
  const base = `/api/2.0/mlflow-artifacts/artifacts/0/${run.run_id}/artifacts`;
  const put = (route: string, body: string, type = 'application/octet-stream') =>
    fetch(`http://127.0.0.1:${port}${route}`, { method: 'PUT', body, headers: { authorization: `Bearer ${token}`, 'content-type': type } });
  assert.equal((await put(`${base}/model/MLmodel`, 'flavors: {}\n')).status, 200);
  assert.equal((await put(`${base}/config.json`, '{"not": "parsed"}', 'application/json')).status, 200);
  const download = await fetch(`http://127.0.0.1:${port}${base}/config.json`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(await download.text(), '{"not": "parsed"}');
  const proxied = (await ok('GET', '/api/2.0/mlflow-artifacts/artifacts', { path: `0/${run.run_id}/artifacts` })).body;
  assert.deepEqual(proxied.files, [{ path: 'config.json', is_dir: false, file_size: 17 }, { path: 'model', is_dir: true }]);
  const listed = (await ok('GET', 'artifacts/list', { run_id: run.run_id })).body;
  assert.equal(listed.root_uri, run.artifact_uri);
  assert.deepEqual(listed.files.map((f: { path: string }) => f.path), ['config.json', 'model']);
  const nested = (await ok('GET', 'artifacts/list', { run_id: run.run_id, path: 'model' })).body;
  assert.deepEqual(nested.files, [{ path: 'model/MLmodel', is_dir: false, file_size: 12 }]);
  const missing = await call('GET', `${base}/nothing.txt`);
  refused(missing, 404, 'RESOURCE_DOES_NOT_EXIST');
  // Sent as-is (fetch would normalize the dots away before they reach the server).
  for (const unsafe of [`${base}/../../../escape.txt`, '/api/2.0/mlflow-artifacts/artifacts/%2E%2E/escape.txt', '/api/2.0/mlflow-artifacts/artifacts/0/..%2F..%2Fescape.txt']) {
    refused(await call('PUT', unsafe), 400, 'INVALID_PARAMETER_VALUE', /Invalid path/);
    refused(await call('GET', unsafe), 400, 'INVALID_PARAMETER_VALUE', /Invalid path/);
  }
  refused(await call('GET', 'artifacts/list', { run_id: run.run_id, path: '../..' }), 400, 'INVALID_PARAMETER_VALUE');
});

test('model registry: registered models and versions, tags, aliases, stages, search, delete', async (t) => {
  const { ok, call } = await startTracking(t);
  const run = (await ok('POST', 'runs/create', { experiment_id: '0' })).body.run.info;
  const created = (await ok('POST', 'registered-models/create', { name: 'clf', tags: [{ key: 'owner', value: 'me' }], description: 'a classifier' })).body.registered_model;
  assert.equal(created.name, 'clf');
  assert.deepEqual(created.tags, [{ key: 'owner', value: 'me' }]);
  refused(await call('POST', 'registered-models/create', { name: 'clf' }), 400, 'RESOURCE_ALREADY_EXISTS');
  const v1 = (await ok('POST', 'model-versions/create', { name: 'clf', source: `${run.artifact_uri}/model`, run_id: run.run_id, tags: [{ key: 'k', value: 'v' }] })).body.model_version;
  assert.deepEqual({ name: v1.name, version: v1.version, current_stage: v1.current_stage, status: v1.status, run_id: v1.run_id, tags: v1.tags }, { name: 'clf', version: '1', current_stage: 'None', status: 'READY', run_id: run.run_id, tags: [{ key: 'k', value: 'v' }] });
  const v2 = (await ok('POST', 'model-versions/create', { name: 'clf', source: `runs:/${run.run_id}/model`, run_id: run.run_id })).body.model_version;
  assert.equal(v2.version, '2');
  refused(await call('POST', 'model-versions/create', { name: 'nope', source: 'mlflow-artifacts:/0/model' }), 404, 'RESOURCE_DOES_NOT_EXIST');

  await ok('POST', 'registered-models/alias', { name: 'clf', alias: 'champion', version: '1' });
  assert.equal((await ok('GET', 'registered-models/alias', { name: 'clf', alias: 'champion' })).body.model_version.version, '1');
  refused(await call('POST', 'registered-models/alias', { name: 'clf', alias: 'v3', version: '1' }), 400, 'INVALID_PARAMETER_VALUE');
  await ok('POST', 'model-versions/transition-stage', { name: 'clf', version: '2', stage: 'production', archive_existing_versions: false });
  const latest = (await ok('POST', 'registered-models/get-latest-versions', { name: 'clf', stages: ['Production'] })).body.model_versions;
  assert.deepEqual(latest.map((v: { version: string }) => v.version), ['2']);
  const model = (await ok('GET', 'registered-models/get', { name: 'clf' })).body.registered_model;
  assert.deepEqual(model.aliases, [{ alias: 'champion', version: '1' }]);
  assert.deepEqual(model.latest_versions.map((v: { version: string; current_stage: string }) => `${v.version}:${v.current_stage}`), ['1:None', '2:Production']);
  await ok('PATCH', 'registered-models/update', { name: 'clf', description: 'better' });
  await ok('PATCH', 'model-versions/update', { name: 'clf', version: '1', description: 'first' });
  assert.equal((await ok('GET', 'model-versions/get', { name: 'clf', version: '1' })).body.model_version.description, 'first');
  await ok('POST', 'model-versions/set-tag', { name: 'clf', version: '2', key: 'q', value: 'ok' });
  await ok('DELETE', 'model-versions/delete-tag', { name: 'clf', version: '1', key: 'k' });
  await ok('POST', 'registered-models/set-tag', { name: 'clf', key: 'x', value: 'y' });
  await ok('DELETE', 'registered-models/delete-tag', { name: 'clf', key: 'owner' });
  assert.equal((await ok('GET', 'model-versions/get-download-uri', { name: 'clf', version: '1' })).body.artifact_uri, `${run.artifact_uri}/model`);
  assert.deepEqual((await ok('GET', 'registered-models/search', { filter: "name LIKE 'cl%'" })).body.registered_models.map((m: { name: string }) => m.name), ['clf']);
  // MLflow's default order: the most recently updated version first (version 1 was just edited).
  assert.deepEqual((await ok('GET', 'model-versions/search', { filter: `run_id = '${run.run_id}'` })).body.model_versions.map((v: { version: string }) => v.version), ['1', '2']);

  await ok('DELETE', 'model-versions/delete', { name: 'clf', version: '1' });
  refused(await call('GET', 'model-versions/get', { name: 'clf', version: '1' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  await ok('DELETE', 'registered-models/alias', { name: 'clf', alias: 'champion' });
  await ok('POST', 'registered-models/rename', { name: 'clf', new_name: 'clf2' });
  assert.equal((await ok('GET', 'model-versions/get', { name: 'clf2', version: '2' })).body.model_version.name, 'clf2');
  await ok('DELETE', 'registered-models/delete', { name: 'clf2' });
  refused(await call('GET', 'registered-models/get', { name: 'clf2' }), 404, 'RESOURCE_DOES_NOT_EXIST');
});
