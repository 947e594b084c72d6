import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ApiClient, ApiError } from '../../core/api/client';
import type { AssetDetail, AssetSummary } from '../../core/api/contracts';
import { startDaemon } from '../../core/api/daemon';
import { startPlane, workspace } from '../support/control-plane';

const DEFAULT_DATASTORES = ['workspaceartifactstore', 'workspaceblobstore', 'workspacefilestore', 'workspaceworkingdirectory'];

async function refused(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ApiError, String(error));
    return error;
  }
  assert.fail('expected the request to be refused');
}

test('the four default datastores are registered local folders that cannot be archived', async (t) => {
  const root = await workspace(t);
  const plane = await startPlane(t, root);
  const listed = await plane.client.request<AssetSummary[]>('GET', '/api/assets?kind=datastore');
  assert.deepEqual(listed.map((d) => d.name), DEFAULT_DATASTORES);
  const blob = await plane.client.request<AssetDetail>('GET', '/api/assets/datastore/workspaceblobstore');
  assert.equal(blob.spec.type, 'local');
  assert.equal(path.resolve(root, String(blob.spec.path)), path.join(root, '.mlw/datastores/workspaceblobstore'));
  for (const name of DEFAULT_DATASTORES) assert.ok(fs.statSync(path.join(root, '.mlw/datastores', name)).isDirectory(), name);
  const archive = await refused(plane.client.request('POST', '/api/assets/datastore/workspaceblobstore/archive'));
  assert.equal(archive.status, 409);
  assert.match(archive.body.message, /workspaceblobstore is one of the workspace's default datastores; it cannot be archived/);
  assert.equal((await plane.client.request<AssetSummary[]>('GET', '/api/assets?kind=datastore')).length, 4);
});

test('a second start of the workspace registers the default datastores once and keeps a datastore the workspace defined under their name', async (t) => {
  const root = await workspace(t, { 'files.yml': 'name: workspacefilestore\ntype: local\npath: ./share\n', 'share/.keep': '', 'marker.yml': 'name: marker\ntype: local\npath: ./share\n' });
  const first = await startDaemon({ root, version: 'test', port: 0 });
  let client = new ApiClient(first.info.port, first.info.token);
  await client.request('POST', '/api/assets/datastore', { path: path.join(root, 'files.yml') });
  client.close();
  await first.stop();
  const plane = await startPlane(t, root);
  client = plane.client;
  const listed = await client.request<AssetSummary[]>('GET', '/api/assets?kind=datastore');
  assert.deepEqual(listed.map((d) => d.name), DEFAULT_DATASTORES);
  const files = await client.request<AssetDetail>('GET', '/api/assets/datastore/workspacefilestore');
  assert.equal(files.spec.path, './share', "the workspace's own definition is kept");
  await client.request('POST', '/api/assets/datastore', { path: path.join(root, 'marker.yml') });
  const events: string[] = [];
  const stop = new AbortController();
  await client.follow('/api/events', (event) => {
    if (event.type === 'asset') events.push(`${event.change} ${event.name}`);
    if (event.type === 'asset' && event.name === 'marker') stop.abort();
  }, { signal: stop.signal });
  const registeredOnce = ['registered workspaceblobstore', 'registered workspacefilestore', 'registered workspaceartifactstore', 'registered workspaceworkingdirectory'];
  assert.deepEqual(events, [...registeredOnce, 'registered workspacefilestore', 'registered marker']);
});
