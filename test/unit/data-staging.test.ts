import assert from 'node:assert/strict';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { describe, it } from 'node:test';
import {
  CONTAINER_CODE_DIR,
  CONTAINER_ROOT,
  DataError,
  DatastoreResolver,
  prepareOutputs,
  stageInputs,
  type DataAssetLocation,
  type StagingContext,
} from '../../core/data';
import { tempDir, writeTree } from '../support/temp';

interface AssetLookup {
  name: string;
  version: string | undefined;
  label: string | undefined;
  kind: string | undefined;
}

async function setUp(t: TestContext) {
  const workspace = await tempDir(t);
  await writeTree(workspace, {
    'jobs/data/iris.csv': 'a,b\n1,2\n',
    'jobs/data/folder/part-0.csv': 'x\n',
    'jobs/data/folder/sub/part-1.csv': 'y\n',
    'assets/iris/v1/iris.csv': 'asset\n',
    '.mlw/datastores/workspaceblobstore/raw/train.csv': 'train\n',
  });
  const resolver = new DatastoreResolver({ workspaceRoot: workspace, mlwDir: join(workspace, '.mlw'), lookup: () => undefined });
  const lookups: AssetLookup[] = [];
  const assets: Record<string, DataAssetLocation> = {
    'iris:1': { path: './iris.csv', type: 'uri_file', baseDir: join(workspace, 'assets/iris/v1') },
    'iris@latest': { path: './iris.csv', type: 'uri_file', baseDir: join(workspace, 'assets/iris/v1') },
    'web:1': { path: 'https://example.com/web.csv', type: 'uri_file', baseDir: workspace },
  };
  const context = (containerized: boolean): StagingContext => ({
    runDir: join(workspace, '.mlw/runs', containerized ? 'r-container' : 'r-host'),
    containerized,
    specDir: join(workspace, 'jobs'),
    resolver,
    dataAsset: (name, version, label, kind) => {
      lookups.push({ name, version, label, kind });
      return assets[version !== undefined ? `${name}:${version}` : `${name}@${label}`];
    },
  });
  return { workspace, resolver, context, lookups };
}

function dataError(field: string, pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof DataError, `expected a DataError, got ${String(error)}`);
    assert.equal(error.field, field);
    assert.match(error.message, pattern);
    return true;
  };
}

