import assert from 'node:assert/strict';
import fs from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { ApiClient } from '../../core/api/client';
import { DEV_ACCOUNT, DEV_KEY, container, startAzurite } from '../support/azurite';
import { CLI, ok, runCli } from '../support/cli';
import { PYTHON_IMAGE } from '../support/docker';
import { docker, EXAMPLES } from '../support/examples';
import type { JobEvent } from '../../core/vocabulary';
import { batchDeployment as deployment } from '../support/batch';
import { findingLines, logText, refusal, startPlane, statuses, workspace, type Plane } from '../support/control-plane';

const ENDPOINT = '$schema: https://azuremlschemas.azureedge.net/latest/batchEndpoint.schema.json\nname: scorer\n';

/**
 * Each item file holds a number; a row is `<file>,<number × the model's factor>`. A file named `fail*` makes its
 * mini-batch raise; `slow*` sleeps past any short timeout; `flaky*` raises on its first try only; `skip*` gets no
 * row.
 */
const SCORE = `
import logging, os, time
factor = None
tries = {}

def init():
    global factor
    if os.environ.get("FAIL_INIT"):
        raise RuntimeError("init refused: " + os.environ["FAIL_INIT"])
    with open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model", "factor.txt")) as f:
        factor = int(f.read())
    print("init in", os.getpid(), flush=True)

def run(mini_batch):
    logging.getLogger("score").debug("scoring %d files", len(mini_batch))
    rows = []
    for item in mini_batch:
        name = os.path.basename(item)
        if name.startswith("fail"):
            raise ValueError("cannot score " + name)
        if name.startswith("slow"):
            time.sleep(60)
        if name.startswith("flaky"):
            tries[name] = tries.get(name, 0) + 1
            if tries[name] == 1:
                raise RuntimeError("first try of " + name)
        if name.startswith("skip"):
            continue
        with open(item) as f:
            rows.append([name, int(f.read()) * factor])
    return rows
`;

function items(names: string[]): Record<string, string> {
  return Object.fromEntries(names.map((name, i) => [`inputs/${name}`, `${i + 1}\n`]));
}

async function batchWorkspace(t: TestContext, settings: string[], inputs: string[], extra = ''): Promise<{ root: string; plane: Plane }> {
  const root = await workspace(t, {
    'endpoint.yml': ENDPOINT,
    'deployment.yml': deployment(settings, extra),
    'model/factor.txt': '10\n',
    'code/score.py': SCORE,
    ...items(inputs),
  });
  const plane = await startPlane(t, root);
  await plane.client.batchEndpoints.create({ path: path.join(root, 'endpoint.yml') });
  await plane.client.batchDeployments.create({ path: path.join(root, 'deployment.yml'), setDefault: true });
  return { root, plane };
}

async function invoke(plane: Plane, root: string, request: { deployment?: string } = {}): Promise<{ name: string; log: string; status: string }> {
  const { job } = await plane.client.batchEndpoints.invoke('scorer', { input: path.join(root, 'inputs'), ...request });
  const events = await plane.events(job.name);
  return { name: job.name, log: logText(events), status: statuses(events).at(-1)! };
}

async function outputFile(plane: Plane, job: string, file: string): Promise<string> {
  return (await plane.client.jobs.outputFile(job, 'score', file)).toString('utf8');
}

