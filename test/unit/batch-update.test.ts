import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { batchDeployment } from '../support/batch';
import { CLI, ok, runCli, stopDaemonAfter } from '../support/cli';
import { logText, refusal, startPlane, statuses, workspace, type Plane } from '../support/control-plane';

/** A row per file: `<file>,<its number × FACTOR>`. */
const score = (factor: number) => `
import os

def run(mini_batch):
    return [[os.path.basename(item), int(open(item).read()) * ${factor}] for item in mini_batch]
`;

const FILES: Record<string, string> = {
  'endpoint.yml': '$schema: https://azuremlschemas.azureedge.net/latest/batchEndpoint.schema.json\nname: scorer\n',
  'other-endpoint.yml': '$schema: https://azuremlschemas.azureedge.net/latest/batchEndpoint.schema.json\nname: other\n',
  'deployment.yml': batchDeployment([]),
  'model/weights.txt': '1\n',
  'code/score.py': score(10),
  ...Object.fromEntries(['a', 'b', 'c', 'd', 'e'].map((name, i) => [`inputs/${name}`, `${i + 1}\n`])),
};

async function scored(plane: Plane, root: string): Promise<{ rows: string[]; log: string }> {
  const { job } = await plane.client.batchEndpoints.invoke('scorer', { input: path.join(root, 'inputs') });
  const events = await plane.events(job.name);
  assert.equal(statuses(events).at(-1), 'Completed', logText(events));
  return { rows: (await plane.client.jobs.outputFile(job.name, 'score', 'predictions.csv')).toString('utf8').trimEnd().split('\n'), log: logText(events) };
}

test('update changes an endpoint or a deployment in place, checked as on create; name, endpoint and type stay', async (t) => {
  const root = await workspace(t, FILES);
  const plane = await startPlane(t, root);
  const { client } = plane;
  await client.batchEndpoints.create({ path: path.join(root, 'endpoint.yml') });
  await client.batchEndpoints.create({ path: path.join(root, 'other-endpoint.yml') });
  await client.batchDeployments.create({ path: path.join(root, 'deployment.yml'), setDefault: true });
  await client.batchDeployments.create({ path: path.join(root, 'deployment.yml'), set: ['name=second'] });

  const described = await client.batchEndpoints.update('scorer', { set: ['description=nightly scoring', 'defaults.deployment_name=second'] });
  assert.deepEqual([described.endpoint.description, described.endpoint.defaultDeployment, described.created], ['nightly scoring', 'second', false]);
  const endpointRefused = async (name: string, set: string[]) => (await refusal(client.batchEndpoints.update(name, { set }))).message;
  assert.equal(await endpointRefused('scorer', ['name=renamed']), 'name is immutable: the spec names batch endpoint renamed, not scorer');
  assert.equal(await endpointRefused('scorer', ['defaults.deployment_name=nope']), 'defaults.deployment_name: batch endpoint scorer has no deployment named nope');
  assert.match(await endpointRefused('scorer', ['colour=red']), /^--set colour=red: .*colour/);
  assert.equal((await refusal(client.batchEndpoints.update('scorer', {}))).message, 'nothing to update: give --file, --set, --add or --remove');
  assert.equal((await refusal(client.batchEndpoints.update('nope', { set: ['description=x'] }))).status, 404);
  assert.equal((await client.batchEndpoints.get('scorer')).defaultDeployment, 'second', 'a refused update changes nothing');
  assert.equal((await client.batchEndpoints.update('scorer', { remove: ['description'] })).endpoint.description, undefined);
  assert.equal((await refusal(client.batchEndpoints.update('scorer', { remove: ['colour'] }))).message, '--remove colour: the spec has no such field');

  await client.batchDeployments.update('scorer', 'second', { set: ['settings.mini_batch_size=2'] });
  assert.match((await scored(plane, root)).log, /5 items in 3 mini-batches of up to 2/);
  const deploymentRefused = async (set: string[]) => (await refusal(client.batchDeployments.update('scorer', 'second', { set }))).message;
  assert.equal(await deploymentRefused(['name=third']), 'name is immutable: the spec names batch deployment third, not second');
  assert.equal(await deploymentRefused(['endpoint_name=other']), 'endpoint_name is immutable: deployment second belongs to batch endpoint scorer, not other');
  assert.match(await deploymentRefused(['settings.mini_batch_size=many']), /^--set settings\.mini_batch_size=many: .*integer/);
  assert.match(await deploymentRefused(['compute=azureml:no-such-compute']), /^--set compute=azureml:no-such-compute: .*no-such-compute/);
  assert.equal((await refusal(client.batchDeployments.update('scorer', 'nope', { set: ['settings.mini_batch_size=1'] }))).status, 404);
  const removeWithFile = await refusal(client.batchDeployments.update('scorer', 'second', { path: path.join(root, 'deployment.yml'), remove: ['settings'] }));
  assert.equal(removeWithFile.message, '--remove settings: --remove changes the stored spec; with --file, leave the field out of the file');
  assert.deepEqual((await client.batchDeployments.get('scorer', 'second')).spec.settings, { mini_batch_size: 2 }, 'a refused update changes nothing');

  const pipelineFile = path.join(root, 'pipeline.yml');
  fs.writeFileSync(pipelineFile, '$schema: https://azuremlschemas.azureedge.net/latest/pipelineComponentBatchDeployment.schema.json\nname: second\nendpoint_name: scorer\ntype: pipeline\ncomponent: ./component.yml\n');
  fs.writeFileSync(path.join(root, 'component.yml'), '$schema: https://azuremlschemas.azureedge.net/latest/pipelineComponent.schema.json\ntype: pipeline\nname: comp\njobs: {}\n');
  assert.equal((await refusal(client.batchDeployments.update('scorer', 'second', { path: pipelineFile }))).message, 'type is immutable: deployment second is a model deployment; create a new deployment for a pipeline one');

  // A changed scoring script reaches the deployment's jobs once the deployment is updated from its file.
  fs.writeFileSync(path.join(root, 'code', 'score.py'), score(100));
  assert.deepEqual((await scored(plane, root)).rows, ['a,10', 'b,20', 'c,30', 'd,40', 'e,50'], 'the code was snapshotted when the deployment was created');
  const updated = await client.batchDeployments.update('scorer', 'second', { path: path.join(root, 'deployment.yml'), set: ['name=second'] });
  assert.equal(updated.created, false);
  assert.deepEqual((await scored(plane, root)).rows, ['a,100', 'b,200', 'c,300', 'd,400', 'e,500']);
});