describe('stageInputs', () => {
  it('turns literals into their text, keeping true/false as YAML writes them', async (t) => {
    const { context } = await setUp(t);
    const staged = await stageInputs(
      {
        epochs: 10,
        rate: 0.01,
        name: 'iris',
        shuffle: true,
        typed: { type: 'integer', default: 3 },
        flag: { type: 'boolean', default: false },
        skipped: { type: 'string', optional: true },
      },
      context(true),
    );
    assert.deepEqual(
      Object.fromEntries(Object.values(staged).map((input) => [input.name, [input.value, input.type]])),
      { epochs: ['10', 'integer'], rate: ['0.01', 'number'], name: ['iris', 'string'], shuffle: ['true', 'boolean'], typed: ['3', 'integer'], flag: ['false', 'boolean'] },
    );
    await assert.rejects(stageInputs({ count: { type: 'integer' } }, context(true)), dataError('inputs.count', /input "count" has no value/));
    await assert.rejects(stageInputs({ x: '${{parent.inputs.x}}' }, context(true)), dataError('inputs.x', /still holds the binding/));
  });

  it('mounts folders and files read-only under /mlw/inputs in a container', async (t) => {
    const { workspace, context } = await setUp(t);
    const staged = await stageInputs(
      { folder: { type: 'uri_folder', path: './data/folder' }, file: { type: 'uri_file', path: 'data/iris.csv', mode: 'eval_mount' } },
      context(true),
    );
    assert.deepEqual(staged.folder, {
      name: 'folder',
      mode: 'ro_mount',
      type: 'uri_folder',
      value: `${CONTAINER_ROOT}/inputs/folder`,
      mount: { source: join(workspace, 'jobs/data/folder'), target: '/mlw/inputs/folder', readOnly: true },
    });
    assert.deepEqual(staged.file, {
      name: 'file',
      mode: 'eval_mount',
      type: 'uri_file',
      value: '/mlw/inputs/file/iris.csv',
      mount: { source: join(workspace, 'jobs/data/iris.csv'), target: '/mlw/inputs/file/iris.csv', readOnly: true },
    });
    assert.equal(CONTAINER_CODE_DIR, '/mlw/code');
  });

  it('gives host runs a read-only copy for read-only mounts, never the source itself', async (t) => {
    const { workspace, context } = await setUp(t);
    const ctx = context(false);
    const staged = await stageInputs({ folder: { path: './data/folder' }, file: { type: 'uri_file', path: './data/iris.csv', mode: 'eval_mount' } }, ctx);
    const copy = join(ctx.runDir, 'inputs/folder');
    assert.equal(staged.folder!.value, copy);
    assert.deepEqual(staged.folder!.mount, { source: copy, target: copy, readOnly: true });
    assert.equal(staged.file!.value, join(ctx.runDir, 'inputs/file/iris.csv'));
    const source = join(workspace, 'jobs/data/folder/sub/part-1.csv');
    const copied = join(copy, 'sub/part-1.csv');
    assert.equal(await readFile(copied, 'utf8'), 'y\n');
    assert.equal((await stat(copied)).mode & 0o777, 0o444);
    assert.equal((await stat(join(copy, 'sub'))).mode & 0o777, 0o555);
    assert.equal((await stat(copy)).mode & 0o777, 0o555);
    assert.equal((await stat(staged.file!.value)).mode & 0o777, 0o444);
    assert.notEqual((await stat(copied)).ino, (await stat(source)).ino, 'a copy (or reflink), not a hard link');
    assert.notEqual((await stat(source)).mode & 0o777, 0o444, "the source's mode is untouched");
    // Whoever can still write (root, or the owner after chmod) changes the copy, not the data it was given.
    await chmod(copied, 0o644);
    await writeFile(copied, 'changed\n');
    assert.equal(await readFile(source, 'utf8'), 'y\n');
    const again = await stageInputs({ folder: { path: './data/folder' } }, ctx);
    assert.equal(again.folder!.value, copy, 'a run picked up again reuses its copy');
  });

  it('copies download inputs into the run folder, mounted read-only in a container', async (t) => {
    const { context } = await setUp(t);
    const ctx = context(true);
    const staged = await stageInputs(
      { folder: { type: 'uri_folder', path: './data/folder', mode: 'download' }, file: { type: 'uri_file', path: './data/iris.csv', mode: 'download' } },
      ctx,
    );
    const folderCopy = join(ctx.runDir, 'inputs/folder');
    assert.equal(await readFile(join(folderCopy, 'sub/part-1.csv'), 'utf8'), 'y\n');
    assert.deepEqual(staged.folder!.mount, { source: folderCopy, target: '/mlw/inputs/folder', readOnly: true });
    assert.equal(staged.folder!.value, '/mlw/inputs/folder');
    assert.equal(await readFile(join(ctx.runDir, 'inputs/file/iris.csv'), 'utf8'), 'a,b\n1,2\n');
    assert.deepEqual(staged.file!.mount, { source: join(ctx.runDir, 'inputs/file'), target: '/mlw/inputs/file', readOnly: true });
    assert.equal(staged.file!.value, '/mlw/inputs/file/iris.csv');
  });

  it('gives host runs the path of the downloaded copy', async (t) => {
    const { context } = await setUp(t);
    const ctx = context(false);
    const staged = await stageInputs({ file: { type: 'uri_file', path: './data/iris.csv', mode: 'eval_download' } }, ctx);
    assert.equal(staged.file!.value, join(ctx.runDir, 'inputs/file/iris.csv'));
    assert.equal(await readFile(staged.file!.value, 'utf8'), 'a,b\n1,2\n');
  });

  it('passes direct inputs through untouched, and needs direct for remote data', async (t) => {
    const { context } = await setUp(t);
    const url = 'https://example.com/iris.csv';
    const staged = await stageInputs({ web: { type: 'uri_file', path: url, mode: 'direct' }, local: { path: './data/folder', mode: 'direct' } }, context(true));
    assert.deepEqual(staged.web, { name: 'web', value: url, mode: 'direct', type: 'uri_file' });
    assert.equal(staged.local!.value, './data/folder');
    assert.equal(staged.local!.mount, undefined);
    await assert.rejects(
      stageInputs({ web: { type: 'uri_file', path: url } }, context(true)),
      dataError('inputs.web', /input "web": "https:\/\/example\.com\/iris\.csv" is remote data; remote data needs mode: direct until remote datastores are supported/),
    );
  });

  it('resolves data assets by version and label through the asset lookup', async (t) => {
    const { workspace, context, lookups } = await setUp(t);
    const staged = await stageInputs(
      { byVersion: { path: 'azureml:iris:1' }, byLabel: { path: 'azureml:iris@latest', mode: 'download' }, web: { path: 'azureml:web:1', mode: 'direct' } },
      context(false),
    );
    assert.equal(staged.byVersion!.value, join(context(false).runDir, 'inputs/byVersion/iris.csv'));
    assert.equal(await readFile(staged.byVersion!.value, 'utf8'), await readFile(join(workspace, 'assets/iris/v1/iris.csv'), 'utf8'));
    assert.equal(staged.byVersion!.type, 'uri_file');
    assert.match(staged.byLabel!.value, /inputs\/byLabel\/iris\.csv$/);
    assert.equal(staged.web!.value, 'https://example.com/web.csv');
    assert.deepEqual(lookups.slice(0, 2), [
      { name: 'iris', version: '1', label: undefined, kind: 'data' },
      { name: 'iris', version: undefined, label: 'latest', kind: 'data' },
    ]);
    await stageInputs({ model: { type: 'custom_model', path: 'azureml:iris:1' } }, context(false));
    assert.equal(lookups.at(-1)!.kind, 'model');
  });

  it('stages datastore URIs', async (t) => {
    const { workspace, context } = await setUp(t);
    const staged = await stageInputs({ train: { type: 'uri_file', path: 'azureml://datastores/workspaceblobstore/paths/raw/train.csv' } }, context(true));
    assert.deepEqual(staged.train!.mount, {
      source: join(workspace, '.mlw/datastores/workspaceblobstore/raw/train.csv'),
      target: '/mlw/inputs/train/train.csv',
      readOnly: true,
    });
  });

  it('names the input and the value when data cannot be staged', async (t) => {
    const { context } = await setUp(t);
    const ctx = context(true);
    await assert.rejects(stageInputs({ training_data: { path: './data/nope' } }, ctx), dataError('inputs.training_data', /input "training_data": "\.\/data\/nope" does not exist/));
    await assert.rejects(stageInputs({ d: { path: 'azureml:missing:2' } }, ctx), dataError('inputs.d', /input "d": data asset "azureml:missing:2" was not found/));
    await assert.rejects(stageInputs({ d: { path: '../../etc/passwd' } }, ctx), dataError('inputs.d', /points outside the workspace/));
    await assert.rejects(stageInputs({ d: { type: 'uri_folder', path: './data/iris.csv' } }, ctx), dataError('inputs.d', /uri_folder but ".\/data\/iris.csv" is a file/));
    await assert.rejects(stageInputs({ d: { type: 'uri_file', path: './data/folder' } }, ctx), dataError('inputs.d', /uri_file but ".\/data\/folder" is a folder/));
    await assert.rejects(stageInputs({ d: { type: 'uri_file' } }, ctx), dataError('inputs.d', /needs a path/));
    await assert.rejects(stageInputs({ d: { path: './data/folder', mode: 'upload' as never } }, ctx), dataError('inputs.d', /mode "upload"; expected one of/));
    await assert.rejects(stageInputs({ '../x': 1 }, ctx), dataError('inputs.../x', /cannot be used as a folder name/));
  });
});

