import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, test, type TestContext } from 'node:test';
import { findingLines, logText, refusal, startPlane, statuses, workspace, type Plane } from '../support/control-plane';
import { CLIENT_IMAGE, docker, dockerWithClientImage } from '../support/examples';

after(() => docker.cleanup());

/** The host's MLflow, as examples/mlflow runs it. */
const HOST_PYTHON = '/usr/bin/python3';
const HOST_MLFLOW_PATH = '/opt/mlflow-src';

/** y = x0 + x1, saved by the same mlflow and scikit-learn that load it. */
const SAVE_MODEL = `
import sys
import mlflow.sklearn
from sklearn.linear_model import LinearRegression
mlflow.sklearn.save_model(LinearRegression().fit([[0, 0], [1, 1], [2, 2]], [0, 2, 4]), sys.argv[1])
`;

const ENDPOINT = '$schema: https://azuremlschemas.azureedge.net/latest/batchEndpoint.schema.json\nname: mlflow-batch\n';
const MODEL = '$schema: https://azuremlschemas.azureedge.net/latest/model.schema.json\nname: adder\nversion: "1"\ntype: mlflow_model\npath: mlflow-model\n';

function deployment(lines: string[]): string {
  return ['$schema: https://azuremlschemas.azureedge.net/latest/batchDeployment.schema.json', 'name: nocode', 'endpoint_name: mlflow-batch', ...lines].join('\n') + '\n';
}

const INPUTS = {
  'inputs/a.csv': 'x0,x1\n1,1\n2,3\n',
  'inputs/b.csv': 'x0,x1\n10,5\n',
  'inputs/notes.txt': 'not a table\n',
};

/** Each test's own MLW_MLFLOW_SERVING_IMAGE (or none) for the daemon it starts. */
function servingImage(t: TestContext, image: string | undefined): void {
  const previous = process.env.MLW_MLFLOW_SERVING_IMAGE;
  if (image === undefined) delete process.env.MLW_MLFLOW_SERVING_IMAGE;
  else process.env.MLW_MLFLOW_SERVING_IMAGE = image;
  t.after(() => (previous === undefined ? delete process.env.MLW_MLFLOW_SERVING_IMAGE : (process.env.MLW_MLFLOW_SERVING_IMAGE = previous)));
}

async function hostMlflow(t: TestContext): Promise<boolean> {
  try {
    await promisify(execFile)(HOST_PYTHON, ['-c', 'import mlflow, pandas, sklearn'], { env: { ...process.env, PYTHONPATH: HOST_MLFLOW_PATH } });
    return true;
  } catch (error) {
    if (process.env.CI === 'true') throw error;
    t.skip(`${HOST_PYTHON} cannot import mlflow, pandas and sklearn (PYTHONPATH=${HOST_MLFLOW_PATH})`);
    return false;
  }
}

async function scoreInputs(plane: Plane, root: string): Promise<{ name: string; log: string; status: string }> {
  await plane.client.batchEndpoints.create({ path: path.join(root, 'endpoint.yml') });
  await plane.client.batchDeployments.create({ path: path.join(root, 'deployment.yml'), setDefault: true });
  const { job } = await plane.client.batchEndpoints.invoke('mlflow-batch', { input: path.join(root, 'inputs') });
  const events = await plane.events(job.name);
  return { name: job.name, log: logText(events), status: statuses(events).at(-1)! };
}

/** predictions.csv as (file, rounded prediction) pairs. */
async function predictions(plane: Plane, job: string): Promise<string[]> {
  const text = (await plane.client.jobs.outputFile(job, 'score', 'predictions.csv')).toString('utf8');
  return text.trimEnd().split('\n').map((row) => {
    const [file, value] = row.split(',');
    return `${file},${Math.round(Number(value))}`;
  });
}

function assertScored(run: { log: string; status: string }): void {
  assert.equal(run.status, 'Completed', run.log);
  assert.match(run.log, /mini-batch 2\/2: error processing input file notes\.txt: ValueError: file type 'txt' is not supported \(supported: csv, parquet\)/);
  assert.match(run.log, /summary: 3 items, 2 succeeded, 1 failed, 0 mini-batches failed/);
}

