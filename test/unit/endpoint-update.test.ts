import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { batchDeployment } from '../support/batch';
import { CLI, ok, runCli, stopDaemonAfter } from '../support/cli';
import { refusal, startPlane, workspace } from '../support/control-plane';
import { endpointWorkspace } from '../support/endpoints';

const IDENTITIES = 'identity.user_assigned_identities';
const identity = (name: string) => `/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`;

const BATCH_FILES: Record<string, string> = {
  'batch-endpoint.yml': '$schema: https://azuremlschemas.azureedge.net/latest/batchEndpoint.schema.json\nname: scorer\ntags:\n  team: vision\n',
  'batch-deployment.yml': batchDeployment(['mini_batch_size: 2']),
  'model/weights.txt': '1\n',
  'code/score.py': 'def run(mini_batch):\n    return []\n',
};

test('an online endpoint update without a file changes the stored spec by --set, --add and --remove, checked as on create', async (t) => {
  const root = await workspace(t, endpointWorkspace('edit-ep'));
  const { client } = await startPlane(t, root);
  await client.onlineEndpoints.create({ path: path.join(root, 'endpoint.yml') });

  assert.equal((await client.onlineEndpoints.update('edit-ep', { set: ['description=nightly scoring', 'tags.team=vision'] })).description, 'nightly scoring');
  const added = await client.onlineEndpoints.update('edit-ep', {
    set: ['identity.type=user_assigned'],
    add: [{ path: IDENTITIES, values: [`resource_id=${identity('a')}`, `{"resource_id": "${identity('b')}"}`] }],
  });
  assert.deepEqual(added.tags, { team: 'vision' });
  const refused = async (edits: Parameters<typeof client.onlineEndpoints.update>[1]) => {
    const error = await refusal(client.onlineEndpoints.update('edit-ep', edits));
    assert.equal(error.status, 400, error.message);
    return error.message;
  };
  assert.equal(await refused({ remove: [`${IDENTITIES}[2]`] }), `--remove ${IDENTITIES}[2]: index 2 is out of range: ${IDENTITIES} has 2 entries`);
  await client.onlineEndpoints.update('edit-ep', { remove: [`${IDENTITIES}[0]`, 'tags.team'] });
  assert.equal(await refused({ remove: [`${IDENTITIES}[1]`] }), `--remove ${IDENTITIES}[1]: index 1 is out of range: ${IDENTITIES} has 1 entry`);

  assert.equal(await refused({ remove: ['colour'] }), '--remove colour: the spec has no such field');
  assert.equal(await refused({ add: [{ path: 'tags', values: ['a=1'] }] }), '--add tags: tags is not a list');
  assert.equal(await refused({ remove: ['description[0]'] }), '--remove description[0]: description is not a list');
  assert.equal(await refused({ set: ['name=renamed'] }), 'name is immutable: the spec names online endpoint renamed, not edit-ep');
  assert.match(await refused({ set: ['auth_mode=password'] }), /^--set auth_mode=password: .*auth_mode/);
  assert.match(await refused({ add: [{ path: 'colours', values: ['red'] }] }), /^--add colours red: .*colours/);
  assert.equal(await refused({ path: path.join(root, 'endpoint.yml'), add: [{ path: IDENTITIES, values: ['resource_id=x'] }] }), `--add ${IDENTITIES}: --add changes the stored spec; with --file, write the entry into the file`);
  assert.equal(await refused({}), 'nothing to update: give --file, --traffic, --mirror-traffic, --set, --add or --remove');
  assert.equal((await refusal(client.onlineEndpoints.create({ path: path.join(root, 'endpoint.yml'), remove: ['description'] }))).status, 400, 'create takes no edits');
  const after = await client.onlineEndpoints.get('edit-ep');
  assert.deepEqual([after.description, after.tags], ['nightly scoring', {}], 'a refused update changes nothing');
});

