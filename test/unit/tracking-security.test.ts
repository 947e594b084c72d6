import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { readServeInfo } from '../../core/api/connect';
import { type ServeInfo } from '../../core/api/contracts';
import { isTerminal } from '../../core/vocabulary';
import { commandJob, startPlane, workspace, type Plane } from '../support/control-plane';
import { waitFor } from '../support/docker';
import type { HttpReply } from '../support/http';
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

/**
 * A job that writes its tracking environment to `token.env` and runs until the test creates `release`, so the test
 * uses its token while it runs.
 */
async function waitingJob(t: TestContext, extra = '', prepare?: (plane: Plane) => Promise<void>) {
  const root = await workspace(t);
  const plane = await startPlane(t, root);
  await prepare?.(plane);
  const wait = `for i in $(seq 1200); do [ -f ${root}/release ] && break; sleep 0.05; done`;
  fs.writeFileSync(path.join(root, 'job.yml'), commandJob(`echo "token=$MLFLOW_TRACKING_TOKEN run=$MLFLOW_RUN_ID experiment=$MLFLOW_EXPERIMENT_ID uri=$MLFLOW_TRACKING_URI" > ${root}/token.env; ${wait}`, `experiment_name: secure\n${extra}`));
  const job = await plane.submit('job.yml');
  const envFile = path.join(root, 'token.env');
  const text = await waitFor('the job to write token.env', async () => {
    const content = fs.existsSync(envFile) ? fs.readFileSync(envFile, 'utf8') : '';
    if (content.includes('uri=')) return content;
    const detail = await plane.client.jobs.get(job.name);
    if (isTerminal(detail.status)) throw new Error(`the job ended ${detail.status}: ${detail.reason ?? ''}`);
    return undefined;
  }, 20_000);
  const env = Object.fromEntries([...text.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]])) as Record<string, string>;
  const finish = async () => {
    fs.writeFileSync(path.join(root, 'release'), '');
    return plane.finalStatus(job.name);
  };
  return { root, plane, job, env, finish };
}

