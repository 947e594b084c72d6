import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { workspace } from '../support/control-plane';
import { DockerTestBed } from '../support/docker';
import { removeContainersAfter } from '../support/endpoints';
import { ok, runCli, stopDaemonAfter } from '../support/cli';

const bed = new DockerTestBed();
after(() => bed.cleanup());
const EXAMPLE = path.resolve(__dirname, '../../examples/endpoints');

test('examples/endpoints through the CLI: create, deploy with all traffic, invoke, logs, update traffic, delete', async (t) => {
  if (!(await bed.ready(t))) return;
  const root = await workspace(t);
  fs.cpSync(EXAMPLE, root, { recursive: true });
  removeContainersAfter(t, root);
  const env = { MLW_DAEMON_SCRIPT: path.resolve(__dirname, '../../out/daemon.js') };
  const mlw = (...args: string[]) => runCli(root, args, env);

  ok(await mlw('model', 'create', '-f', 'model.yml'));
  stopDaemonAfter(t, root);
  assert.match(ok(await mlw('online-endpoint', 'create', '-f', 'endpoint.yml')), /scoring_uri: http:\/\/127\.0\.0\.1:\d+\/score/);
  const blue = ok(await mlw('online-deployment', 'create', '-f', 'blue.yml', '--all-traffic'));
  assert.match(blue, /creating deployment blue of endpoint iris-endpoint\n[\s\S]*provisioning_state: Succeeded/);
  ok(await mlw('online-deployment', 'create', '-f', 'green.yml'));

  const answer = ok(await mlw('online-endpoint', 'invoke', '-n', 'iris-endpoint', '--request-file', 'sample-request.json'));
  assert.deepEqual(JSON.parse(answer), { predictions: ['setosa', 'virginica'], deployment: 'blue' });
  const green = ok(await mlw('online-endpoint', 'invoke', '-n', 'iris-endpoint', '-r', 'sample-request.json', '--deployment-name', 'green'));
  assert.equal(JSON.parse(green).deployment, 'green');

  fs.writeFileSync(path.join(root, 'bad-request.json'), '{"data": [[1, 2]]}');
  const bad = await mlw('online-endpoint', 'invoke', '-n', 'iris-endpoint', '-r', 'bad-request.json');
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /ValueError: each row needs 4 measurements, got 2/);
  assert.match(bad.stderr, /answered HTTP 400/);

  assert.match(ok(await mlw('online-deployment', 'get-logs', '-n', 'blue', '-e', 'iris-endpoint', '--lines', '20')), /model loaded/);
  const uneven = await mlw('online-endpoint', 'update', '-n', 'iris-endpoint', '--traffic', 'blue=80 green=10');
  assert.equal(uneven.code, 1);
  assert.match(uneven.stderr, /traffic sums to 90; the weights must sum to 100/);
  assert.match(ok(await mlw('online-endpoint', 'update', '-n', 'iris-endpoint', '--traffic', 'blue=80 green=20')), /traffic:\n\s+blue: 80\n\s+green: 20/);
  assert.match(ok(await mlw('online-endpoint', 'list')), /^iris-endpoint  Succeeded  http:\/\/127\.0\.0\.1:\d+\/score  blue=80 green=20\n$/);
  assert.match(ok(await mlw('online-deployment', 'list', '-e', 'iris-endpoint')), /^blue  Succeeded  Healthy  1\/1 instances\ngreen  Succeeded  Healthy  1\/1 instances\n$/);
  const keys = JSON.parse(ok(await mlw('online-endpoint', 'get-credentials', '-n', 'iris-endpoint')));
  assert.ok(keys.primaryKey && keys.secondaryKey);
  assert.doesNotMatch(fs.readFileSync(path.join(root, '.mlw', 'mlw.db')).toString('latin1'), new RegExp(keys.primaryKey), 'keys are not in the database');

  ok(await mlw('online-endpoint', 'delete', '-n', 'iris-endpoint', '--yes'));
  assert.equal(ok(await mlw('online-endpoint', 'list')), '');
});
