import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ApiClient } from '../../core/api/client';
import { startDaemon } from '../../daemon/start-daemon';
import { commandJob, logText, refusal, startPlane, statuses, workspace } from '../support/control-plane';

const DEFAULT_DATASTORES = ['workspaceartifactstore', 'workspaceblobstore', 'workspacefilestore', 'workspaceworkingdirectory'];

test('the four default datastores are registered local folders that cannot be archived', async (t) => {
  const root = await workspace(t);
  const plane = await startPlane(t, root);
  const listed = await plane.client.assets.list({ kind: 'datastore' });
  assert.deepEqual(listed.map((d) => d.name), DEFAULT_DATASTORES);
  const blob = await plane.client.assets.get('datastore', 'workspaceblobstore');
  assert.equal(blob.spec.type, 'local');
  assert.equal(path.resolve(root, String(blob.spec.path)), path.join(root, '.mlw/datastores/workspaceblobstore'));
  for (const name of DEFAULT_DATASTORES) assert.ok(fs.statSync(path.join(root, '.mlw/datastores', name)).isDirectory(), name);
  const archive = await refusal(plane.client.assets.archive('datastore', 'workspaceblobstore'));
  assert.equal(archive.status, 409);
  assert.match(archive.body.message, /workspaceblobstore is one of the workspace's default datastores; it cannot be archived/);
  assert.equal((await plane.client.assets.list({ kind: 'datastore' })).length, 4);
});

test('a second start of the workspace registers the default datastores once and keeps a datastore the workspace defined under their name', async (t) => {
  const root = await workspace(t, { 'files.yml': 'name: workspacefilestore\ntype: local\npath: ./share\n', 'share/.keep': '', 'marker.yml': 'name: marker\ntype: local\npath: ./share\n' });
  const first = await startDaemon({ root, version: 'test', port: 0 });
  let client = new ApiClient(first.info.port, first.info.token);
  await client.assets.register('datastore', { path: path.join(root, 'files.yml') });
  client.close();
  await first.stop();
  const plane = await startPlane(t, root);
  client = plane.client;
  const listed = await client.assets.list({ kind: 'datastore' });
  assert.deepEqual(listed.map((d) => d.name), DEFAULT_DATASTORES);
  const files = await client.assets.get('datastore', 'workspacefilestore');
  assert.equal(files.spec.path, './share', "the workspace's own definition is kept");
  await client.assets.register('datastore', { path: path.join(root, 'marker.yml') });
  const events: string[] = [];
  const stop = new AbortController();
  await client.events((event) => {
    if (event.type === 'asset') events.push(`${event.change} ${event.name}`);
    if (event.type === 'asset' && event.name === 'marker') stop.abort();
  }, { signal: stop.signal });
  const registeredOnce = ['registered workspaceblobstore', 'registered workspacefilestore', 'registered workspaceartifactstore', 'registered workspaceworkingdirectory'];
  assert.deepEqual(events, [...registeredOnce, 'registered workspacefilestore', 'registered marker']);
});

const DATA_SCHEMA = '$schema: https://azuremlschemas.azureedge.net/latest/data.schema.json';

test('registering data with a local path uploads it once, content-addressed, and the version no longer follows the folder', async (t) => {
  const root = await workspace(t, {
    'customers.yml': `${DATA_SCHEMA}\nname: customers\nversion: 1\ntype: uri_folder\npath: ./customers\n`,
    'customers/part-0.csv': 'id\n1\n',
    'customers/nested/part-1.csv': 'id\n2\n',
    'job.yml': commandJob('cat ${{inputs.data}}/part-0.csv; echo from-the-job > ${{inputs.data}}/written.txt || echo refused', '\ninputs:\n  data:\n    type: uri_folder\n    path: azureml:customers:1\n    mode: ro_mount\n'),
  });
  const plane = await startPlane(t, root);
  const first = await plane.client.assets.register('data', { path: path.join(root, 'customers.yml') });
  const uri = String(first.asset.spec.path);
  const match = /^azureml:\/\/datastores\/workspaceblobstore\/paths\/LocalUpload\/([0-9a-f]{64})\/customers\/$/.exec(uri);
  assert.ok(match, uri);
  assert.deepEqual(first.asset.upload, { localPath: path.join(root, 'customers'), uri, files: 2, bytes: 10 });
  assert.equal(first.upload?.reused, false);
  const stored = path.join(root, '.mlw/datastores/workspaceblobstore/LocalUpload', match[1]!, 'customers');
  assert.equal(fs.readFileSync(path.join(stored, 'nested/part-1.csv'), 'utf8'), 'id\n2\n');

  const second = await plane.client.assets.register('data', { path: path.join(root, 'customers.yml'), set: ['version=2'] });
  assert.equal(second.asset.spec.path, uri, 'the same content is stored once');
  assert.equal(second.upload?.reused, true);
  assert.deepEqual(fs.readdirSync(path.join(root, '.mlw/datastores/workspaceblobstore/LocalUpload')), [match[1]]);
  const shown = await plane.client.assets.get('data', 'customers', '1');
  assert.deepEqual([shown.spec.path, shown.upload?.localPath], [uri, path.join(root, 'customers')]);

  fs.writeFileSync(path.join(root, 'customers/part-0.csv'), 'id\nchanged after registration\n');
  const job = await plane.submit('job.yml');
  const events = await plane.events(job.name);
  assert.equal(statuses(events).at(-1), 'Completed', logText(events));
  assert.match(logText(events), /^id\n1\n/m, 'the job reads the registered version, not the folder as it is now');
  assert.equal(fs.existsSync(path.join(stored, 'written.txt')), false, 'the job cannot write into the asset');
  assert.equal(fs.existsSync(path.join(root, 'customers/written.txt')), false);
  const changed = await plane.client.assets.register('data', { path: path.join(root, 'customers.yml'), set: ['version=3'] });
  assert.notEqual(changed.asset.spec.path, uri, 'changed content is a new upload');
});


test('a job reads registered models given as model inputs, by version and @latest, including models registered through MLflow', async (t) => {
  const modelJob = (path: string, type: string) => commandJob('cat ${{inputs.model}}/MLmodel', `\ninputs:\n  model:\n    type: ${type}\n    path: ${path}\n`);
  const root = await workspace(t, {
    'model.yml': '$schema: https://azuremlschemas.azureedge.net/latest/model.schema.json\nname: churn-model\nversion: 2\ntype: custom_model\npath: ./churn\n',
    'churn/MLmodel': 'flavor: churn-from-a-spec\n',
    'by-version.yml': modelJob('azureml:churn-model:2', 'custom_model'),
    'by-label.yml': modelJob('azureml:churn-model@latest', 'custom_model'),
    'from-mlflow.yml': modelJob('azureml:iris-model:1', 'mlflow_model'),
    '.mlw/datastores/workspaceartifactstore/7/run-1/artifacts/model/MLmodel': 'flavor: logged-through-mlflow\n',
  });
  const plane = await startPlane(t, root);
  await plane.client.assets.register('model', { path: path.join(root, 'model.yml') });
  await plane.http.request('POST', '/api/2.0/mlflow/registered-models/create', { name: 'iris-model' });
  await plane.http.request('POST', '/api/2.0/mlflow/model-versions/create', { name: 'iris-model', source: 'mlflow-artifacts:/7/run-1/artifacts/model' });
  assert.equal((await plane.client.assets.get('model', 'iris-model', '1')).spec.type, 'mlflow_model');
  for (const [file, expected] of [['by-version.yml', 'churn-from-a-spec'], ['by-label.yml', 'churn-from-a-spec'], ['from-mlflow.yml', 'logged-through-mlflow']] as const) {
    const job = await plane.submit(file);
    const events = await plane.events(job.name);
    assert.equal(statuses(events).at(-1), 'Completed', `${file}: ${logText(events)}`);
    assert.match(logText(events), new RegExp(`^flavor: ${expected}$`, 'm'), file);
  }
});