test('a job gets a per-run token that writes only to its own run (and runs nested under it)', async (t) => {
  const { plane, job, env, finish } = await waitingJob(t, 'outputs:\n  trained:\n    type: mlflow_model\n    name: declared-model\n');
  const { port, token: workspaceToken } = plane.daemon.info;
  assert.equal(env.run, job.name);
  assert.equal(env.uri, `http://127.0.0.1:${port}`);
  const experiment = (await mlflowCall(port, workspaceToken, 'GET', 'experiments/get-by-name', { experiment_name: 'secure' })).body.experiment;
  assert.equal(env.experiment, experiment.experiment_id);
  const runToken = env.token!;
  assert.notEqual(runToken, workspaceToken);

  const own = (route: string, params: Record<string, unknown>, method = 'POST') => mlflowCall(port, runToken, method, route, params);
  assert.equal((await own('runs/log-metric', { run_id: job.name, key: 'early', value: 1, timestamp: Date.now() })).status, 200);
  assert.equal((await own('runs/get', { run_id: job.name }, 'GET')).status, 200, 'reads are allowed');

  const other = (await mlflowCall(port, workspaceToken, 'POST', 'runs/create', { experiment_id: '0' })).body.run.info;
  for (const [route, params] of [
    ['runs/log-metric', { run_id: other.run_id, key: 'x', value: 1, timestamp: 1 }],
    ['runs/log-batch', { run_id: other.run_id, metrics: [{ key: 'x', value: 1, timestamp: 1 }] }],
    ['runs/set-tag', { run_id: other.run_id, key: 'x', value: 'y' }],
    ['runs/update', { run_id: other.run_id, status: 'KILLED' }],
    ['runs/delete', { run_id: other.run_id }],
    ['runs/delete', { run_id: job.name }],
    ['experiments/create', { name: 'sneaky' }],
    ['experiments/delete', { experiment_id: '0' }],
    ['runs/create', { experiment_id: '0', tags: [{ key: 'mlflow.parentRunId', value: other.run_id }] }],
  ] as const) {
    const reply = await own(route, params);
    assert.equal(reply.status, 403, `${route}: ${reply.text}`);
    assert.equal(reply.body.error_code, 'PERMISSION_DENIED');
  }
  const put = (runPath: string) => mlflowCall(port, runToken, 'PUT', `/api/2.0/mlflow-artifacts/artifacts/${runPath}/artifacts/file.txt`);
  assert.equal((await put(`${experiment.experiment_id}/${job.name}`)).status, 200);
  assert.equal((await put(`0/${other.run_id}`)).status, 403);

  // A registered model the job neither created nor declares as an output takes no version from its token.
  await mlflowCall(port, workspaceToken, 'POST', 'registered-models/create', { name: 'shared-model' });
  const planted = await own('model-versions/create', { name: 'shared-model', source: `runs:/${job.name}/artifacts`, run_id: job.name });
  assert.equal(planted.status, 403, planted.text);
  assert.equal(planted.body.error_code, 'PERMISSION_DENIED');
  assert.match(planted.body.message, /may add versions only to the registered models its job created or declares as a model output, not to shared-model/);
  assert.equal((await mlflowCall(port, workspaceToken, 'GET', 'registered-models/get', { name: 'shared-model' })).body.registered_model.latest_versions, undefined);
  assert.equal((await mlflowCall(port, workspaceToken, 'POST', 'model-versions/create', { name: 'shared-model', source: `runs:/${job.name}/artifacts`, run_id: job.name })).status, 200, 'the workspace token may');
  await mlflowCall(port, workspaceToken, 'POST', 'registered-models/create', { name: 'declared-model' });
  const ownModel = await own('model-versions/create', { name: 'declared-model', source: `runs:/${job.name}/artifacts`, run_id: job.name });
  assert.equal(ownModel.status, 200, `a model its job declares as an output: ${ownModel.text}`);
  const borrowed = await own('model-versions/create', { name: 'declared-model', source: `runs:/${other.run_id}/model`, run_id: job.name });
  assert.equal(borrowed.status, 403, `another run's artifacts: ${borrowed.text}`);
  const outside = await own('model-versions/create', { name: 'declared-model', source: '/etc', run_id: job.name });
  assert.equal(outside.status, 403, `a path outside any run: ${outside.text}`);

  const child = (await own('runs/create', { experiment_id: experiment.experiment_id, tags: [{ key: 'mlflow.parentRunId', value: job.name }] })).body.run.info;
  assert.equal((await own('runs/log-metric', { run_id: child.run_id, key: 'nested', value: 1, timestamp: 1 })).status, 200);

  assert.equal((await mlflowCall(port, runToken, 'GET', '/api/jobs')).status, 401, 'run tokens open the tracking API only');
  const forged = `mlwrun.${other.run_id}.${runToken.split('.').pop()}`;
  assert.equal((await mlflowCall(port, forged, 'POST', 'runs/log-metric', { run_id: other.run_id, key: 'x', value: 1, timestamp: 1 })).status, 401);
  assert.equal(await finish(), 'Completed');
});

test('the job owns its run\'s status, and its token stops writing when the job ends', async (t) => {
  const { plane, job, env, finish } = await waitingJob(t);
  const { port, token: workspaceToken } = plane.daemon.info;
  const own = (route: string, params: Record<string, unknown>, method = 'POST') => mlflowCall(port, env.token, method, route, params);
  const status = async () => (await mlflowCall(port, workspaceToken, 'GET', 'runs/get', { run_id: job.name })).body.run.info;

  const failed = await own('runs/update', { run_id: job.name, status: 'FAILED', end_time: Date.now() });
  assert.equal(failed.status, 200, failed.text);
  assert.equal(failed.body.run_info.status, 'RUNNING', 'accepted, but the run follows its job');
  assert.equal((await status()).status, 'RUNNING');
  const child = (await own('runs/create', { experiment_id: env.experiment, tags: [{ key: 'mlflow.parentRunId', value: job.name }] })).body.run.info;
  assert.equal((await own('runs/update', { run_id: child.run_id, status: 'FINISHED', end_time: Date.now() })).body.run_info.status, 'FINISHED', 'nested runs end when the client ends them');

  assert.equal(await finish(), 'Completed');
  const info = await status();
  assert.equal(info.status, 'FINISHED', 'the run ended with its job');
  assert.ok(info.end_time > 0);
  for (const [route, params] of [
    ['runs/log-metric', { run_id: job.name, key: 'late', value: 1, timestamp: Date.now() }],
    ['runs/update', { run_id: job.name, status: 'FAILED' }],
    ['runs/set-tag', { run_id: child.run_id, key: 'late', value: 'x' }],
    ['runs/create', { experiment_id: env.experiment }],
    ['registered-models/create', { name: 'late-model' }],
  ] as const) {
    const reply = await own(route, params);
    assert.equal(reply.status, 403, `${route}: ${reply.text}`);
    assert.equal(reply.body.error_code, 'PERMISSION_DENIED');
    assert.match(reply.body.message, new RegExp(`the job ${job.name} has ended \\(Completed\\); its run token can no longer write`));
  }
  const put = await mlflowCall(port, env.token, 'PUT', `/api/2.0/mlflow-artifacts/artifacts/${env.experiment}/${job.name}/artifacts/late.txt`);
  assert.equal(put.status, 403, put.text);
  assert.equal((await status()).status, 'FINISHED');
  assert.equal((await own('runs/get', { run_id: job.name }, 'GET')).status, 200, 'its own run still reads');
});

