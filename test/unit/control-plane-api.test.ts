import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ApiClient } from '../../core/api/client';
import { COMMAND_SCHEMA, commandJob, findingLines, refusal, startPlane, workspace } from '../support/control-plane';
import { httpRequest } from '../support/http';

test('every route needs the token', async (t) => {
  const plane = await startPlane(t, await workspace(t));
  for (const route of ['/api/health', '/api/jobs', '/api/events', '/api/nothing']) {
    const missing = await httpRequest(plane.daemon.info.port, 'GET', route);
    assert.equal(missing.status, 401, route);
    assert.match(missing.body.message, /token/);
  }
  const wrong = new ApiClient(plane.daemon.info.port, 'not-the-token');
  t.after(() => wrong.close());
  assert.equal((await refusal(wrong.health())).status, 401);
  assert.equal((await plane.client.health()).version, 'test');
});

test('malformed, incomplete and oversized bodies are refused with a message', async (t) => {
  const plane = await startPlane(t, await workspace(t));
  const auth = { authorization: `Bearer ${plane.daemon.info.token}`, 'content-type': 'application/json' };
  const port = plane.daemon.info.port;
  const malformed = await httpRequest(port, 'POST', '/api/jobs', auth, '{"path": ');
  assert.equal(malformed.status, 400);
  assert.match(malformed.body.message, /JSON/i);
  const incomplete = await httpRequest(port, 'POST', '/api/jobs', auth, '{}');
  assert.equal(incomplete.status, 400);
  assert.match(incomplete.body.message, /path/);
  const extra = await httpRequest(port, 'POST', '/api/jobs', auth, JSON.stringify({ path: 'x.yml', run: 'rm -rf /' }));
  assert.equal(extra.status, 400);
  const oversized = await httpRequest(port, 'POST', '/api/jobs', auth, JSON.stringify({ path: 'x.yml', text: 'a'.repeat(11 * 1024 * 1024) }));
  assert.equal(oversized.status, 413);
  const badKind = await httpRequest(port, 'POST', '/api/assets/spaceship', auth, JSON.stringify({ path: 'x.yml' }));
  assert.equal(badKind.status, 400);
});

test('specs are checked by the same validator as the editor, and nothing outside the workspace is read', async (t) => {
  const root = await workspace(t, {
    'bad.yml': `${COMMAND_SCHEMA}\ntype: command\ncommand: python train.py --lr \${{inputs.lr}}\nenvironment:\n  image: localtest/python:3-bookworm\ncompute: azureml:gpu-cluster\n`,
    'traversal.yml': commandJob('cat ${{inputs.secrets}}', 'inputs:\n  secrets:\n    type: uri_file\n    path: ../../../../etc/passwd\n'),
    'env.yml': '$schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json\nname: base\nversion: 1\nimage: localtest/python:3-bookworm\n',
    'automl.yml': '$schema: https://azuremlschemas.azureedge.net/latest/autoMLJob.schema.json\ntype: automl\ntask: regression\ntarget_column_name: y\ntraining_data:\n  type: mltable\n  path: https://example.com/train\nexperiment_name: a\ncompute: azureml:local\n',
  });
  const plane = await startPlane(t, root);
  const invalid = await refusal(plane.submit('bad.yml'));
  assert.equal(invalid.status, 400);
  assert.match(invalid.body.message, /bad.yml is not valid: 2 errors/);
  assert.ok(findingLines(invalid).some((d) => /^bad.yml:3:\d+ error undeclared-input input `lr`/.test(d)), findingLines(invalid).join('\n'));
  // A warning in the editor (it may exist in the user's Azure workspace), an error at the same position on submit.
  assert.ok(findingLines(invalid).includes('bad.yml:6:10 error unknown-reference compute `gpu-cluster` is not defined in this workspace'), findingLines(invalid).join('\n'));
  const outside = await refusal(plane.client.jobs.submit({ path: '/etc/hostname' }));
  assert.match(outside.message, /outside the workspace folder/);
  const dotdot = await refusal(plane.client.jobs.submit({ path: '../../etc/hostname' }));
  assert.match(dotdot.message, /outside the workspace folder/);
  const traversal = await refusal(plane.submit('traversal.yml'));
  assert.match(traversal.message + findingLines(traversal).join('\n'), /etc\/passwd/);
  const missing = await refusal(plane.submit('nope.yml'));
  assert.equal(missing.status, 404);
  const automl = await refusal(plane.submit('automl.yml'));
  assert.equal(automl.status, 501, automl.message);
  assert.match(automl.message, /AutoML jobs are not supported yet; command, pipeline and sweep jobs are/);
  const notJob = await refusal(plane.submit('env.yml'));
  assert.match(notJob.message, /environment spec, not a job; register it with `mlw environment create -f env.yml`/);
  const jobs = await plane.client.jobs.list();
  assert.deepEqual(jobs, [], 'no refused submission left a job behind');
});