describe('prepareOutputs', () => {
  function outputContext(resolver: DatastoreResolver, runDir: string, containerized: boolean) {
    return { runDir, containerized, jobName: 'job-1', defaultDatastore: 'workspaceblobstore', resolver };
  }

  it('mounts the default datastore location read-write, writable by the container user', async (t) => {
    const { workspace, resolver } = await setUp(t);
    const outputs = await prepareOutputs({ model: null, metrics: { type: 'uri_folder' } }, outputContext(resolver, join(workspace, 'run'), true));
    const hostDir = join(workspace, '.mlw/datastores/workspaceblobstore/azureml/job-1/model');
    const model = outputs.model!;
    assert.equal(model.uri, 'azureml://datastores/workspaceblobstore/paths/azureml/job-1/model/');
    assert.equal(model.hostDir, hostDir);
    assert.equal(model.mode, 'rw_mount');
    assert.equal(model.value, '/mlw/outputs/model');
    assert.deepEqual(model.mount, { source: hostDir, target: '/mlw/outputs/model', readOnly: false });
    assert.equal((await stat(hostDir)).mode & 0o777, 0o777);
    await model.finalize();
    assert.equal(outputs.metrics!.value, '/mlw/outputs/metrics');
  });

  it('gives host runs the datastore folder itself', async (t) => {
    const { workspace, resolver } = await setUp(t);
    const outputs = await prepareOutputs({ model: { mode: 'mount' } }, outputContext(resolver, join(workspace, 'run'), false));
    const hostDir = join(workspace, '.mlw/datastores/workspaceblobstore/azureml/job-1/model');
    assert.equal(outputs.model!.value, hostDir);
    assert.deepEqual(outputs.model!.mount, { source: hostDir, target: hostDir, readOnly: false });
    assert.ok((await stat(hostDir)).isDirectory());
  });

  it('honours an explicit datastore path, with ${{name}} and ${{output_name}} filled in', async (t) => {
    const { workspace, resolver } = await setUp(t);
    const outputs = await prepareOutputs(
      {
        model: { path: 'azureml://datastores/workspacefilestore/paths/models/${{name}}/${{output_name}}/' },
        report: { type: 'uri_file', path: 'azureml://datastores/workspacefilestore/paths/reports/summary.json' },
      },
      outputContext(resolver, join(workspace, 'run'), true),
    );
    assert.equal(outputs.model!.hostDir, join(workspace, '.mlw/datastores/workspacefilestore/models/job-1/model'));
    assert.equal(outputs.model!.uri, 'azureml://datastores/workspacefilestore/paths/models/job-1/model/');
    assert.equal(outputs.report!.hostDir, join(workspace, '.mlw/datastores/workspacefilestore/reports'));
    assert.equal(outputs.report!.value, '/mlw/outputs/report/summary.json');
  });

  it('writes upload outputs in the run folder and copies them on finalize', async (t) => {
    const { workspace, resolver } = await setUp(t);
    const runDir = join(workspace, 'run');
    const outputs = await prepareOutputs({ model: { mode: 'upload' } }, outputContext(resolver, runDir, true));
    const model = outputs.model!;
    assert.equal(model.hostDir, join(runDir, 'outputs/model'));
    assert.deepEqual(model.mount, { source: join(runDir, 'outputs/model'), target: '/mlw/outputs/model', readOnly: false });
    assert.equal((await stat(model.hostDir)).mode & 0o777, 0o777);
    await writeTree(model.hostDir, { 'model.pkl': 'weights', 'meta/info.json': '{}' });
    const stored = join(workspace, '.mlw/datastores/workspaceblobstore/azureml/job-1/model');
    await assert.rejects(stat(stored));
    await model.finalize();
    assert.equal(await readFile(join(stored, 'model.pkl'), 'utf8'), 'weights');
    assert.equal(await readFile(join(stored, 'meta/info.json'), 'utf8'), '{}');
  });

  it('passes direct outputs as their URI without a mount', async (t) => {
    const { workspace, resolver } = await setUp(t);
    const outputs = await prepareOutputs({ model: { mode: 'direct' } }, outputContext(resolver, join(workspace, 'run'), true));
    assert.equal(outputs.model!.value, 'azureml://datastores/workspaceblobstore/paths/azureml/job-1/model/');
    assert.equal(outputs.model!.mount, undefined);
  });

  it('rejects traversal, other path forms and unknown datastores', async (t) => {
    const { workspace, resolver } = await setUp(t);
    const ctx = outputContext(resolver, join(workspace, 'run'), true);
    await assert.rejects(
      prepareOutputs({ model: { path: 'azureml://datastores/workspaceblobstore/paths/../../x' } }, ctx),
      dataError('outputs.model', /output "model": ".*\/paths\/\.\.\/\.\.\/x" points outside datastore "workspaceblobstore"/),
    );
    await assert.rejects(prepareOutputs({ model: { path: './out' } }, ctx), dataError('outputs.model', /must be azureml:\/\/datastores/));
    await assert.rejects(prepareOutputs({ model: null }, { ...ctx, defaultDatastore: 'nope' }), dataError('outputs.model', /unknown datastore "nope"/));
    await assert.rejects(prepareOutputs({ model: null }, { ...ctx, jobName: '../escape' }), dataError('name', /job name "\.\.\/escape"/));
  });
});