test('a run token reads its runs, its experiment and the models it was given or registered, nothing else', async (t) => {
  // Models registered before the job from another run's artifacts; the job is given given-model version 1.
  let source = { run_id: '' };
  const { plane, job, env, finish } = await waitingJob(t, '', async (setup) => {
    const admin = (method: string, route: string, params: Record<string, unknown> = {}) => mlflowCall(setup.daemon.info.port, setup.daemon.info.token, method, route, params);
    source = (await admin('POST', 'runs/create', { experiment_id: '0' })).body.run.info;
    const uploaded = await admin('PUT', `/api/2.0/mlflow-artifacts/artifacts/0/${source.run_id}/artifacts/model/MLmodel`);
    assert.equal(uploaded.status, 200, uploaded.text);
    for (const name of ['given-model', 'private-model']) {
      await admin('POST', 'registered-models/create', { name });
      assert.equal((await admin('POST', 'model-versions/create', { name, source: `runs:/${source.run_id}/model`, run_id: source.run_id })).status, 200);
    }
  });
  // Model-typed inputs do not stage on local compute yet, so the job's recorded spec names the model it was given.
  const store = plane.daemon.plane.store;
  const spec = JSON.parse(store.get<{ spec: string }>('SELECT spec FROM jobs WHERE name = ?', [job.name])!.spec);
  store.run('UPDATE jobs SET spec = ? WHERE name = ?', [JSON.stringify({ ...spec, inputs: { model: { type: 'mlflow_model', path: 'azureml:given-model:1' } } }), job.name]);
  const { port, token: workspaceToken } = plane.daemon.info;
  const own = (route: string, params: Record<string, unknown> = {}, method = 'GET') => mlflowCall(port, env.token, method, route, params);
  const child = (await own('runs/create', { experiment_id: env.experiment, tags: [{ key: 'mlflow.parentRunId', value: job.name }] }, 'POST')).body.run.info;
  await mlflowCall(port, workspaceToken, 'POST', 'runs/create', { experiment_id: env.experiment });

  assert.equal((await own('runs/get', { run_id: child.run_id })).status, 200);
  assert.equal((await own('metrics/get-history', { run_id: job.name, metric_key: 'x' })).status, 200);
  const stranger = (await mlflowCall(port, workspaceToken, 'POST', 'runs/create', { experiment_id: '0' })).body.run.info;
  for (const [route, params] of [
    ['runs/get', { run_id: stranger.run_id }],
    ['metrics/get-history', { run_id: stranger.run_id, metric_key: 'x' }],
    ['artifacts/list', { run_id: stranger.run_id }],
    ['experiments/get', { experiment_id: '0' }],
    ['experiments/get-by-name', { experiment_name: 'Default' }],
    ['registered-models/get', { name: 'private-model' }],
    ['model-versions/get', { name: 'private-model', version: '1' }],
    ['model-versions/get-download-uri', { name: 'private-model', version: '1' }],
    ['/api/2.0/mlflow-artifacts/artifacts', { path: `0/${stranger.run_id}/artifacts` }],
    ['/api/2.0/mlflow-artifacts/artifacts', {}],
  ] as const) {
    const reply = await own(route, params);
    assert.equal(reply.status, 403, `${route} ${JSON.stringify(params)}: ${reply.text}`);
    assert.equal(reply.body.error_code, 'PERMISSION_DENIED');
  }
  const searched = (await own('runs/search', { experiment_ids: [env.experiment, '0'] }, 'POST')).body.runs.map((r: { info: { run_id: string } }) => r.info.run_id);
  assert.deepEqual(searched.sort(), [job.name, child.run_id].sort(), 'its job\'s run and the run nested under it, not the others');
  const experiments = (await own('experiments/search', { max_results: 100 }, 'POST')).body.experiments.map((e: { name: string }) => e.name);
  assert.deepEqual(experiments, ['secure']);
  assert.equal((await own('experiments/get', { experiment_id: env.experiment })).status, 200);

  assert.equal((await own('model-versions/get', { name: 'given-model', version: '1' })).status, 200, 'the model it was given');
  const uri = (await own('model-versions/get-download-uri', { name: 'given-model', version: '1' })).body.artifact_uri as string;
  assert.equal(uri, `runs:/${source.run_id}/model`);
  assert.equal((await own('runs/get', { run_id: source.run_id })).status, 200, 'the run its runs:/ source resolves through');
  assert.equal((await own(`/api/2.0/mlflow-artifacts/artifacts/0/${source.run_id}/artifacts/model/MLmodel`)).status, 200, 'its files download');
  assert.equal((await own(`/api/2.0/mlflow-artifacts/artifacts/0/${source.run_id}/artifacts/other.txt`)).status, 403, 'but not the rest of that run');
  assert.equal((await own('registered-models/create', { name: 'job-model' }, 'POST')).status, 200);
  const registered = await own('model-versions/create', { name: 'job-model', source: `runs:/${child.run_id}/model`, run_id: child.run_id }, 'POST');
  assert.equal(registered.status, 200, registered.text);
  assert.equal((await own('model-versions/get', { name: 'job-model', version: registered.body.model_version.version })).status, 200, 'what it registered');
  const models = (await own('registered-models/search')).body.registered_models.map((m: { name: string }) => m.name);
  assert.deepEqual(models, ['given-model', 'job-model']);
  const versions = (await own('model-versions/search')).body.model_versions.map((v: { name: string }) => v.name);
  assert.deepEqual(versions.sort(), ['given-model', 'job-model']);
  assert.equal(await finish(), 'Completed');
});

