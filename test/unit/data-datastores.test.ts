import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { describe, it } from 'node:test';
import { DataError, DatastoreResolver, type DatastoreRecord } from '../../core/data';
import { tempDir, writeTree } from '../support/temp';

async function setUp(t: TestContext, options: { jobOutput?: (job: string, output: string) => string | undefined } = {}) {
  const workspace = await tempDir(t);
  const outside = await tempDir(t, 'mlw-outside-');
  const registered: Record<string, DatastoreRecord> = {
    shared: { name: 'shared', type: 'local', path: join(outside, 'shared') },
    lake: { name: 'lake', type: 'azure_blob' },
  };
  const resolver = new DatastoreResolver({
    workspaceRoot: workspace,
    mlwDir: join(workspace, '.mlw'),
    lookup: (name) => registered[name],
    names: () => Object.keys(registered),
    ...options,
  });
  const specDir = join(workspace, 'jobs');
  await writeTree(workspace, { 'jobs/data/iris.csv': 'a,b\n', 'jobs/job.yml': '' });
  return { workspace, outside, resolver, specDir };
}

function dataError(pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof DataError, `expected a DataError, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  };
}

describe('DatastoreResolver', () => {
  it('keeps the built-in datastores as folders under the mlw folder, created on demand', async (t) => {
    const { workspace, resolver } = await setUp(t);
    const root = resolver.root('workspaceblobstore');
    assert.equal(root, join(workspace, '.mlw', 'datastores', 'workspaceblobstore'));
    assert.ok((await stat(root)).isDirectory());
    for (const name of ['workspacefilestore', 'workspaceartifactstore', 'workspaceworkingdirectory']) {
      assert.equal(resolver.root(name), join(workspace, '.mlw', 'datastores', name));
    }
  });

  it('resolves datastore URIs into the datastore folder', async (t) => {
    const { workspace, outside, resolver, specDir } = await setUp(t);
    await writeTree(workspace, { '.mlw/datastores/workspaceblobstore/raw/iris.csv': '' });
    assert.deepEqual(resolver.resolve('azureml://datastores/workspaceblobstore/paths/raw/iris.csv', specDir), {
      kind: 'local',
      path: join(workspace, '.mlw/datastores/workspaceblobstore/raw/iris.csv'),
      datastore: 'workspaceblobstore',
      root: join(workspace, '.mlw/datastores/workspaceblobstore'),
      relative: 'raw/iris.csv',
    });
    const registered = resolver.resolve('azureml://datastores/shared/paths/out/', specDir, { mustExist: false });
    assert.deepEqual(registered, { kind: 'local', path: join(outside, 'shared/out'), datastore: 'shared', root: join(outside, 'shared'), relative: 'out' });
    const long = 'azureml://subscriptions/s/resourcegroups/rg/workspaces/ws/datastores/shared/paths/x';
    assert.equal(resolver.resolve(long, specDir, { mustExist: false }).kind, 'local');
  });

  it('treats non-local datastores and URLs as remote', async (t) => {
    const { resolver, specDir } = await setUp(t);
    for (const uri of [
      'azureml://datastores/lake/paths/raw/',
      'https://example.com/iris.csv',
      'abfss://fs@account.dfs.core.windows.net/raw/',
    ]) {
      assert.deepEqual(resolver.resolve(uri, specDir), { kind: 'remote', uri });
    }
    // A Blob container's URL is read by mlw itself, anonymously unless a registered datastore holds its credentials.
    const wasbs = 'wasbs://data@account.blob.core.windows.net/iris.csv';
    assert.deepEqual(resolver.resolve(wasbs, specDir), {
      kind: 'remote',
      uri: wasbs,
      blob: { datastore: { name: 'account/data', account_name: 'account', container_name: 'data', endpoint: 'core.windows.net' }, path: 'iris.csv' },
    });
    assert.throws(() => resolver.root('lake'), dataError(/"lake" is of type azure_blob/));
  });

  it('resolves local paths against the spec folder', async (t) => {
    const { workspace, resolver, specDir } = await setUp(t);
    const iris = join(workspace, 'jobs/data/iris.csv');
    for (const form of ['./data/iris.csv', 'data/iris.csv', iris, `file://${iris}`, 'file:./data/iris.csv', '../jobs/data/iris.csv']) {
      assert.deepEqual(resolver.resolve(form, specDir), { kind: 'local', path: iris }, form);
    }
  });

  it('rejects paths that climb out of the workspace or a datastore', async (t) => {
    const { resolver, specDir } = await setUp(t);
    assert.throws(() => resolver.resolve('../../etc/passwd', specDir), dataError(/"\.\.\/\.\.\/etc\/passwd" points outside the workspace/));
    assert.throws(() => resolver.resolve('file:../../etc', specDir), dataError(/points outside the workspace/));
    for (const uri of [
      'azureml://datastores/workspaceblobstore/paths/../../x',
      'azureml://datastores/workspaceblobstore/paths/raw/../../../x',
      'azureml://datastores/workspaceblobstore/paths/..%2F..%2Fx',
      'azureml://datastores/shared/paths/..',
    ]) {
      assert.throws(() => resolver.resolve(uri, specDir, { mustExist: false }), dataError(new RegExp(`"${uri.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}" points outside datastore`)), uri);
    }
  });

  it('names an unknown datastore and the known ones', async (t) => {
    const { resolver, specDir } = await setUp(t);
    assert.throws(
      () => resolver.resolve('azureml://datastores/nope/paths/x', specDir),
      dataError(/unknown datastore "nope"; known datastores: lake, shared, workspaceartifactstore, workspaceblobstore, workspacefilestore, workspaceworkingdirectory/),
    );
    assert.throws(() => resolver.root('nope'), dataError(/unknown datastore "nope"/));
  });

  it('reports missing local paths unless told they may not exist yet', async (t) => {
    const { workspace, resolver, specDir } = await setUp(t);
    assert.throws(() => resolver.resolve('./data/missing.csv', specDir), dataError(/"\.\/data\/missing\.csv" does not exist \(looked for .*jobs\/data\/missing\.csv\)/));
    assert.throws(() => resolver.resolve('azureml://datastores/workspaceblobstore/paths/none', specDir), dataError(/does not exist/));
    assert.deepEqual(resolver.resolve('./new', specDir, { mustExist: false }), { kind: 'local', path: join(workspace, 'jobs/new') });
  });

  it('resolves job outputs only when told where they are stored', async (t) => {
    const plain = await setUp(t);
    assert.throws(() => plain.resolver.resolve('azureml://jobs/j1/outputs/model/paths/m.pkl', plain.specDir), dataError(/not supported yet/));
    const { workspace, resolver, specDir } = await setUp(t, {
      jobOutput: (job, output) => (job === 'j1' ? `azureml://datastores/workspaceblobstore/paths/azureml/${job}/${output}/` : undefined),
    });
    assert.deepEqual(resolver.resolve('azureml://jobs/j1/outputs/model/paths/m.pkl', specDir, { mustExist: false }), {
      kind: 'local',
      path: join(workspace, '.mlw/datastores/workspaceblobstore/azureml/j1/model/m.pkl'),
      datastore: 'workspaceblobstore',
      root: join(workspace, '.mlw/datastores/workspaceblobstore'),
      relative: 'azureml/j1/model/m.pkl',
    });
    assert.throws(() => resolver.resolve('azureml://jobs/j2/outputs/model', specDir), dataError(/job "j2" has no output "model"/));
  });

  it('refuses asset references, which are not data locations', async (t) => {
    const { resolver, specDir } = await setUp(t);
    assert.throws(() => resolver.resolve('azureml:iris:1', specDir), dataError(/refers to an asset/));
  });
});