test('the CLI invokes with --file, --outputs, --set inputs.…, --job-name and --experiment-name, lists jobs and updates', async (t) => {
  const root = await workspace(t, { ...FILES, 'calls/inputs.yml': 'inputs:\n  data:\n    type: uri_folder\n    path: ../inputs\n' });
  const mlw = (...args: string[]) => runCli(root, args, { MLW_DAEMON_SCRIPT: path.join(CLI, '../daemon.js') });
  const badFile = await mlw('batch-endpoint', 'invoke', 'scorer', '--file', 'endpoint.yml');
  assert.equal(badFile.code, 1);
  assert.match(badFile.stderr, /--file endpoint\.yml: unknown key name; an invocation file has inputs: and outputs:/);
  ok(await mlw('batch-endpoint', 'create', '-f', 'endpoint.yml'));
  stopDaemonAfter(t, root);
  ok(await mlw('batch-deployment', 'create', '-f', 'deployment.yml', '--set-default'));

  const outputs = JSON.stringify({ score: { type: 'uri_folder', path: 'azureml://datastores/workspaceblobstore/paths/cli-named' } });
  const run = await mlw('batch-endpoint', 'invoke', 'scorer', '--file', 'calls/inputs.yml', '--outputs', outputs, '--job-name', 'cli-1', '--experiment-name', 'cli-runs', '--stream');
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /^cli-1 /);
  const written = path.join(root, '.mlw', 'datastores', 'workspaceblobstore', 'cli-named', 'predictions.csv');
  assert.deepEqual(fs.readFileSync(written, 'utf8').trimEnd().split('\n'), ['a,10', 'b,20', 'c,30', 'd,40', 'e,50']);

  ok(await mlw('batch-deployment', 'update', 'dpl', '-e', 'scorer', '--set', 'settings.mini_batch_size=2'));
  ok(await mlw('batch-endpoint', 'update', 'scorer', '--set', 'description=from the CLI'));
  const second = await mlw('batch-endpoint', 'invoke', 'scorer', '--set', 'inputs.data.type=uri_folder', '--set', 'inputs.data.path=inputs', '--set', 'settings.output_file_name=two.csv', '--stream');
  assert.equal(second.code, 0, second.stdout + second.stderr);
  assert.match(second.stdout, /5 items in 3 mini-batches of up to 2/);

  const listed = ok(await mlw('batch-endpoint', 'list-jobs', '--name', 'scorer'));
  assert.match(listed, /cli-1/);
  const jobs = JSON.parse(ok(await mlw('batch-deployment', 'list-jobs', '--name', 'dpl', '--endpoint-name', 'scorer', '--json'))) as { name: string; experiment: string }[];
  assert.equal(jobs.length, 2);
  assert.deepEqual(jobs.at(-1), { ...jobs.at(-1), name: 'cli-1', experiment: 'cli-runs' });
  assert.match(ok(await mlw('batch-endpoint', 'show', 'scorer')), /description: from the CLI/);
  ok(await mlw('batch-deployment', 'create', '-f', 'deployment.yml', '--name', 'second'));
  assert.match(ok(await mlw('batch-deployment', 'update', 'second', '-e', 'scorer', '-f', 'deployment.yml', '--set', 'settings.mini_batch_size=4')), /updated batch deployment second of scorer/, "a spec file takes the command's name, as on create");
  const renamed = await mlw('batch-deployment', 'update', 'second', '-e', 'scorer', '--set', 'name=third');
  assert.equal(renamed.code, 1);
  assert.match(renamed.stderr, /name is immutable: the spec names batch deployment third, not second/);
  const nothing = await mlw('batch-deployment', 'update', 'dpl', '-e', 'scorer');
  assert.equal(nothing.code, 1);
  assert.match(nothing.stderr, /nothing to update: give --file, --set, --add or --remove/);
});