/** Every page of a search, following its tokens; asserts that each page but the last is full and nothing repeats. */
async function allPages(what: string, pageSize: number, page: (token: string | undefined) => Promise<{ items: string[]; next?: string }>): Promise<string[]> {
  const items: string[] = [];
  let token: string | undefined;
  do {
    const reply = await page(token);
    token = reply.next;
    if (token) assert.equal(reply.items.length, pageSize, `${what}: a page before the last is full (${JSON.stringify(reply.items)})`);
    items.push(...reply.items);
  } while (token);
  assert.equal(new Set(items).size, items.length, `${what}: no item is on two pages (${items})`);
  return items;
}

test('a run token\'s searches return full pages of what it may read, among many others', async (t) => {
  const { plane, job, env, finish } = await waitingJob(t);
  const { port, token: workspaceToken } = plane.daemon.info;
  const admin = (method: string, route: string, params: Record<string, unknown> = {}) => mlflowCall(port, workspaceToken, method, route, params);
  const own = (method: string, route: string, params: Record<string, unknown> = {}) => mlflowCall(port, env.token, method, route, params);
  const ok = async (reply: Promise<HttpReply>) => {
    const done = await reply;
    assert.equal(done.status, 200, done.text);
    return done.body;
  };

  // Runs of other jobs interleaved with its own nested runs, in its experiment; newer experiments and models it may not read.
  const otherJobRun = (await ok(admin('POST', 'runs/create', { experiment_id: env.experiment }))).run.info.run_id;
  const ownRuns = [job.name];
  for (let i = 0; i < 6; i++) {
    for (let j = 0; j < 4; j++) await ok(admin('POST', 'runs/create', { experiment_id: env.experiment, tags: [{ key: 'mlflow.parentRunId', value: otherJobRun }] }));
    ownRuns.push((await ok(own('POST', 'runs/create', { experiment_id: env.experiment, tags: [{ key: 'mlflow.parentRunId', value: job.name }] }))).run.info.run_id);
    await ok(admin('POST', 'experiments/create', { name: `later-${i}` }));
    await ok(admin('POST', 'registered-models/create', { name: `aaa-${i}` }));
    await ok(admin('POST', 'model-versions/create', { name: `aaa-${i}`, source: `runs:/${otherJobRun}/model`, run_id: otherJobRun }));
  }
  for (const name of ['job-model-a', 'job-model-b']) {
    await ok(own('POST', 'registered-models/create', { name }));
    await ok(own('POST', 'model-versions/create', { name, source: `runs:/${job.name}/model`, run_id: job.name }));
  }

  const runIds = await allPages('runs/search', 2, async (token) => {
    const body = await ok(own('POST', 'runs/search', { experiment_ids: [env.experiment], max_results: 2, ...(token ? { page_token: token } : {}) }));
    return { items: (body.runs ?? []).map((run: { info: { run_id: string } }) => run.info.run_id), next: body.next_page_token };
  });
  assert.deepEqual(runIds.sort(), ownRuns.sort());
  const experiments = await allPages('experiments/search', 1, async (token) => {
    const body = await ok(own('POST', 'experiments/search', { max_results: 1, ...(token ? { page_token: token } : {}) }));
    return { items: (body.experiments ?? []).map((experiment: { name: string }) => experiment.name), next: body.next_page_token };
  });
  assert.deepEqual(experiments, ['secure']);
  const models = await allPages('registered-models/search', 1, async (token) => {
    const body = await ok(own('GET', 'registered-models/search', { max_results: 1, ...(token ? { page_token: token } : {}) }));
    return { items: (body.registered_models ?? []).map((model: { name: string }) => model.name), next: body.next_page_token };
  });
  assert.deepEqual(models, ['job-model-a', 'job-model-b']);
  const versions = await allPages('model-versions/search', 1, async (token) => {
    const body = await ok(own('GET', 'model-versions/search', { max_results: 1, order_by: ['name ASC'], ...(token ? { page_token: token } : {}) }));
    return { items: (body.model_versions ?? []).map((version: { name: string }) => version.name), next: body.next_page_token };
  });
  assert.deepEqual(versions, ['job-model-a', 'job-model-b']);
  assert.equal(await finish(), 'Completed');
});

