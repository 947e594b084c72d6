import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { describe, it } from 'node:test';
import { ContainerSASPermissions } from '@azure/storage-blob';
import { BLOB_ENDPOINT_ENV, redactSas } from '../../core/data/blob';
import { uploadToBlobDatastore } from '../../core/data/blob-transfer';
import { DataError, DatastoreResolver, prepareOutputs, stageInputs, type DatastoreRecord, type StagingContext } from '../../core/data';
import { uploadLocalPath } from '../../core/engine/asset-upload';
import { blobTexts, container, DEV_ACCOUNT, DEV_KEY, startAzurite } from '../support/azurite';
import { tempDir, writeTree } from '../support/temp';

const DATA = { 'iris/train.csv': 'a,b\n1,2\n', 'iris/sub/test.csv': 'a,b\n3,4\n', 'other.txt': 'x' };

async function setUp(t: TestContext) {
  const azurite = await startAzurite(t);
  await container(azurite, 'private', DATA);
  await container(azurite, 'public', DATA, 'container');
  const workspace = await tempDir(t);
  const sas = await azurite.service.getContainerClient('private').generateSasUrl({ permissions: ContainerSASPermissions.parse('racwl'), expiresOn: new Date(Date.now() + 3600_000) });
  const blob = (name: string, container_name: string, credentials?: DatastoreRecord['credentials']): DatastoreRecord => ({
    name,
    type: 'azure_blob',
    account_name: DEV_ACCOUNT,
    container_name,
    endpoint: azurite.endpoint,
    ...(credentials ? { credentials } : {}),
  });
  const records: Record<string, DatastoreRecord> = {
    keyed: blob('keyed', 'private', { account_key: DEV_KEY }),
    sas: blob('sas', 'private', { sas_token: sas.split('?')[1]! }),
    anonymous: blob('anonymous', 'public'),
    private_anonymous: blob('private_anonymous', 'private'),
    wrong_key: blob('wrong_key', 'private', { account_key: Buffer.from('not the key').toString('base64') }),
    missing: blob('missing', 'nowhere', { account_key: DEV_KEY }),
  };
  const resolver = new DatastoreResolver({ workspaceRoot: workspace, mlwDir: join(workspace, '.mlw'), lookup: (name) => records[name], names: () => Object.keys(records) });
  const logs: string[] = [];
  const context = (run: string, containerized = false): StagingContext => ({
    runDir: join(workspace, '.mlw/runs', run),
    containerized,
    specDir: workspace,
    resolver,
    dataAsset: () => undefined,
    log: (line) => logs.push(line),
  });
  return { azurite, workspace, resolver, context, logs };
}

