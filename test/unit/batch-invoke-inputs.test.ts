import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import type { BatchInvokeRequest } from '../../core/api/batch-contracts';
import type { JobEvent } from '../../core/vocabulary';
import { batchDeployment } from '../support/batch';
import { PYTHON_IMAGE } from '../support/docker';
import { logText, refusal, startPlane, statuses, workspace, type Plane } from '../support/control-plane';

/** A row per file: `<file>,<its number × 10>`. */
const SCORE = `
import os

def run(mini_batch):
    return [[os.path.basename(item), int(open(item).read()) * 10] for item in mini_batch]
`;

const ROWS = ['a,10', 'b,20', 'c,30'];

const FILES: Record<string, string> = {
  'endpoint.yml': '$schema: https://azuremlschemas.azureedge.net/latest/batchEndpoint.schema.json\nname: scorer\n',
  'deployment.yml': batchDeployment([]),
  'model/weights.txt': '1\n',
  'code/score.py': SCORE,
  ...Object.fromEntries(['a', 'b', 'c'].map((name, i) => [`inputs/${name}`, `${i + 1}\n`])),
};

async function scorer(t: TestContext, files: Record<string, string> = {}): Promise<{ root: string; plane: Plane }> {
  const root = await workspace(t, { ...FILES, ...files });
  const plane = await startPlane(t, root);
  await plane.client.batchEndpoints.create({ path: path.join(root, 'endpoint.yml') });
  await plane.client.batchDeployments.create({ path: path.join(root, 'deployment.yml'), setDefault: true });
  return { root, plane };
}

async function completed(plane: Plane, request: BatchInvokeRequest): Promise<{ name: string; experiment: string; log: string }> {
  const { job } = await plane.client.batchEndpoints.invoke('scorer', request);
  const events = await plane.events(job.name);
  assert.equal(statuses(events).at(-1), 'Completed', logText(events));
  return { name: job.name, experiment: job.experiment, log: logText(events) };
}

test('a model deployment takes its data input and score output by name, with the job name and experiment given; list-jobs lists its jobs', async (t) => {
  const { root, plane } = await scorer(t);
  const first = await completed(plane, {
    inputs: { heart_data: { type: 'uri_folder', path: path.join(root, 'inputs') } },
    outputs: { score: { type: 'uri_folder', path: 'azureml://datastores/workspaceblobstore/paths/named/run1' } },
    jobName: 'scored-1',
    experimentName: 'nightly',
  });
  assert.deepEqual([first.name, first.experiment], ['scored-1', 'nightly']);
  const written = path.join(root, '.mlw', 'datastores', 'workspaceblobstore', 'named', 'run1', 'predictions.csv');
  assert.deepEqual(fs.readFileSync(written, 'utf8').trimEnd().split('\n'), ROWS);
  const detail = await plane.client.jobs.get('scored-1');
  assert.equal(detail.displayName, 'scorer/dpl');

  const second = await completed(plane, { input: path.join(root, 'inputs') });
  assert.equal(second.experiment, 'scorer', "the endpoint's name is the experiment unless one is given");
  assert.deepEqual((await plane.client.batchEndpoints.jobs('scorer')).map((job) => job.name), [second.name, 'scored-1'], 'newest first');
  assert.deepEqual((await plane.client.batchDeployments.jobs('scorer', 'dpl')).map((job) => job.status), ['Completed', 'Completed']);

  const taken = await refusal(plane.client.batchEndpoints.invoke('scorer', { input: path.join(root, 'inputs'), jobName: 'scored-1' }));
  assert.equal(taken.status, 409);
  assert.match(taken.message, /a job named scored-1 already exists/);
  assert.equal((await refusal(plane.client.batchEndpoints.jobs('nope'))).status, 404);
  assert.equal((await refusal(plane.client.batchDeployments.jobs('scorer', 'nope'))).status, 404);
});

