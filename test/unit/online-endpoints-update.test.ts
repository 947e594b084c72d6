import assert from 'node:assert/strict';
import path from 'node:path';
import { after, test } from 'node:test';
import type { DeploymentRequest } from '../../core/endpoints/service';
import { CLI, ok, runCli } from '../support/cli';
import { refusal, startPlane, workspace } from '../support/control-plane';
import { DockerTestBed } from '../support/docker';
import { deploymentSpec, endpointWorkspace, inState, invoke, removeContainersAfter } from '../support/endpoints';

const bed = new DockerTestBed();
after(() => bed.cleanup());

const HEADERS = 'data_collector.request_logging.capture_headers';

test('an online deployment update without a file rolls it to its stored spec changed by --set, --add and --remove; the endpoint takes --set with --traffic', async (t) => {
  if (!(await bed.ready(t))) return;
  const files = endpointWorkspace('roll-ep', { 'blue.yml': deploymentSpec('blue', 'roll-ep', 'blue', 'description: first\n') });
  const other = files['endpoint.yml']!.replace('name: roll-ep', 'name: other-ep');
  const root = await workspace(t, { ...files, 'other-endpoint.yml': other, 'endpoint-traffic.yml': `${files['endpoint.yml']}traffic:\n  blue: 100\n` });
  removeContainersAfter(t, root);
  const { client } = await startPlane(t, root);
  await client.assets.register('model', { path: path.join(root, 'model.yml') });
  const endpoint = await client.onlineEndpoints.create({ path: path.join(root, 'endpoint.yml') });
  await client.onlineDeployments.create({ path: path.join(root, 'blue.yml'), all_traffic: true });
  const first = await inState(client, 'roll-ep', 'blue', 'Succeeded');
  const auth = { authorization: `Bearer ${(await client.onlineEndpoints.credentials('roll-ep')).primaryKey}` };

  const refused = async (request: DeploymentRequest) => {
    const error = await refusal(client.onlineDeployments.update({ name: 'blue', endpoint_name: 'roll-ep', ...request }));
    assert.equal(error.status, 400, error.message);
    return error.message;
  };
  assert.equal(await refused({ set: ['name=green'] }), 'name is immutable: the spec names online deployment green, not blue');
  assert.equal(await refused({ set: ['endpoint_name=other-ep'] }), 'endpoint_name is immutable: deployment blue belongs to online endpoint roll-ep, not other-ep');
  assert.equal(await refused({ set: ['type=kubernetes'] }), 'type is immutable: deployment blue is a managed deployment; create a new deployment for a kubernetes one');
  assert.equal(await refused({ remove: ['tags'] }), '--remove tags: the spec has no such field');
  assert.equal(await refused({ add: [{ path: 'environment_variables', values: ['A=1'] }] }), '--add environment_variables: environment_variables is not a list');
  assert.equal(await refused({ remove: [`${HEADERS}[0]`] }), `--remove ${HEADERS}[0]: the spec has no such field`);
  assert.equal(await refused({}), 'nothing to update: give --file, --set, --add or --remove');
  assert.equal(await refused({ name: undefined, set: ['instance_count=1'] }), 'which deployment? give its spec file (--file), or its name and endpoint (--name, --endpoint-name)');
  assert.equal((await refusal(client.onlineDeployments.update({ name: 'nope', endpoint_name: 'roll-ep', set: ['instance_count=1'] }))).status, 404);
  assert.equal((await client.onlineDeployments.get('roll-ep', 'blue')).updated_at, first.updated_at, 'a refused update changes nothing');

  const rolling = await client.onlineDeployments.update({ name: 'blue', endpoint_name: 'roll-ep', set: ['environment_variables.COLOR=navy'], remove: ['description'] });
  assert.equal(rolling.provisioning_state, 'Updating');
  const rolled = await inState(client, 'roll-ep', 'blue', 'Succeeded');
  assert.notEqual(rolled.instances[0]!.container, first.instances[0]!.container, 'new containers serve');
  assert.equal(rolled.spec.description, undefined);
  assert.deepEqual((await invoke(endpoint.scoring_uri, '{"data": [1]}', auth)).body, { deployment: 'navy', result: [2] });

  const mlw = (...args: string[]) => runCli(root, args, { MLW_DAEMON_SCRIPT: path.join(CLI, '../daemon.js') });
  assert.match(ok(await mlw('online-deployment', 'update', '-n', 'blue', '-e', 'roll-ep', '--add', HEADERS, 'x-request-id')), /updating deployment blue of endpoint roll-ep\n[\s\S]*provisioning_state: Succeeded/);
  const added = await client.onlineDeployments.get('roll-ep', 'blue');
  assert.deepEqual([added.spec.data_collector, added.spec.environment_variables], [{ request_logging: { capture_headers: ['x-request-id'] } }, { COLOR: 'navy' }]);

  await client.onlineEndpoints.update('roll-ep', { path: path.join(root, 'endpoint-traffic.yml') });
  await client.onlineEndpoints.update('roll-ep', { traffic: { blue: 0 } });
  assert.deepEqual((await client.onlineEndpoints.update('roll-ep', { mirror_traffic: {} })).traffic, { blue: 0 }, "a change of the mirror alone keeps the live traffic, not the spec file's");
  const paused = await client.onlineEndpoints.update('roll-ep', { set: ['description=paused'], traffic: { blue: 0 } });
  assert.deepEqual([paused.description, paused.traffic], ['paused', { blue: 0 }]);
  assert.match(ok(await mlw('online-endpoint', 'update', 'roll-ep', '--set', 'description=serving', '--traffic', 'blue=100')), /description: serving\n[\s\S]*traffic:\n\s+blue: 100/);
  const described = await client.onlineEndpoints.update('roll-ep', { remove: ['description'] });
  assert.deepEqual([described.description, described.traffic], [undefined, { blue: 100 }], 'an edit of the stored spec keeps the live traffic');
  assert.equal((await invoke(endpoint.scoring_uri, '{"data": [2]}', auth)).body.result[0], 4);
});