test('on the local compute the host\'s python3 scores a registered MLflow model without a scoring script: one row per input row with its file\'s name; a text file is a failed item', async (t) => {
  if (!(await hostMlflow(t))) return;
  servingImage(t, undefined);
  const root = await workspace(t, {
    'endpoint.yml': ENDPOINT,
    'model.yml': MODEL,
    'deployment.yml': deployment(['model: azureml:adder:1', 'compute: azureml:local', 'settings:', '  mini_batch_size: 2', 'environment_variables:', '  PATH: /usr/bin:/bin', `  PYTHONPATH: ${HOST_MLFLOW_PATH}`]),
    ...INPUTS,
  });
  await promisify(execFile)(HOST_PYTHON, ['-c', SAVE_MODEL, path.join(root, 'mlflow-model')], { env: { ...process.env, PYTHONPATH: HOST_MLFLOW_PATH } });
  const plane = await startPlane(t, root);
  await plane.client.assets.register('model', { path: path.join(root, 'model.yml') });
  const run = await scoreInputs(plane, root);
  assertScored(run);
  assert.deepEqual(await predictions(plane, run.name), ['a.csv,2', 'a.csv,5', 'b.csv,15']);
});

test('on a Docker compute an inline MLflow model is scored in MLW_MLFLOW_SERVING_IMAGE', async (t) => {
  if (!(await dockerWithClientImage(t))) return;
  servingImage(t, CLIENT_IMAGE);
  const root = await workspace(t, {
    'endpoint.yml': ENDPOINT,
    'box.yml': 'name: box\ntype: docker\nmax_instances: 1\n',
    'deployment.yml': deployment(['model:', '  path: ./mlflow-model', '  type: mlflow_model', 'compute: azureml:box', 'settings:', '  mini_batch_size: 2']),
    ...INPUTS,
  });
  t.after(async () => {
    const left = await docker.docker.listContainers({ all: true, filters: { label: [`mlw.workspace=${root}`] } });
    await Promise.all(left.map((c) => docker.docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  });
  const saver = await docker.docker.createContainer({ Image: CLIENT_IMAGE, Cmd: ['python3', '-c', SAVE_MODEL, '/out/mlflow-model'], Labels: docker.labels, HostConfig: { Binds: [`${root}:/out`] } });
  await saver.start();
  assert.equal((await saver.wait()).StatusCode, 0, String(await saver.logs({ stdout: true, stderr: true })));
  await saver.remove();
  const plane = await startPlane(t, root);
  await plane.client.assets.register('compute', { path: path.join(root, 'box.yml') });
  const run = await scoreInputs(plane, root);
  assertScored(run);
  assert.match(run.log, /running on box \(docker\): python3 \/mlw\/inputs\/driver\//);
  assert.deepEqual(await predictions(plane, run.name), ['a.csv,2', 'a.csv,5', 'b.csv,15']);
});

test('without a scoring script: on a container compute without MLW_MLFLOW_SERVING_IMAGE, or for a model that is not MLflow, the deployment is refused where it says so', async (t) => {
  servingImage(t, undefined);
  const root = await workspace(t, {
    'endpoint.yml': ENDPOINT,
    'box.yml': 'name: box\ntype: docker\nmax_instances: 1\n',
    'mlflow-model/MLmodel': 'flavors: {}\n',
    'plain/weights.txt': '1\n',
    'on-box.yml': deployment(['model:', '  path: ./mlflow-model', '  type: mlflow_model', 'compute: azureml:box']),
    'plain.yml': deployment(['model:', '  path: ./plain', 'compute: azureml:local']),
  });
  const plane = await startPlane(t, root);
  await plane.client.assets.register('compute', { path: path.join(root, 'box.yml') });
  await plane.client.batchEndpoints.create({ path: path.join(root, 'endpoint.yml') });
  const noImage = await refusal(plane.client.batchDeployments.create({ path: path.join(root, 'on-box.yml') }));
  assert.match(findingLines(noImage).join('\n'), /^on-box\.yml:7:\d+ error unsupported scoring an MLflow model without a scoring script on compute box needs a local image with mlflow and pandas: start mlw serve with MLW_MLFLOW_SERVING_IMAGE=<image>/m);
  const plain = await refusal(plane.client.batchDeployments.create({ path: path.join(root, 'plain.yml') }));
  assert.match(findingLines(plain).join('\n'), /^plain\.yml:5:3 error invalid-value without `code_configuration` only MLflow models \(type: mlflow_model\) are scored; the model is custom_model/m);
  assert.deepEqual(await plane.client.batchDeployments.list('mlflow-batch'), [], 'nothing was saved');
});