const NAMES = ['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'b0', 'b1', 'b2'];

test('a folder is scored in mini-batches by parallel workers; append_row writes one row per item in input order', async (t) => {
  const { root, plane } = await batchWorkspace(t, ['mini_batch_size: 3', 'max_concurrency_per_instance: 2', 'output_file_name: out.csv'], NAMES);
  const run = await invoke(plane, root);
  assert.equal(run.status, 'Completed', run.log);
  assert.match(run.log, /10 items in 4 mini-batches of up to 3, 2 worker process\(es\)/);
  assert.equal((run.log.match(/^init in \d+$/gm) ?? []).length, 2, `init() runs once per worker process:\n${run.log}`);
  const rows = (await outputFile(plane, run.name, 'out.csv')).trimEnd().split('\n');
  assert.deepEqual(rows, NAMES.map((name, i) => `${name},${(i + 1) * 10}`));
  const detail = await plane.client.jobs.get(run.name);
  assert.equal(detail.type, 'command');
  assert.equal(detail.displayName, 'scorer/dpl');
  assert.equal(detail.experiment, 'scorer');
  assert.equal(detail.outputs[0]!.uri, `azureml://datastores/workspaceblobstore/paths/azureml/${run.name}/score/`);
  assert.ok((await plane.client.jobs.list()).some((job) => job.name === run.name), 'the job is listed like any other');
});

test('summary_only writes no file; logging_level debug lets the scoring script\'s debug lines through', async (t) => {
  const { root, plane } = await batchWorkspace(t, ['mini_batch_size: 4', 'output_action: summary_only', 'logging_level: debug'], NAMES);
  const run = await invoke(plane, root);
  assert.equal(run.status, 'Completed', run.log);
  assert.match(run.log, /scoring 4 files/);
  assert.match(run.log, /scoring 2 files/);
  assert.match(run.log, /summary: 10 items, 10 succeeded, 0 failed, 0 mini-batches failed/);
  assert.doesNotMatch(run.log, /rows written/);
  const detail = await plane.client.jobs.get(run.name);
  assert.equal(detail.outputs[0]!.fileCount, 0, 'summary_only leaves the output empty');
});

test('a failing mini-batch is tried max_retries times, then its files count as failed; within error_threshold the job completes without their rows', async (t) => {
  const names = ['a0', 'a1', 'a2', 'fail0', 'flaky0', 'skip0'];
  const settings = ['mini_batch_size: 2', 'error_threshold: 3', 'logging_level: warning', 'retry_settings:', '  max_retries: 2'];
  const { root, plane } = await batchWorkspace(t, settings, names);
  const run = await invoke(plane, root);
  assert.equal(run.status, 'Completed', run.log);
  assert.match(run.log, /mini-batch 2\/3, try 1 of 2: ValueError: cannot score fail0/);
  assert.match(run.log, /mini-batch 2\/3, try 2 of 2: ValueError: cannot score fail0/);
  assert.match(run.log, /mini-batch 2\/3 failed after 2 tries: its 2 items count as failed/);
  assert.match(run.log, /mini-batch 3\/3, try 1 of 2: RuntimeError: first try of flaky0/);
  assert.doesNotMatch(run.log, /mini-batch 3\/3 failed/, 'the second try of the flaky mini-batch succeeded');
  assert.doesNotMatch(run.log, /INFO/, 'logging_level warning leaves info lines out');
  assert.match(run.log, /summary: 6 items, 3 succeeded, 3 failed, 1 mini-batches failed/);
  assert.deepEqual((await outputFile(plane, run.name, 'predictions.csv')).trimEnd().split('\n'), ['a0,10', 'a1,20', 'flaky0,50']);
});

test('past error_threshold the job fails saying so; error_threshold -1 ignores every failure; an init() that raises fails the job', async (t) => {
  const names = ['a0', 'fail0', 'fail1', 'z0'];
  const { root, plane } = await batchWorkspace(t, ['mini_batch_size: 1', 'error_threshold: 1', 'retry_settings:', '  max_retries: 1'], names);
  const failed = await invoke(plane, root);
  assert.equal(failed.status, 'Failed', failed.log);
  const detail = await plane.client.jobs.get(failed.name);
  assert.match(detail.reason ?? '', /stopped: 2 failed items exceed error_threshold 1/);
  assert.doesNotMatch(failed.log, /mini-batch 4\/4/, 'no mini-batch is started once the threshold is passed');

  await plane.client.batchDeployments.create({ path: path.join(root, 'deployment.yml'), set: ['settings.error_threshold=-1'] });
  const ignored = await invoke(plane, root);
  assert.equal(ignored.status, 'Completed', ignored.log);
  assert.match(ignored.log, /summary: 4 items, 2 succeeded, 2 failed, 2 mini-batches failed/);
  assert.deepEqual((await outputFile(plane, ignored.name, 'predictions.csv')).trimEnd().split('\n'), ['a0,10', 'z0,40']);

  await plane.client.batchDeployments.create({ path: path.join(root, 'deployment.yml'), set: ['environment_variables.FAIL_INIT=no model'] });
  const noInit = await invoke(plane, root);
  assert.equal(noInit.status, 'Failed', noInit.log);
  assert.match((await plane.client.jobs.get(noInit.name)).reason ?? '', /stopped: init\(\) failed: RuntimeError: init refused: no model/);
  assert.match(noInit.log, /summary: 4 items, 0 succeeded, 0 failed, 0 mini-batches failed, 4 not scored/);
});

test('a mini-batch that outlives retry_settings.timeout is stopped and tried again in a new worker process', async (t) => {
  const settings = ['mini_batch_size: 1', 'retry_settings:', '  max_retries: 2', '  timeout: 1'];
  const { root, plane } = await batchWorkspace(t, settings, ['a0', 'slow0']);
  const run = await invoke(plane, root);
  assert.equal(run.status, 'Completed', run.log);
  assert.match(run.log, /mini-batch 2\/2, try 1 of 2: run\(\) took longer than the timeout of 1 s/);
  assert.match(run.log, /mini-batch 2\/2, try 2 of 2: run\(\) took longer than the timeout of 1 s/);
  assert.equal((run.log.match(/^init in \d+$/gm) ?? []).length, 2, 'the timed-out worker was replaced, and init() ran in the new one');
  assert.deepEqual((await outputFile(plane, run.name, 'predictions.csv')).trimEnd().split('\n'), ['a0,10']);
});

test('a registered data asset is an input, by version or @latest, and so is a single file; a named deployment is invoked', async (t) => {
  const { root, plane } = await batchWorkspace(t, ['mini_batch_size: 5'], NAMES);
  await writeFile(path.join(root, 'items.yml'), 'name: items\ntype: uri_folder\npath: ./inputs\n');
  await plane.client.assets.register('data', { path: path.join(root, 'items.yml') });
  for (const input of ['azureml:items@latest', 'azureml:items:1']) {
    const { job } = await plane.client.batchEndpoints.invoke('scorer', { input, deployment: 'dpl' });
    const events = await plane.events(job.name);
    assert.equal(statuses(events).at(-1), 'Completed', logText(events));
    assert.equal((await outputFile(plane, job.name, 'predictions.csv')).trimEnd().split('\n').length, 10);
  }
  const { job } = await plane.client.batchEndpoints.invoke('scorer', { input: path.join(root, 'inputs/a3'), inputType: 'uri_file' });
  const events = await plane.events(job.name);
  assert.equal(statuses(events).at(-1), 'Completed', logText(events));
  assert.equal(await outputFile(plane, job.name, 'predictions.csv'), 'a3,40\n', 'a single file is one item');
});

test('bad input is refused with what is wrong, and where', async (t) => {
  const root = await workspace(t, {
    'endpoint.yml': ENDPOINT,
    'deployment.yml': deployment(['mini_batch_size: 2']),
    'no-endpoint.yml': deployment([]).replace('endpoint_name: scorer\n', '').replace('name: dpl', 'name: first'),
    'two-instances.yml': deployment(['instance_count: 2']),
    'pipeline.yml': '$schema: https://azuremlschemas.azureedge.net/latest/pipelineComponentBatchDeployment.schema.json\nname: pipe\nendpoint_name: scorer\ntype: pipeline\ncomponent: ./component.yml\n',
    'component.yml': '$schema: https://azuremlschemas.azureedge.net/latest/pipelineComponent.schema.json\ntype: pipeline\nname: comp\njobs: {}\n',
    'command.yml': '$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json\ntype: command\nname: cmd\ncommand: echo\nenvironment:\n  image: python:3\n',
    'no-script.yml': deployment([]).replace(/code_configuration:\n  code: \.\/code\n  scoring_script: score.py\n/, ''),
    'bad-name.yml': ENDPOINT.replace('name: scorer', 'name: 9-bad_name'),
    'model/factor.txt': '10\n',
    'code/score.py': SCORE,
    ...items(['a0']),
  });
  const plane = await startPlane(t, root);
  const { client } = plane;
  const file = (name: string) => path.join(root, name);

  assert.equal((await refusal(client.batchDeployments.create({ path: file('deployment.yml') }))).status, 404, 'a deployment of an endpoint that does not exist');
  assert.match((await refusal(client.batchEndpoints.create({ path: file('bad-name.yml') }))).message, /not valid/);
  assert.match((await refusal(client.batchEndpoints.create({ path: file('deployment.yml') }))).message, /deployment\.yml is not a batch endpoint spec/);
  await client.batchEndpoints.create({ path: file('endpoint.yml') });

  const noEndpoint = await refusal(client.batchDeployments.create({ path: file('no-endpoint.yml') }));
  assert.equal(noEndpoint.status, 400);
  assert.match(noEndpoint.message, /which endpoint\? give endpoint_name in the spec or --endpoint-name/);
  const instances = await refusal(client.batchDeployments.create({ path: file('two-instances.yml') }));
  assert.deepEqual(findingLines(instances), ['two-instances.yml:11:19 error distributed-not-supported `settings.instance_count: 2`: mlw runs a batch deployment on one instance (with `max_concurrency_per_instance` processes), so this deployment is refused on create; use 1 and raise `max_concurrency_per_instance`']);
  const commandComponent = await refusal(client.batchDeployments.create({ path: file('pipeline.yml'), set: ['component=./command.yml'] }));
  assert.deepEqual(findingLines(commandComponent), ['pipeline.yml:5:12 error invalid-value ./command.yml is a command component; a pipeline deployment runs a pipeline component']);
  const noComponent = await refusal(client.batchDeployments.create({ path: file('pipeline.yml'), set: ['component=azureml:missing:1'] }));
  assert.deepEqual(findingLines(noComponent), ['pipeline.yml:5:12 error invalid-value no pipeline component azureml:missing:1; register it with `mlw component create -f <file>` or give its file']);
  const noScript = await refusal(client.batchDeployments.create({ path: file('no-script.yml') }));
  assert.match(findingLines(noScript)[0] ?? '', /^no-script\.yml:5:3 error invalid-value without `code_configuration` only MLflow models \(type: mlflow_model\) are scored; the model is custom_model/);

  const invokeWith = (input: string, deployment?: string) => client.batchEndpoints.invoke('scorer', { input, ...(deployment ? { deployment } : {}) });
  assert.match((await refusal(invokeWith(file('inputs')))).message, /batch endpoint scorer has no default deployment; give --deployment-name or create one with --set-default/);
  await client.batchDeployments.create({ path: file('no-endpoint.yml'), endpointName: 'scorer', setDefault: true });
  assert.equal((await refusal(client.batchEndpoints.invoke('nope', { input: file('inputs') }))).status, 404);
  assert.match((await refusal(invokeWith(file('inputs'), 'other'))).message, /batch endpoint scorer has no deployment named other/);
  assert.match((await refusal(invokeWith(file('missing')))).message, /^--input: .*missing does not exist/);
  assert.match((await refusal(invokeWith('relative/folder'))).message, /^--input: "relative\/folder" is not a data asset/);
  assert.match((await refusal(invokeWith('azureml:nothing@latest'))).message, /^--input: unknown data asset azureml:nothing@latest/);
  const notAFile = await refusal(client.batchEndpoints.invoke('scorer', { input: file('inputs'), inputType: 'uri_file' }));
  assert.match(notAFile.message, /^--input: .*is a folder/);
  const unknownCompute = await refusal(client.batchDeployments.create({ path: file('deployment.yml'), set: ['compute=azureml:no-such-compute'] }));
  assert.match(findingLines(unknownCompute).join('\n'), /^deployment\.yml:9:\d+ error unknown-reference compute `no-such-compute`/m);

  await client.batchDeployments.create({ path: file('deployment.yml') });
  const stillDefault = await refusal(client.batchDeployments.delete('scorer', 'first'));
  assert.equal(stillDefault.status, 409);
  assert.match(stillDefault.message, /first is the default deployment of scorer; make another one the default first/);
  assert.deepEqual(await client.batchEndpoints.get('scorer').then((e) => [e.defaultDeployment, e.deployments]), ['first', ['dpl', 'first']]);

  const reader = new ApiClient(plane.daemon.info.port, (await client.tokens.create('viewer', 'reader')).token);
  t.after(() => reader.close());
  assert.equal((await reader.batchDeployments.list('scorer')).length, 2, 'a reader reads endpoints and deployments');
  const forbidden = await refusal(reader.batchEndpoints.invoke('scorer', { input: file('inputs') }));
  assert.equal(forbidden.status, 403);
  assert.match(forbidden.message, /invoke batch endpoints/);
});

test('examples/batch through the CLI: create, list, show, invoke --stream, job show, delete', async (t) => {
  const root = await workspace(t);
  fs.cpSync(path.join(EXAMPLES, 'batch'), path.join(root, 'batch'), { recursive: true });
  const mlw = (...args: string[]) => runCli(root, args, { MLW_DAEMON_SCRIPT: path.join(CLI, '../daemon.js') });
  // the workspace's cleanup stops the daemon the CLI starts for it
  assert.equal(ok(await mlw('batch-endpoint', 'create', '-f', 'batch/endpoint.yml')), 'created batch endpoint linear-batch\n');
  assert.equal(ok(await mlw('batch-deployment', 'create', '-f', 'batch/deployment.yml', '--set-default')), 'created batch deployment linear-dpl of linear-batch (default)\n');
  assert.match(ok(await mlw('batch-endpoint', 'list')), /\nlinear-batch +linear-dpl +linear-dpl\n/);
  assert.match(ok(await mlw('batch-deployment', 'list', '--endpoint-name', 'linear-batch')), /\nlinear-dpl +yes +local +/);
  assert.match(ok(await mlw('batch-deployment', 'show', 'linear-dpl', '-e', 'linear-batch')), /^name: linear-dpl\nendpoint: linear-batch\ndefault: true\ncode_snapshot: [0-9a-f]{64}\n/);

  const invoked = ok(await mlw('batch-endpoint', 'invoke', '--name', 'linear-batch', '--input', 'batch/inputs', '--stream'));
  assert.match(invoked, /7 items in 4 mini-batches of up to 2, 2 worker process\(es\)/);
  assert.match(invoked, /\] Completed\n$/);
  const job = invoked.split(/\s/)[0]!;
  assert.match(ok(await mlw('job', 'show', job)), /score \(uri_folder, rw_mount\): azureml:\/\/datastores\/workspaceblobstore\/paths\/azureml\/.*\/score\/  \[1 file\]/);
  const predictions = fs.readFileSync(path.join(root, '.mlw/datastores/workspaceblobstore/azureml', job, 'score/predictions.csv'), 'utf8');
  assert.deepEqual(predictions.trimEnd().split('\n').map((row) => row.split(',')[0]), ['item-0.csv', 'item-1.csv', 'item-2.csv', 'item-3.csv', 'item-4.csv', 'item-5.csv', 'item-6.csv']);
  assert.equal(predictions.split('\n')[0], 'item-0.csv,0.6,1');

  const refused = await mlw('batch-endpoint', 'invoke', '-n', 'linear-batch', '--input', 'batch/nothing-here');
  assert.equal(refused.code, 1);
  assert.equal(refused.stderr, 'mlw: --input batch/nothing-here: no such file or folder\n');
  assert.equal(ok(await mlw('batch-endpoint', 'delete', 'linear-batch', '--yes')), 'deleted batch endpoint linear-batch and 1 deployment(s)\n');
  assert.equal(ok(await mlw('batch-endpoint', 'list')), 'NAME  DEFAULT DEPLOYMENT  DEPLOYMENTS\n');
});

