import assert from 'node:assert/strict';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import type { BatchDeploymentRequest } from '../../core/api/batch-contracts';
import { findingLines, logText, refusal, startPlane, statuses, workspace, type Plane } from '../support/control-plane';

const ENDPOINT = '$schema: https://azuremlschemas.azureedge.net/latest/batchEndpoint.schema.json\nname: scorer\n';

/** A model deployment of `code/score.py` on the host, with `settings` as YAML lines (indented by 2). */
function deployment(settings: string[], extra = ''): string {
  return [
    '$schema: https://azuremlschemas.azureedge.net/latest/batchDeployment.schema.json',
    'name: dpl',
    'endpoint_name: scorer',
    'model:',
    '  path: ./model',
    'code_configuration:',
    '  code: ./code',
    '  scoring_script: score.py',
    'compute: azureml:local',
    ...(settings.length ? ['settings:', ...settings.map((line) => `  ${line}`)] : []),
    extra,
  ].join('\n');
}

/**
 * Each item file holds a number; a row is `<file>,<number × the model's factor>`. A file named `fail*` makes its
 * mini-batch raise; `slow*` sleeps past any short timeout; `flaky*` raises on the first try of its worker only.
 */
const SCORE = `
import logging, os, time
factor = None
tries = {}

def init():
    global factor
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
            time.sleep(30)
        if name.startswith("flaky") and not os.path.exists(item + ".seen"):
            pass
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
  assert.equal((run.log.match(/^init in \d+$/gm) ?? []).length, 2, 'init() runs once per worker process');
  const rows = (await outputFile(plane, run.name, 'out.csv')).trimEnd().split('\n');
  assert.deepEqual(rows, NAMES.map((name, i) => `${name},${(i + 1) * 10}`));
  const detail = await plane.client.jobs.get(run.name);
  assert.equal(detail.type, 'command');
  assert.equal(detail.displayName, 'scorer/dpl');
  assert.equal(detail.experiment, 'scorer');
  assert.equal(detail.outputs[0]!.uri, `azureml://datastores/workspaceblobstore/paths/azureml/${run.name}/score/`);
  assert.ok((await plane.client.jobs.list()).some((job) => job.name === run.name), 'the job is listed like any other');
});