test("bad named inputs and outputs of a model deployment are refused at their name before a job starts", async (t) => {
  const { root, plane } = await scorer(t);
  const folder = path.join(root, 'inputs');
  const refused = async (request: BatchInvokeRequest) => {
    const error = await refusal(plane.client.batchEndpoints.invoke('scorer', request));
    assert.equal(error.status, 400, error.message);
    return error.message;
  };
  const data = { type: 'uri_folder', path: folder };
  assert.equal(await refused({}), 'no input: give --input <data>, or named inputs with --file or --inputs');
  assert.equal(await refused({ input: folder, inputs: { data } }), '--input and named inputs (--file, --inputs) both given: give the data one way');
  assert.equal(await refused({ inputs: { data, mode: { type: 'string', default: 'append' } } }), 'inputs.mode: a literal input; a model deployment takes one data input (literal inputs are for pipeline component deployments)');
  assert.equal(await refused({ inputs: { data, more: data } }), 'inputs: data, more: a model deployment takes one data input');
  assert.equal(await refused({ inputs: { data: { type: 'uri_folder' } } }), 'inputs.data: a data input needs a path');
  assert.equal(await refused({ inputs: { data: [folder] as never } }), 'inputs.data: a list; an input is data (type and path) or a literal (type and default, or its value)');
  assert.equal(await refused({ inputs: { data: null as never } }), 'inputs.data: expected a string, number or boolean, not null');
  assert.equal(await refused({ input: folder, outputs: { score: [] as never } }), 'outputs.score: expected type and path (azureml://datastores/<datastore>/paths/<path>)');
  assert.match(await refused({ inputs: { data: { type: 'tabular', path: folder } } }), /^inputs\.data\.type tabular: expected a data type \(uri_folder, uri_file, /);
  assert.equal(await refused({ inputs: { data: { type: 'uri_folder', pth: folder } as never } }), 'inputs.data: unknown key pth; a data input has type and path, a literal input type and default');
  assert.equal(await refused({ inputs: { data: { type: 'uri_folder', path: folder, default: 3 } } }), 'inputs.data: a data input (type uri_folder) takes a path, not a value (default)');
  assert.match(await refused({ inputs: { data: { type: 'uri_file', path: folder } } }), /^inputs\.data\.path: .*inputs is a folder, not a file \(type uri_file\)$/);
  assert.match(await refused({ inputs: { data: { type: 'uri_folder', path: path.join(root, 'missing') } } }), /^inputs\.data\.path: .*missing does not exist$/);
  assert.match(await refused({ inputs: { data: { type: 'mltable', path: folder } } }), /^inputs\.data\.type mltable: a model deployment scores files: give uri_folder or uri_file \(MLTable inputs are not supported yet\)$/);
  assert.equal(await refused({ input: folder, outputs: { score: { path: './out' } } }), 'outputs.score.path ./out: expected azureml://datastores/<datastore>/paths/<path>');
  assert.equal(await refused({ input: folder, outputs: { score: { type: 'uri_folder' } } }), 'outputs.score: an output needs a path: azureml://datastores/<datastore>/paths/<path>');
  assert.equal(await refused({ input: folder, outputs: { score: { path: 'azureml://datastores/workspaceblobstore/paths/a' }, extra: { path: 'azureml://datastores/workspaceblobstore/paths/b' } } }), 'outputs: score, extra: a model deployment has one output (score)');
  assert.equal(await refused({ input: folder, outputPath: 'azureml://datastores/workspaceblobstore/paths/a', outputs: { score: { path: 'azureml://datastores/workspaceblobstore/paths/b' } } }), '--output-path and outputs both place the score output: give one');
  assert.match(await refused({ input: folder, outputs: { score: { path: 'azureml://datastores/nowhere/paths/x' } } }), /^outputs\.score: .*nowhere/);
  assert.match(await refused({ input: folder, jobName: 'bad name!' }), /^--job-name: job name `bad name!` is not valid/);
  assert.match(await refused({ input: folder, experimentName: '-dash' }), /^--experiment-name: experiment name `-dash` is not valid/);
  assert.deepEqual(await plane.client.jobs.list(), [], 'no job was started');
});

const PIPELINE_FILES: Record<string, string> = {
  'pipeline-deployment.yml': [
    '$schema: https://azuremlschemas.azureedge.net/latest/pipelineComponentBatchDeployment.schema.json',
    'name: join-dpl',
    'endpoint_name: scorer',
    'type: pipeline',
    'component: ./join-component.yml',
    'settings:',
    '  default_compute: azureml:local',
    '',
  ].join('\n'),
  'join-component.yml': [
    '$schema: https://azuremlschemas.azureedge.net/latest/pipelineComponent.schema.json',
    'type: pipeline',
    'name: join_files',
    'inputs:',
    '  left: {type: uri_folder}',
    '  right: {type: uri_folder}',
    '  label: {type: string}',
    '  times: {type: integer, default: 1}',
    'outputs:',
    '  summary: {type: uri_folder}',
    'jobs:',
    '  join:',
    '    type: command',
    '    component: ./join.yml',
    '    inputs:',
    '      left: ${{parent.inputs.left}}',
    '      right: ${{parent.inputs.right}}',
    '      label: ${{parent.inputs.label}}',
    '      times: ${{parent.inputs.times}}',
    '    outputs:',
    '      result: ${{parent.outputs.summary}}',
    '',
  ].join('\n'),
  'join.yml': [
    '$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json',
    'type: command',
    'name: join',
    'inputs:',
    '  left: {type: uri_folder}',
    '  right: {type: uri_folder}',
    '  label: {type: string}',
    '  times: {type: integer}',
    'outputs:',
    '  result: {type: uri_folder}',
    'code: ./src',
    'command: python3 join.py ${{inputs.left}} ${{inputs.right}} ${{outputs.result}} ${{inputs.label}} ${{inputs.times}}',
    'environment:',
    `  image: ${PYTHON_IMAGE}`,
    '',
  ].join('\n'),
  'src/join.py': [
    'import os, sys',
    'left, right, out, label, times = sys.argv[1:]',
    'n = len(os.listdir(left)) + len(os.listdir(right))',
    'open(os.path.join(out, "joined.txt"), "w").write("%d %s\\n" % (n * int(times), label))',
    'print("joined", n)',
    '',
  ].join('\n'),
  'more/x': '1\n',
};

test('a pipeline component deployment takes every input by name, literals typed as the component declares, and places its outputs', async (t) => {
  const { root, plane } = await scorer(t, PIPELINE_FILES);
  await plane.client.batchDeployments.create({ path: path.join(root, 'pipeline-deployment.yml') });
  const invoke = (request: Omit<BatchInvokeRequest, 'deployment'>) => plane.client.batchEndpoints.invoke('scorer', { deployment: 'join-dpl', ...request });
  const data = (folder: string) => ({ type: 'uri_folder', path: path.join(root, folder) });
  const { job } = await invoke({
    inputs: { left: data('inputs'), right: data('more'), label: { type: 'string', default: 'files' }, times: 2 },
    outputs: { summary: { type: 'uri_folder', path: 'azureml://datastores/workspaceblobstore/paths/joined' } },
    experimentName: 'joins',
  });
  assert.deepEqual([job.type, job.experiment], ['pipeline', 'joins']);
  const events: JobEvent[] = [];
  await plane.client.jobs.events(job.name, (event) => events.push(event), { children: true });
  assert.equal(statuses(events.filter((e) => e.job === job.name)).at(-1), 'Completed', logText(events));
  assert.equal(fs.readFileSync(path.join(root, '.mlw', 'datastores', 'workspaceblobstore', 'joined', 'joined.txt'), 'utf8'), '8 files\n');
  assert.deepEqual((await plane.client.batchDeployments.jobs('scorer', 'join-dpl')).map((j) => j.name), [job.name]);

  const refused = async (request: Omit<BatchInvokeRequest, 'deployment'>) => {
    const error = await refusal(invoke(request));
    assert.equal(error.status, 400, error.message);
    return error.message;
  };
  const given = { left: data('inputs'), right: data('more'), label: 'x' };
  assert.equal(await refused({ input: path.join(root, 'inputs') }), '--input: pipeline component ./join-component.yml has 2 data inputs (left, right); give its inputs by name (--file or --inputs)');
  assert.equal(await refused({ inputs: { ...given, colour: 'red' } }), 'inputs.colour: pipeline component ./join-component.yml has no input colour (its inputs: left, right, label, times)');
  assert.equal(await refused({ inputs: { left: data('inputs'), right: data('more') } }), 'inputs.label: pipeline component ./join-component.yml needs input label, which has no default; give it by name (--file or --inputs)');
  assert.equal(await refused({ inputs: { ...given, left: 'inputs' } }), 'inputs.left: a literal given for data input left (uri_folder) of ./join-component.yml; give type and path');
  assert.equal(await refused({ inputs: { ...given, label: data('inputs') } }), 'inputs.label: data (a path) given for string input label of ./join-component.yml; give its value as default: <value>');
  assert.equal(await refused({ inputs: { ...given, times: 'twice' } }), 'inputs.times: "twice" is not an integer');
  assert.equal(await refused({ inputs: { ...given, times: { type: 'integer', default: 1.5 } } }), 'inputs.times: 1.5 is not an integer');
  assert.equal(await refused({ inputs: { ...given, times: { type: 'boolean', default: true } } }), 'inputs.times.type boolean: the component\'s input times is integer');
  assert.equal(await refused({ inputs: { ...given, left: { type: 'uri_file', path: path.join(root, 'more', 'x') } } }), 'inputs.left.type uri_file: the component\'s input left is uri_folder');
  assert.equal(await refused({ inputs: { ...given, times: { type: 'integer' } } }), 'inputs.times: no value: give default: <value> (type integer)');
  assert.equal(await refused({ inputs: given, outputs: { result: { path: 'azureml://datastores/workspaceblobstore/paths/r' } } }), 'outputs.result: pipeline component ./join-component.yml has no output result (its outputs: summary)');
  assert.equal(await refused({ inputs: given, outputs: { summary: { type: 'uri_file', path: 'azureml://datastores/workspaceblobstore/paths/r' } } }), 'outputs.summary.type uri_file: the component\'s output summary is uri_folder');
  assert.equal((await plane.client.jobs.list()).filter((j) => !j.parent).length, 1, 'no other job was started');
});