function dataError(pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof DataError, `expected a DataError, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  };
}

async function filesBelow(folder: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const entry of await readdir(folder, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) result[join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name).slice(folder.length + 1)] = await readFile(join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name), 'utf8');
  }
  return result;
}

describe('Blob datastores (real Azurite, real SDK)', () => {
  it('ro_mount downloads into the cache once, reuses it while unchanged, and downloads again after a change', async (t) => {
    const { azurite, context, logs } = await setUp(t);
    const input = { data: { type: 'uri_folder' as const, path: 'azureml://datastores/keyed/paths/iris/' } };
    const first = await stageInputs(input, context('r1'));
    assert.deepEqual(await filesBelow(first.data!.value), { 'train.csv': 'a,b\n1,2\n', 'sub/test.csv': 'a,b\n3,4\n' });
    assert.ok(logs.some((line) => /input data: .*downloaded into the cache \(2 files/.test(line)), logs.join('\n'));
    // Read-only for the run.
    assert.equal((await stat(join(first.data!.value, 'train.csv'))).mode & 0o222, 0);

    logs.length = 0;
    await stageInputs(input, context('r2'));
    assert.ok(logs.some((line) => /unchanged, cached copy reused/.test(line)), logs.join('\n'));

    await azurite.service.getContainerClient('private').getBlockBlobClient('iris/train.csv').upload('changed', 7);
    logs.length = 0;
    const third = await stageInputs(input, context('r3'));
    assert.equal(await readFile(join(third.data!.value, 'train.csv'), 'utf8'), 'changed');
    assert.ok(logs.some((line) => /downloaded into the cache/.test(line)), logs.join('\n'));
  });

  it('a container run mounts the cached copy read-only; download copies it into the run; uri_file is one blob', async (t) => {
    const { context, resolver } = await setUp(t);
    const staged = await stageInputs(
      {
        mounted: { type: 'uri_folder', path: 'azureml://datastores/sas/paths/iris' },
        copied: { type: 'uri_folder', path: 'azureml://datastores/anonymous/paths/iris/', mode: 'download' },
        one: { type: 'uri_file', path: 'azureml://datastores/keyed/paths/iris/sub/test.csv' },
      },
      context('r1', true),
    );
    assert.equal(staged.mounted!.value, '/mlw/inputs/mounted');
    assert.equal(staged.mounted!.mount!.readOnly, true);
    assert.ok(staged.mounted!.mount!.source.startsWith(resolver.blobCache));
    assert.equal(await readFile(join(staged.copied!.mount!.source, 'sub/test.csv'), 'utf8'), 'a,b\n3,4\n');
    assert.ok(!staged.copied!.mount!.source.startsWith(resolver.blobCache));
    assert.equal(staged.one!.value, '/mlw/inputs/one/test.csv');
    assert.equal(await readFile(staged.one!.mount!.source, 'utf8'), 'a,b\n3,4\n');
  });

  it('direct gives the run a URL with a short-lived read SAS in its environment when mlw holds the key; the SAS is hidden in logs', async (t) => {
    const { context } = await setUp(t);
    const staged = await stageInputs({ data: { type: 'uri_file', path: 'azureml://datastores/keyed/paths/iris/train.csv', mode: 'direct' } }, context('r1'));
    assert.match(staged.data!.value, /^http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1\/private\/iris\/train\.csv$/, 'the command gets no SAS');
    const url = staged.data!.env?.MLW_INPUT_data_URL ?? '';
    assert.ok(url.startsWith(`${staged.data!.value}?`), url);
    assert.match(url, /sig=/);
    assert.match(url, /sp=rl/);
    assert.equal(await (await fetch(url)).text(), 'a,b\n1,2\n');
    assert.doesNotMatch(redactSas(`python x.py --data ${url}`), new RegExp(new URL(url).searchParams.get('sig')!.replace(/[+/]/g, '.')));
    const anonymous = await stageInputs({ data: { type: 'uri_file', path: 'azureml://datastores/anonymous/paths/other.txt', mode: 'direct' } }, context('r2'));
    assert.equal(await (await fetch(anonymous.data!.value)).text(), 'x');
  });

  it('https:// and wasbs:// URLs of a container resolve, with a registered datastore\'s credentials', async (t) => {
    const { azurite, context } = await setUp(t);
    const previous = process.env[BLOB_ENDPOINT_ENV];
    process.env[BLOB_ENDPOINT_ENV] = `http://${azurite.endpoint}`;
    t.after(() => (previous === undefined ? delete process.env[BLOB_ENDPOINT_ENV] : (process.env[BLOB_ENDPOINT_ENV] = previous)));
    const staged = await stageInputs(
      {
        web: { type: 'uri_folder', path: `https://${DEV_ACCOUNT}.blob.core.windows.net/private/iris/`, mode: 'download' },
        wasb: { type: 'uri_file', path: `wasbs://public@${DEV_ACCOUNT}.blob.core.windows.net/other.txt` },
      },
      context('r1'),
    );
    assert.equal(await readFile(join(staged.web!.value, 'train.csv'), 'utf8'), 'a,b\n1,2\n');
    assert.equal(await readFile(staged.wasb!.value, 'utf8'), 'x');
  });

  it('wrong credentials, anonymous access to a private container and a missing container fail with the datastore, the path and Azure\'s code', async (t) => {
    const { context } = await setUp(t);
    const stage = (datastore: string) => stageInputs({ data: { type: 'uri_folder', path: `azureml://datastores/${datastore}/paths/iris/` } }, context(datastore));
    await assert.rejects(stage('wrong_key'), dataError(/input "data": datastore "wrong_key", path "iris\/": Azure refused listing \((AuthenticationFailed|AuthorizationFailure), HTTP 403\); check the datastore's credentials/));
    await assert.rejects(stage('private_anonymous'), dataError(/datastore "private_anonymous", path "iris\/": Azure refused listing \((ResourceNotFound|NoAuthenticationInformation|AuthorizationFailure)/));
    await assert.rejects(stage('missing'), dataError(/datastore "missing", path "iris\/": Azure refused listing \(ContainerNotFound, HTTP 404\); the container does not exist/));
    await assert.rejects(
      stageInputs({ data: { type: 'uri_folder', path: 'azureml://datastores/keyed/paths/nothing/' } }, context('n')),
      dataError(/datastore "keyed", path "nothing\/": nothing is stored there/),
    );
    await assert.rejects(
      stageInputs({ data: { type: 'uri_folder', path: 'azureml://datastores/keyed/paths/other.txt' } }, context('f')),
      dataError(/is a file; use type: uri_file/),
    );
    await assert.rejects(
      prepareOutputs({ out: { path: 'azureml://datastores/wrong_key/paths/out/' } }, { runDir: join('/tmp', 'unused'), containerized: false, jobName: 'j', defaultDatastore: 'keyed', resolver: context('x').resolver }),
      dataError(/output "out": datastore "wrong_key", path "out\/": Azure refused access to the container \((AuthenticationFailed|AuthorizationFailure)/),
    );
  });

  it('outputs (upload and rw_mount) are uploaded to the container at Finalizing', async (t) => {
    const { azurite, context, logs } = await setUp(t);
    const ctx = context('r1');
    const outputs = await prepareOutputs(
      { model: { mode: 'upload' }, metrics: { path: 'azureml://datastores/sas/paths/results/${{name}}/' } },
      { ...ctx, jobName: 'job1', defaultDatastore: 'keyed' },
    );
    await writeTree(outputs.model!.value, { 'model.pkl': 'weights', 'conf/params.json': '{}' });
    await writeFile(join(outputs.metrics!.value, 'metrics.json'), '{"acc":1}');
    assert.deepEqual(await blobTexts(azurite, 'private', 'azureml/job1/'), {});
    for (const output of Object.values(outputs)) await output.finalize();
    assert.deepEqual(await blobTexts(azurite, 'private', 'azureml/job1/'), { 'azureml/job1/model/model.pkl': 'weights', 'azureml/job1/model/conf/params.json': '{}' });
    assert.deepEqual(await blobTexts(azurite, 'private', 'results/'), { 'results/job1/metrics.json': '{"acc":1}' });
    assert.equal(outputs.model!.uri, 'azureml://datastores/keyed/paths/azureml/job1/model/');
    assert.ok(logs.some((line) => /output model: uploaded 2\/2 files/.test(line)), logs.join('\n'));
  });

  it('a local path registered onto a Blob datastore is uploaded once, content-addressed, and reads back as an input', async (t) => {
    const { azurite, workspace, resolver, context } = await setUp(t);
    await writeTree(workspace, { 'data/customers/a.csv': 'id\n1\n', 'data/customers/b/c.csv': 'id\n2\n' });
    const first = await uploadLocalPath('data', { name: 'customers', path: './data/customers', datastore: 'keyed' }, workspace, resolver);
    const uri = first.spec.path as string;
    assert.match(uri, /^azureml:\/\/datastores\/keyed\/paths\/LocalUpload\/[0-9a-f]{64}\/customers\/$/);
    assert.equal(first.reused, false);
    const again = await uploadLocalPath('data', { name: 'customers', path: './data/customers', datastore: 'keyed' }, workspace, resolver);
    assert.equal(again.spec.path, uri);
    assert.equal(again.reused, true);
    const hash = /LocalUpload\/([0-9a-f]+)\//.exec(uri)![1]!;
    assert.deepEqual(Object.keys(await blobTexts(azurite, 'private', `LocalUpload/${hash}/`)).sort(), [`LocalUpload/${hash}/customers/a.csv`, `LocalUpload/${hash}/customers/b/c.csv`]);
    const staged = await stageInputs({ data: { type: 'uri_folder', path: uri } }, context('r1'));
    assert.equal(await readFile(join(staged.data!.value, 'b/c.csv'), 'utf8'), 'id\n2\n');
    // A single file, through a SAS.
    await writeFile(join(workspace, 'one.csv'), 'single');
    const file = await uploadToBlobDatastore(join(workspace, 'one.csv'), { datastore: resolver.blobDatastore('sas')!, path: '' });
    assert.equal((await blobTexts(azurite, 'private', file.relativePath))[file.relativePath], 'single');
  });
});