test('a link in a run\'s artifacts does not lead its token into another run\'s artifacts', async (t) => {
  const { root, plane, job, env, finish } = await waitingJob(t);
  const { port, token: workspaceToken } = plane.daemon.info;
  const other = (await mlflowCall(port, workspaceToken, 'POST', 'runs/create', { experiment_id: env.experiment })).body.run.info;
  const store = path.join(root, '.mlw', 'datastores', 'workspaceartifactstore', env.experiment!);
  fs.mkdirSync(path.join(store, other.run_id, 'artifacts'), { recursive: true });
  fs.writeFileSync(path.join(store, other.run_id, 'artifacts', 'secret.txt'), 'another run\'s file');
  const ownFolder = path.join(store, job.name, 'artifacts');
  fs.mkdirSync(ownFolder, { recursive: true });
  fs.writeFileSync(path.join(ownFolder, 'own.txt'), 'its own file');
  fs.symlinkSync(`../../${other.run_id}/artifacts`, path.join(ownFolder, 'peek'));
  fs.symlinkSync(`../../${other.run_id}/artifacts/secret.txt`, path.join(ownFolder, 'leak.txt'));
  const own = (route: string, params: Record<string, unknown> = {}) => mlflowCall(port, env.token, 'GET', route, params);
  const proxied = `/api/2.0/mlflow-artifacts/artifacts/${env.experiment}/${job.name}/artifacts`;

  assert.equal((await own(`${proxied}/own.txt`)).text, 'its own file');
  for (const [route, params] of [
    [`${proxied}/leak.txt`, {}],
    [`${proxied}/peek/secret.txt`, {}],
    ['/api/2.0/mlflow-artifacts/artifacts', { path: `${env.experiment}/${job.name}/artifacts/peek` }],
    ['get-artifact', { run_id: job.name, path: 'leak.txt' }],
    ['get-artifact', { run_id: job.name, path: 'peek/secret.txt' }],
    ['artifacts/list', { run_id: job.name, path: 'peek' }],
  ] as const) {
    const reply = await own(route, params);
    assert.equal(reply.status, 403, `${route} ${JSON.stringify(params)}: ${reply.text}`);
    assert.doesNotMatch(reply.text, /another run's file/);
  }
  const listed = (await own('/api/2.0/mlflow-artifacts/artifacts', { path: `${env.experiment}/${job.name}/artifacts` })).body.files.map((f: { path: string }) => f.path);
  assert.deepEqual(listed, ['own.txt'], 'links out of its run are left out of the listing');
  const viaRun = (await own('artifacts/list', { run_id: job.name })).body.files.map((f: { path: string }) => f.path);
  assert.deepEqual(viaRun, ['own.txt']);
  assert.equal((await mlflowCall(port, workspaceToken, 'GET', `${proxied}/leak.txt`)).text, 'another run\'s file', 'the workspace token reads the whole store');
  assert.equal(await finish(), 'Completed');
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
