import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { workspace } from '../support/control-plane';
import { docker, dockerWithClientImage, EXAMPLES } from '../support/examples';
import { invoke, removeContainersAfter } from '../support/endpoints';
import { ok, runCli, stopDaemonAfter } from '../support/cli';

after(() => docker.cleanup());

test('the seed\'s scikit-learn model, trained and registered by examples/mlflow, served blue/green by examples/endpoints through the CLI', async (t) => {
  if (!(await dockerWithClientImage(t))) return;
  const root = await workspace(t);
  for (const example of ['mlflow', 'endpoints']) fs.cpSync(path.join(EXAMPLES, example), path.join(root, example), { recursive: true });
  removeContainersAfter(t, root);
  const env = { MLW_DAEMON_SCRIPT: path.resolve(__dirname, '../../out/daemon.js') };
  const mlw = (...args: string[]) => runCli(root, args, env);

  // The training job logs the classifier with mlflow.sklearn and registers it: model iris-classifier:1, its lineage the job.
  const trained = await mlw('job', 'create', '-f', 'mlflow/job.yml', '--stream');
  stopDaemonAfter(t, root);
  assert.match(ok(trained), /Completed/);
  assert.match(ok(await mlw('model', 'show', '-n', 'iris-classifier', '-v', '1')), /type: mlflow_model/);
  const spec = (file: string) => path.join('endpoints', file);
  assert.match(ok(await mlw('online-endpoint', 'create', '-f', spec('endpoint.yml'))), /scoring_uri: http:\/\/127\.0\.0\.1:\d+\/score/);
  const blue = ok(await mlw('online-deployment', 'create', '-f', spec('blue.yml'), '--all-traffic'));
  assert.match(blue, /creating deployment blue of endpoint iris-endpoint\n[\s\S]*provisioning_state: Succeeded/);
  ok(await mlw('online-deployment', 'create', '-f', spec('green.yml')));

  const answer = ok(await mlw('online-endpoint', 'invoke', '-n', 'iris-endpoint', '--request-file', spec('sample-request.json')));
  assert.deepEqual(JSON.parse(answer), { predictions: ['setosa', 'virginica'], deployment: 'blue' });
  const green = ok(await mlw('online-endpoint', 'invoke', '-n', 'iris-endpoint', '-r', spec('sample-request.json'), '--deployment-name', 'green'));
  assert.equal(JSON.parse(green).deployment, 'green');

  fs.writeFileSync(path.join(root, 'bad-request.json'), '{"data": [[1, 2]]}');
  const bad = await mlw('online-endpoint', 'invoke', '-n', 'iris-endpoint', '-r', 'bad-request.json');
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /ValueError: each row needs 4 measurements, got 2/);
  assert.match(bad.stderr, /answered HTTP 400/);

  assert.match(ok(await mlw('online-deployment', 'get-logs', '-n', 'blue', '-e', 'iris-endpoint', '--lines', '20')), /model loaded: SGDClassifier/);
  const uneven = await mlw('online-endpoint', 'update', '-n', 'iris-endpoint', '--traffic', 'blue=80 green=10');
  assert.equal(uneven.code, 1);
  assert.match(uneven.stderr, /traffic sums to 90; the weights must sum to 100/);
  assert.match(ok(await mlw('online-endpoint', 'update', '-n', 'iris-endpoint', '--traffic', 'blue=90 green=10')), /traffic:\n\s+blue: 90\n\s+green: 10/);
  assert.match(ok(await mlw('online-endpoint', 'list')), /^iris-endpoint  Succeeded  http:\/\/127\.0\.0\.1:\d+\/score  blue=90 green=10\n$/);
  assert.match(ok(await mlw('online-deployment', 'list', '-e', 'iris-endpoint')), /^blue  Succeeded  Healthy  1\/1 instances\ngreen  Succeeded  Healthy  1\/1 instances\n$/);
  const keys = JSON.parse(ok(await mlw('online-endpoint', 'get-credentials', '-n', 'iris-endpoint')));
  assert.ok(keys.primaryKey && keys.secondaryKey);
  assert.doesNotMatch(fs.readFileSync(path.join(root, '.mlw', 'mlw.db')).toString('latin1'), new RegExp(keys.primaryKey), 'keys are not in the database');

  // 90/10 measured over 1,000 requests to the scoring URI: each deployment's share within ±3 % of its weight.
  const scoringUri = /scoring_uri: (\S+)/.exec(ok(await mlw('online-endpoint', 'show', '-n', 'iris-endpoint')))![1]!;
  const request = fs.readFileSync(path.join(root, spec('sample-request.json')), 'utf8');
  const served: Record<string, number> = {};
  for (let i = 0; i < 1_000; i++) {
    const reply = await invoke(scoringUri, request, { authorization: `Bearer ${keys.secondaryKey}` });
    assert.equal(reply.status, 200, reply.text);
    served[reply.body.deployment] = (served[reply.body.deployment] ?? 0) + 1;
  }
  assert.ok(Math.abs((served.blue ?? 0) / 1_000 - 0.9) <= 0.03 && Math.abs((served.green ?? 0) / 1_000 - 0.1) <= 0.03, `served ${JSON.stringify(served)} of 1,000 (90/10 ± 3 % expected)`);

  ok(await mlw('online-endpoint', 'delete', '-n', 'iris-endpoint', '--yes'));
  assert.equal(ok(await mlw('online-endpoint', 'list')), '');
});