test('a batch endpoint or deployment update adds only to lists and removes list entries by index; the refusal names the path', async (t) => {
  const root = await workspace(t, BATCH_FILES);
  const { client } = await startPlane(t, root);
  await client.batchEndpoints.create({ path: path.join(root, 'batch-endpoint.yml') });
  await client.batchDeployments.create({ path: path.join(root, 'batch-deployment.yml'), setDefault: true });

  // Neither spec has a list field: what --add creates is refused by the spec's schema, as on create.
  const endpointRefused = async (edits: Parameters<typeof client.batchEndpoints.update>[1]) => (await refusal(client.batchEndpoints.update('scorer', edits))).message;
  assert.equal(await endpointRefused({ add: [{ path: 'tags', values: ['team=vision'] }] }), '--add tags: tags is not a list');
  assert.match(await endpointRefused({ add: [{ path: 'owners', values: ['{"name": "ops"}'] }] }), /^--add owners \{"name": "ops"\}: .*owners/);
  assert.equal(await endpointRefused({ remove: ['tags.team[0]'] }), '--remove tags.team[0]: tags.team is not a list');

  const deploymentRefused = async (edits: Parameters<typeof client.batchDeployments.update>[2]) => (await refusal(client.batchDeployments.update('scorer', 'dpl', edits))).message;
  assert.equal(await deploymentRefused({ add: [{ path: 'settings', values: ['max_retries=2'] }] }), '--add settings: settings is not a list');
  assert.equal(await deploymentRefused({ remove: ['settings.retry_settings'] }), '--remove settings.retry_settings: the spec has no such field');
  assert.equal(await deploymentRefused({ add: [{ path: 'tags', values: [] }] }), '--add tags: give the entry to add: key=value pairs or a JSON value');
  assert.equal(await deploymentRefused({ path: path.join(root, 'batch-deployment.yml'), add: [{ path: 'tags', values: ['a=1'] }] }), '--add tags: --add changes the stored spec; with --file, write the entry into the file');
  const updated = await client.batchDeployments.update('scorer', 'dpl', { remove: ['settings.mini_batch_size'], set: ['settings.max_concurrency_per_instance=2'] });
  assert.deepEqual(updated.deployment.spec.settings, { max_concurrency_per_instance: 2 }, 'the refused updates changed nothing');
});

test('the CLI updates endpoints and deployments with az ml\'s --add <path> <value...> and --remove <path> <index>', async (t) => {
  const root = await workspace(t, { ...endpointWorkspace('cli-ep'), ...BATCH_FILES });
  const mlw = (...args: string[]) => runCli(root, args, { MLW_DAEMON_SCRIPT: path.join(CLI, '../daemon.js') });
  ok(await mlw('online-endpoint', 'create', '-f', 'endpoint.yml'));
  stopDaemonAfter(t, root);

  assert.match(ok(await mlw('online-endpoint', 'update', 'cli-ep', '--set', 'description=set without a file')), /description: set without a file/);
  ok(await mlw('online-endpoint', 'update', '-n', 'cli-ep', '--set', 'identity.type=user_assigned', '--add', IDENTITIES, `resource_id=${identity('a')}`, 'client_id=c',
    '--add', IDENTITIES, `{"resource_id": "${identity('b')}"}`, `--add=${IDENTITIES}=resource_id=${identity('c')}`));
  const outOfRange = await mlw('online-endpoint', 'update', 'cli-ep', '--remove', IDENTITIES, '3');
  assert.equal(outOfRange.code, 1);
  assert.match(outOfRange.stderr, new RegExp(`--remove ${IDENTITIES}\\[3\\]: index 3 is out of range: ${IDENTITIES} has 3 entries`));
  ok(await mlw('online-endpoint', 'update', 'cli-ep', '--remove', IDENTITIES, '0', '--remove', 'description'));
  assert.doesNotMatch(ok(await mlw('online-endpoint', 'show', 'cli-ep')), /description/);
  assert.match((await mlw('online-endpoint', 'update', 'cli-ep', '--remove', IDENTITIES, '2')).stderr, /index 2 is out of range: .* has 2 entries/);
  const badIndex = await mlw('online-endpoint', 'update', 'cli-ep', '--remove', IDENTITIES, 'first');
  assert.match(badIndex.stderr, /--remove identity\.user_assigned_identities first: give a path, and for a list entry its index \(a whole number\)/);

  ok(await mlw('batch-endpoint', 'create', '-f', 'batch-endpoint.yml'));
  ok(await mlw('batch-deployment', 'create', '-f', 'batch-deployment.yml'));
  const endpointAdd = await mlw('batch-endpoint', 'update', 'scorer', '--add', 'tags', 'team=vision');
  assert.equal(endpointAdd.code, 1);
  assert.match(endpointAdd.stderr, /--add tags: tags is not a list/);
  const deploymentAdd = await mlw('batch-deployment', 'update', 'dpl', '-e', 'scorer', '--add', 'settings', 'max_retries=2', '--set', 'settings.mini_batch_size=3');
  assert.equal(deploymentAdd.code, 1);
  assert.match(deploymentAdd.stderr, /--add settings: settings is not a list/);
  ok(await mlw('batch-deployment', 'update', 'dpl', '-e', 'scorer', '--set', 'settings.mini_batch_size=3', '--remove', 'settings.mini_batch_size'));
});