test('a refusal names only commands that exist and tells what is wrong with the $schema', async (t) => {
  const root = await workspace(t, {
    'endpoint.yml': '$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json\nname: scorer\nauth_mode: key\n',
    'registry.yml': '$schema: https://azuremlschemas.azureedge.net/latest/registry.schema.json\nname: shared\n',
    'foreign.yml': '$schema: https://json.schemastore.org/github-workflow.json\nname: ci\n',
    'plain.yml': 'name: nothing\n',
  });
  const plane = await startPlane(t, root);
  const endpoint = await refusal(plane.submit('endpoint.yml'));
  assert.equal(endpoint.message, 'endpoint.yml is a endpoint spec, not a job; endpoint specs cannot be registered or run by mlw yet');
  const registry = await refusal(plane.submit('registry.yml'));
  assert.equal(registry.message, 'registry.yml is not an mlw spec: `registry` specs are not supported');
  const foreign = await refusal(plane.client.assets.register('data', { path: path.join(root, 'foreign.yml') }));
  assert.equal(foreign.message, 'foreign.yml is not an mlw spec: its $schema https://json.schemastore.org/github-workflow.json is not an Azure ML schema mlw knows');
  const plain = await refusal(plane.submit('plain.yml'));
  assert.equal(plain.message, 'plain.yml is not an mlw spec: no $schema or known top-level type');
});

test('assets: versions are immutable, latest is the newest, archive hides, --set overrides', async (t) => {
  const env = (version: number, image: string) => `$schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json\nname: base\nversion: ${version}\nimage: ${image}\n`;
  const root = await workspace(t, {
    'v1.yml': env(1, 'localtest/python:3-bookworm'),
    'v1-changed.yml': env(1, 'localtest/busybox:full'),
    'v2.yml': env(2, 'localtest/busybox:full'),
    'cluster.yml': '$schema: https://azuremlschemas.azureedge.net/latest/amlCompute.schema.json\nname: cpu\ntype: amlcompute\nmax_instances: 4\n',
  });
  const plane = await startPlane(t, root);
  const create = (file: string, set?: string[]) => plane.client.assets.register('environment', { path: path.join(root, file), ...(set ? { set } : {}) });
  assert.equal((await create('v1.yml')).created, true);
  assert.equal((await create('v1.yml')).created, false, 'the same content again is a no-op');
  const conflict = await refusal(create('v1-changed.yml'));
  assert.equal(conflict.status, 409);
  assert.match(conflict.message, /immutable/);
  await create('v2.yml');
  assert.equal((await plane.client.assets.get('environment', 'base', 'latest')).version, '2');
  assert.equal((await plane.client.assets.get('environment', 'base', '1')).spec.image, 'localtest/python:3-bookworm');
  const overridden = await create('v2.yml', ['version=3', 'description=tuned']);
  assert.deepEqual([overridden.asset.version, overridden.asset.spec.description], ['3', 'tuned']);
  await plane.client.assets.archive('environment', 'base', '3');
  assert.equal((await plane.client.assets.get('environment', 'base')).version, '2', 'latest skips archived');
  assert.deepEqual((await plane.client.assets.list({ kind: 'environment' })).map((a) => a.version), ['1', '2']);
  const wrongKind = await refusal(plane.client.assets.register('data', { path: path.join(root, 'v1.yml') }));
  assert.match(wrongKind.message, /is a environment spec, not a data spec|environment spec, not a data spec/);
  const compute = (set?: string[]) => plane.client.assets.register('compute', { path: path.join(root, 'cluster.yml'), ...(set ? { set } : {}) });
  assert.deepEqual(pick(await compute()), [true, false]);
  assert.equal((await plane.client.computes.queue('cpu')).capacity, 4);
  assert.deepEqual(pick(await compute()), [false, false], 'the same compute again is unchanged');
  const changed = await compute(['max_instances=3']);
  assert.deepEqual(pick(changed), [false, true], 'an unversioned kind with other content is updated');
  assert.equal(changed.asset.spec.max_instances, 3);
  assert.equal((await plane.client.computes.queue('cpu')).capacity, 3);
  assert.equal((await create('v1.yml')).updated, false, 'an unchanged version is not updated');
});

function pick(result: { created: boolean; updated: boolean }): [boolean, boolean] {
  return [result.created, result.updated];
}

test('registrations and archives are published on the workspace event stream', async (t) => {
  const root = await workspace(t, {
    'env.yml': '$schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json\nname: base\nversion: 1\nimage: localtest/python:3-bookworm\n',
    'store.yml': 'name: shared\ntype: local\npath: ./shared\n',
    'shared/.keep': '',
  });
  const plane = await startPlane(t, root);
  await plane.client.assets.register('environment', { path: path.join(root, 'env.yml') });
  await plane.client.assets.register('environment', { path: path.join(root, 'env.yml') }); // unchanged: no event
  await plane.client.assets.register('datastore', { path: path.join(root, 'store.yml') });
  await plane.client.assets.archive('environment', 'base', '1');
  const seen: string[] = [];
  const stop = new AbortController();
  await plane.client.events((event) => {
    if (event.type === 'asset' && !event.name.startsWith('workspace')) seen.push(`${event.change} ${event.kind} ${event.name}${event.version ? `:${event.version}` : ''}`);
    if (seen.length === 3) stop.abort();
  }, { signal: stop.signal });
  assert.deepEqual(seen, ['registered environment base:1', 'registered datastore shared', 'archived environment base:1']);
});
