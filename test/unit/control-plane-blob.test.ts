import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DEV_ACCOUNT, DEV_KEY, blobTexts, container, startAzurite } from '../support/azurite';
import { commandJob, logText, startPlane, workspace } from '../support/control-plane';

const BLOB_SCHEMA = '$schema: https://azuremlschemas.azureedge.net/latest/azureBlob.schema.json';

test('a job reads a public Blob container through a real daemon: ro_mount from the cache (reused by the next job), download, direct; a missing container fails Preparing', async (t) => {
  const azurite = await startAzurite(t);
  await container(azurite, 'public', { 'iris/train.csv': 'a,b\n1,2\n', 'iris/sub/test.csv': 'a,b\n3,4\n' }, 'container');
  const datastore = (name: string, containerName: string) =>
    `${BLOB_SCHEMA}\nname: ${name}\ntype: azure_blob\naccount_name: ${DEV_ACCOUNT}\ncontainer_name: ${containerName}\nendpoint: ${azurite.endpoint}\n`;
  const inputs = (containerDs: string) =>
    `inputs:\n  train:\n    type: uri_file\n    path: azureml://datastores/${containerDs}/paths/iris/train.csv\n  folder:\n    type: uri_folder\n    path: azureml://datastores/${containerDs}/paths/iris\n    mode: download\n  url:\n    type: uri_folder\n    path: azureml://datastores/${containerDs}/paths/iris/\n    mode: direct\noutputs:\n  out:\n    type: uri_folder\n`;
  const command = 'cat ${{inputs.train}} > ${{outputs.out}}/copy.csv && cat ${{inputs.folder}}/sub/test.csv >> ${{outputs.out}}/copy.csv && echo ${{inputs.url}} > ${{outputs.out}}/url.txt';
  const root = await workspace(t, {
    'public.yml': datastore('public_blob', 'public'),
    'missing.yml': datastore('missing_blob', 'nowhere'),
    'job.yml': commandJob(command, inputs('public_blob')),
    'missing-job.yml': commandJob(command, inputs('missing_blob')),
  });
  const plane = await startPlane(t, root);
  await plane.client.assets.register('datastore', { path: path.join(root, 'public.yml') });
  await plane.client.assets.register('datastore', { path: path.join(root, 'missing.yml') });

  const first = await plane.submit('job.yml');
  const events = await plane.events(first.name);
  assert.equal(await plane.finalStatus(first.name), 'Completed', logText(events));
  assert.match(logText(events), /input train: datastore "public_blob", path "iris\/train.csv": downloaded into the cache \(1 files/);
  const output = (await plane.client.jobs.get(first.name)).outputs?.find((o) => o.name === 'out');
  const stored = path.join(root, '.mlw/datastores/workspaceblobstore/azureml', first.name, 'out');
  assert.ok(output, 'the job has its output');
  assert.equal(fs.readFileSync(path.join(stored, 'copy.csv'), 'utf8'), 'a,b\n1,2\na,b\n3,4\n');
  assert.equal(fs.readFileSync(path.join(stored, 'url.txt'), 'utf8').trim(), `http://${azurite.endpoint}/${DEV_ACCOUNT}/public/iris/`);

  const second = await plane.submit('job.yml');
  const secondLog = logText(await plane.events(second.name));
  assert.match(secondLog, /input train: datastore "public_blob", path "iris\/train.csv": unchanged, cached copy reused/);
  assert.match(secondLog, /input folder: datastore "public_blob", path "iris": unchanged, cached copy reused/);

  const failed = await plane.submit('missing-job.yml');
  const failedEvents = await plane.events(failed.name);
  const last = failedEvents.filter((e) => e.type === 'status').pop();
  assert.ok(last?.type === 'status' && last.status === 'Failed', JSON.stringify(last));
  // Anonymous callers cannot tell a missing container from a private one: Azure answers 404, Azurite 403.
  assert.match(String(last.reason), /input "train": datastore "missing_blob", path "iris\/train.csv": Azure refused reading \((ContainerNotFound|ResourceNotFound|AuthorizationFailure), HTTP 40[34]\)/);
  assert.ok(!failedEvents.some((e) => e.type === 'status' && e.status === 'Running'), 'it failed before running');
  assert.deepEqual(await blobTexts(azurite, 'public', 'azureml/'), {}, 'nothing was written to the container');
});

test('a private Blob datastore registered with its account key: the key goes to the secrets store, data uploads onto it, and a job reads and writes it', async (t) => {
  const azurite = await startAzurite(t);
  await container(azurite, 'private');
  const root = await workspace(t, {
    'ds.yml': `${BLOB_SCHEMA}\nname: private_blob\ntype: azure_blob\naccount_name: ${DEV_ACCOUNT}\ncontainer_name: private\nendpoint: ${azurite.endpoint}\ncredentials:\n  account_key: ${DEV_KEY}\n`,
    'local/rows.csv': 'a,b\n5,6\n',
    'data.yml': '$schema: https://azuremlschemas.azureedge.net/latest/data.schema.json\nname: rows\nversion: 1\ntype: uri_folder\npath: ./local\ndatastore: azureml:private_blob\n',
    'job.yml': commandJob('cat ${{inputs.rows}}/rows.csv > ${{outputs.out}}/copy.csv', 'inputs:\n  rows:\n    type: uri_folder\n    path: azureml:rows:1\noutputs:\n  out:\n    type: uri_folder\n    path: azureml://datastores/private_blob/paths/results/\n'),
  });
  const plane = await startPlane(t, root);
  await plane.client.assets.register('datastore', { path: path.join(root, 'ds.yml') });
  const data = await plane.client.assets.register('data', { path: path.join(root, 'data.yml') });
  assert.match(String(data.asset.spec.path), /^azureml:\/\/datastores\/private_blob\/paths\/LocalUpload\/[0-9a-f]{64}\//);
  const uploaded = await blobTexts(azurite, 'private', 'LocalUpload/');
  assert.deepEqual(Object.values(uploaded), ['a,b\n5,6\n'], 'the data was uploaded into the private container');
  const job = await plane.submit('job.yml');
  const events = await plane.events(job.name);
  assert.equal(await plane.finalStatus(job.name), 'Completed', logText(events));
  assert.deepEqual(await blobTexts(azurite, 'private', 'results/'), { 'results/copy.csv': 'a,b\n5,6\n' });
  const everything = [JSON.stringify(await plane.client.assets.get('datastore', 'private_blob')), logText(events), ...fs.readdirSync(path.join(root, '.mlw')).filter((f) => f.startsWith('mlw.db') && fs.statSync(path.join(root, '.mlw', f)).isFile()).map((f) => fs.readFileSync(path.join(root, '.mlw', f), 'latin1'))].join('\n');
  assert.ok(!everything.includes(DEV_KEY), 'the key is in no answer, log or database file');
});
