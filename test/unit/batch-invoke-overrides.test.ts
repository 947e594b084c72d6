import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import type { BatchInvokeRequest } from '../../core/api/batch-contracts';
import { batchDeployment } from '../support/batch';
import { CLI, ok, runCli, stopDaemonAfter } from '../support/cli';
import { logText, refusal, startPlane, statuses, workspace, type Plane } from '../support/control-plane';

/** A row per file: `<file>,<its number × 10>`. */
const SCORE = `
import os

def run(mini_batch):
    rows = []
    for item in mini_batch:
        with open(item) as f:
            rows.append([os.path.basename(item), int(f.read()) * 10])
    return rows
`;

const FILES: Record<string, string> = {
  'endpoint.yml': '$schema: https://azuremlschemas.azureedge.net/latest/batchEndpoint.schema.json\nname: scorer\n',
  'deployment.yml': batchDeployment(['mini_batch_size: 10'], ''),
  'model/weights.txt': '1\n',
  'code/score.py': SCORE,
  ...Object.fromEntries(['a', 'b', 'c', 'd', 'e'].map((name, i) => [`inputs/${name}`, `${i + 1}\n`])),
};

const ROWS = ['a,10', 'b,20', 'c,30', 'd,40', 'e,50'];

async function scorer(t: TestContext): Promise<{ root: string; plane: Plane }> {
  const root = await workspace(t, FILES);
  const plane = await startPlane(t, root);
  await plane.client.batchEndpoints.create({ path: path.join(root, 'endpoint.yml') });
  await plane.client.batchDeployments.create({ path: path.join(root, 'deployment.yml'), setDefault: true });
  return { root, plane };
}

async function invoke(plane: Plane, root: string, overrides: Omit<BatchInvokeRequest, 'input'>): Promise<{ name: string; log: string }> {
  const { job } = await plane.client.batchEndpoints.invoke('scorer', { input: path.join(root, 'inputs'), ...overrides });
  const events = await plane.events(job.name);
  const log = logText(events);
  assert.equal(statuses(events).at(-1), 'Completed', log);
  return { name: job.name, log };
}

test('--mini-batch-size, --set and --output-path change this invocation only; --instance-count 1 is accepted', async (t) => {
  const { root, plane } = await scorer(t);
  const plain = await invoke(plane, root, {});
  assert.match(plain.log, /5 items in 1 mini-batches of up to 10/);

  const smaller = await invoke(plane, root, { miniBatchSize: 2, instanceCount: 1 });
  assert.match(smaller.log, /5 items in 3 mini-batches of up to 2/);

  const renamed = await invoke(plane, root, { set: ['settings.output_file_name=scores.csv', 'settings.max_concurrency_per_instance=2'] });
  assert.match(renamed.log, /5 items in 1 mini-batches of up to 10, 1 worker process\(es\)/);
  assert.deepEqual((await plane.client.jobs.outputFile(renamed.name, 'score', 'scores.csv')).toString('utf8').trimEnd().split('\n'), ROWS);

  const placed = await invoke(plane, root, { outputPath: 'azureml://datastores/workspaceblobstore/paths/scores/run1' });
  const output = (await plane.client.jobs.get(placed.name)).outputs.find((o) => o.name === 'score')!;
  assert.match(output.uri, /^azureml:\/\/datastores\/workspaceblobstore\/paths\/scores\/run1\/?$/);
  const written = path.join(root, '.mlw', 'datastores', 'workspaceblobstore', 'scores', 'run1', 'predictions.csv');
  assert.deepEqual(fs.readFileSync(written, 'utf8').trimEnd().split('\n'), ROWS);

  assert.match(logText(await plane.events((await invoke(plane, root, {})).name)), /5 items in 1 mini-batches of up to 10/, 'the deployment itself is unchanged');
});

test('bad overrides are refused with what is wrong before a job starts', async (t) => {
  const { root, plane } = await scorer(t);
  const input = path.join(root, 'inputs');
  const refused = async (overrides: Omit<BatchInvokeRequest, 'input'>) => (await refusal(plane.client.batchEndpoints.invoke('scorer', { input, ...overrides }))).message;
  assert.equal(await refused({ miniBatchSize: 0 }), '--mini-batch-size 0: expected a whole number of files, 1 or more');
  assert.equal(await refused({ miniBatchSize: 2.5 }), '--mini-batch-size 2.5: expected a whole number of files, 1 or more');
  assert.match(await refused({ instanceCount: 3 }), /^--instance-count 3: mlw runs a batch deployment on one instance; raise its processes instead \(--set settings\.max_concurrency_per_instance=<n>\)$/);
  assert.equal(await refused({ outputPath: './out' }), '--output-path ./out: expected azureml://datastores/<datastore>/paths/<path>');
  assert.match(await refused({ outputPath: 'azureml://datastores/nowhere/paths/x' }), /^--output-path: .*nowhere/);
  assert.match(await refused({ set: ['settings.mini_batch_size=many'] }), /^--set settings\.mini_batch_size=many: .*integer/);
  assert.deepEqual(await plane.client.jobs.list(), [], 'no job was started');
});

test('the CLI passes az ml\'s invoke flags and refuses a bad number before calling the control plane', async (t) => {
  const root = await workspace(t, FILES);
  const mlw = (...args: string[]) => runCli(root, args, { MLW_DAEMON_SCRIPT: path.join(CLI, '../daemon.js') });
  const bad = await mlw('batch-endpoint', 'invoke', 'scorer', '--input', 'inputs', '--mini-batch-size', 'many');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--mini-batch-size <n>' argument 'many' is invalid\. expected a positive whole number/);
  ok(await mlw('batch-endpoint', 'create', '-f', 'endpoint.yml'));
  stopDaemonAfter(t, root);
  ok(await mlw('batch-deployment', 'create', '-f', 'deployment.yml', '--set-default'));
  const run = await mlw('batch-endpoint', 'invoke', 'scorer', '--input', 'inputs', '--mini-batch-size', '4', '--set', 'settings.output_file_name=cli.csv', '--output-path', 'azureml://datastores/workspaceblobstore/paths/cli', '--stream');
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /5 items in 2 mini-batches of up to 4/);
  assert.deepEqual(fs.readFileSync(path.join(root, '.mlw', 'datastores', 'workspaceblobstore', 'cli', 'cli.csv'), 'utf8').trimEnd().split('\n'), ROWS);
});