test('on a Docker compute the scoring job runs in the deployment\'s image', async (t) => {
  if (!(await docker.ready(t))) return;
  const { root, plane } = await batchWorkspace(t, ['mini_batch_size: 4', 'max_concurrency_per_instance: 2'], NAMES, `environment:\n  image: ${PYTHON_IMAGE}\n`);
  t.after(async () => {
    const left = await docker.docker.listContainers({ all: true, filters: { label: [`mlw.workspace=${root}`] } });
    await Promise.all(left.map((c) => docker.docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  });
  await writeFile(path.join(root, 'box.yml'), 'name: box\ntype: docker\nmax_instances: 1\n');
  await plane.client.assets.register('compute', { path: path.join(root, 'box.yml') });
  await plane.client.batchDeployments.create({ path: path.join(root, 'deployment.yml'), set: ['compute=azureml:box'] });
  const run = await invoke(plane, root);
  assert.equal(run.status, 'Completed', run.log);
  assert.match(run.log, /running on box \(docker\): python3 \/mlw\/inputs\/driver\//);
  assert.equal((run.log.match(/^init in \d+$/gm) ?? []).length, 2);
  assert.deepEqual((await outputFile(plane, run.name, 'predictions.csv')).trimEnd().split('\n'), NAMES.map((name, i) => `${name},${(i + 1) * 10}`));
});

const PIPELINE_FILES: Record<string, string> = {
  'pipeline-deployment.yml': [
    '$schema: https://azuremlschemas.azureedge.net/latest/pipelineComponentBatchDeployment.schema.json',
    'name: count-dpl',
    'endpoint_name: scorer',
    'type: pipeline',
    'component: ./pipeline-component.yml',
    'settings:',
    '  default_compute: azureml:local',
    '',
  ].join('\n'),
  'pipeline-component.yml': [
    '$schema: https://azuremlschemas.azureedge.net/latest/pipelineComponent.schema.json',
    'type: pipeline',
    'name: count_files',
    'inputs:',
    '  input_data:',
    '    type: uri_folder',
    '  suffix:',
    '    type: string',
    '    default: files',
    'outputs:',
    '  summary:',
    '    type: uri_folder',
    'jobs:',
    '  count:',
    '    type: command',
    '    component: ./count.yml',
    '    inputs:',
    '      data: ${{parent.inputs.input_data}}',
    '      suffix: ${{parent.inputs.suffix}}',
    '    outputs:',
    '      result: ${{parent.outputs.summary}}',
    '',
  ].join('\n'),
  'count.yml': [
    '$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json',
    'type: command',
    'name: count',
    'inputs:',
    '  data:',
    '    type: uri_folder',
    '  suffix:',
    '    type: string',
    'outputs:',
    '  result:',
    '    type: uri_folder',
    'code: ./src',
    'command: python3 count.py ${{inputs.data}} ${{outputs.result}} ${{inputs.suffix}}',
    'environment:',
    `  image: ${PYTHON_IMAGE}`,
    '',
  ].join('\n'),
  'src/count.py': 'import os, sys\nn = len(os.listdir(sys.argv[1]))\nopen(os.path.join(sys.argv[2], "count.txt"), "w").write("%d %s\\n" % (n, sys.argv[3]))\nprint("counted", n)\n',
};

test('a pipeline component deployment runs the component as a pipeline job, --input bound to its data input', async (t) => {
  const root = await workspace(t, { 'endpoint.yml': ENDPOINT, ...PIPELINE_FILES, ...items(['a0', 'a1', 'a2']) });
  const plane = await startPlane(t, root);
  await plane.client.batchEndpoints.create({ path: path.join(root, 'endpoint.yml') });
  await plane.client.batchDeployments.create({ path: path.join(root, 'pipeline-deployment.yml'), setDefault: true });
  const { job } = await plane.client.batchEndpoints.invoke('scorer', { input: path.join(root, 'inputs') });
  assert.equal(job.type, 'pipeline');
  const events: JobEvent[] = [];
  await plane.client.jobs.events(job.name, (event) => events.push(event), { children: true });
  assert.equal(statuses(events.filter((e) => e.job === job.name)).at(-1), 'Completed', logText(events));
  assert.match(logText(events), /counted 3/);
  const [step] = await plane.client.jobs.list({ parent: job.name });
  assert.equal(step?.name, `${job.name}_count`);
  assert.equal((await plane.client.jobs.outputFile(step.name, 'result', 'count.txt')).toString(), '3 files\n');
  assert.equal((await plane.client.jobs.get(job.name)).displayName, 'scorer/count-dpl');
});

test('an endpoint created under another name than its file\'s is a known reference for deployments', async (t) => {
  const root = await workspace(t, { 'endpoint.yml': ENDPOINT, 'deployment.yml': deployment([]), 'model/factor.txt': '10\n', 'code/score.py': SCORE });
  const plane = await startPlane(t, root);
  await plane.client.batchEndpoints.create({ path: path.join(root, 'endpoint.yml'), set: ['name="scorer-two"'] });
  const created = await plane.client.batchDeployments.create({ path: path.join(root, 'deployment.yml'), set: ['endpoint_name=scorer-two'] });
  assert.equal(created.deployment.endpoint, 'scorer-two');
  assert.deepEqual(created.warnings, []);
});

test('a model on an Azure Blob datastore reaches the scoring job as its model input, from the Blob cache', async (t) => {
  const azurite = await startAzurite(t);
  await container(azurite, 'models', { 'zoo/model/factor.txt': '7\n' });
  const root = await workspace(t, {
    'endpoint.yml': ENDPOINT,
    'ds.yml': `$schema: https://azuremlschemas.azureedge.net/latest/azureBlob.schema.json\nname: models_blob\ntype: azure_blob\naccount_name: ${DEV_ACCOUNT}\ncontainer_name: models\nendpoint: ${azurite.endpoint}\ncredentials:\n  account_key: ${DEV_KEY}\n`,
    'deployment.yml': deployment(['mini_batch_size: 5', 'output_file_name: out.csv']).replace('  path: ./model', '  path: azureml://datastores/models_blob/paths/zoo/model'),
    'code/score.py': SCORE,
    ...items(['a0', 'a1']),
  });
  const plane = await startPlane(t, root);
  await plane.client.assets.register('datastore', { path: path.join(root, 'ds.yml') });
  await plane.client.batchEndpoints.create({ path: path.join(root, 'endpoint.yml') });
  await plane.client.batchDeployments.create({ path: path.join(root, 'deployment.yml'), setDefault: true });
  const run = await invoke(plane, root);
  assert.equal(run.status, 'Completed', run.log);
  assert.match(run.log, /input model: datastore "models_blob", path "zoo\/model": downloaded into the cache/);
  assert.deepEqual((await outputFile(plane, run.name, 'out.csv')).trimEnd().split('\n'), ['a0,7', 'a1,14']);
});
