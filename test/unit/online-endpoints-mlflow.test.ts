import assert from 'node:assert/strict';
import path from 'node:path';
import { after, test } from 'node:test';
import { startPlane, workspace } from '../support/control-plane';
import { docker, dockerWithClientImage, CLIENT_IMAGE } from '../support/examples';
import { inState, invoke, removeContainersAfter } from '../support/endpoints';

after(() => docker.cleanup());

const SAVE_MODEL = `
import mlflow.sklearn
from sklearn.linear_model import LinearRegression
model = LinearRegression().fit([[0, 0], [1, 1], [2, 2]], [0, 2, 4])
mlflow.sklearn.save_model(model, "/out/mlflow-model")
`;

test('a no-code deployment serves an MLflow model with the MLflow serving image, in the input_data format of Azure ML', async (t) => {
  if (!(await dockerWithClientImage(t))) return;
  const root = await workspace(t, {
    'model.yml': '$schema: https://azuremlschemas.azureedge.net/latest/model.schema.json\nname: line\nversion: "1"\ntype: mlflow_model\npath: mlflow-model\n',
    'endpoint.yml': '$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json\nname: mlflow-ep\nauth_mode: aml_token\n',
    'mlflow.yml': '$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json\nname: mlflow\nendpoint_name: mlflow-ep\nmodel: azureml:line:1\ninstance_type: Standard_DS3_v2\ninstance_count: 1\n',
  });
  removeContainersAfter(t, root);
  // The model is saved by the same mlflow and scikit-learn that serve it.
  const saver = await docker.docker.createContainer({ Image: CLIENT_IMAGE, Cmd: ['python3', '-c', SAVE_MODEL], Labels: docker.labels, HostConfig: { Binds: [`${root}:/out`] } });
  await saver.start();
  assert.equal((await saver.wait()).StatusCode, 0, String(await saver.logs({ stdout: true, stderr: true })));
  await saver.remove();

  const previous = process.env.MLW_MLFLOW_SERVING_IMAGE;
  process.env.MLW_MLFLOW_SERVING_IMAGE = CLIENT_IMAGE;
  t.after(() => (previous === undefined ? delete process.env.MLW_MLFLOW_SERVING_IMAGE : (process.env.MLW_MLFLOW_SERVING_IMAGE = previous)));
  const { client } = await startPlane(t, root);
  await client.assets.register('model', { path: path.join(root, 'model.yml') });
  const endpoint = await client.onlineEndpoints.create({ path: path.join(root, 'endpoint.yml') });
  await client.onlineDeployments.create({ path: path.join(root, 'mlflow.yml'), all_traffic: true });
  await inState(client, 'mlflow-ep', 'mlflow', 'Succeeded');
  const { accessToken, expiryTimeUtc } = await client.onlineEndpoints.credentials('mlflow-ep');
  assert.ok(accessToken && Date.parse(expiryTimeUtc!) > Date.now());
  const auth = { authorization: `Bearer ${accessToken}` };

  const answer = await invoke(endpoint.scoring_uri, JSON.stringify({ input_data: { columns: [0, 1], index: [0, 1], data: [[3, 3], [5, 5]] } }), auth);
  assert.equal(answer.status, 200, answer.text);
  assert.deepEqual(JSON.parse(answer.text).map((value: number) => Math.round(value)), [6, 10]);
  const bad = await invoke(endpoint.scoring_uri, '{"rows": [[1, 1]]}', auth);
  assert.equal(bad.status, 400);
  assert.match(bad.body.error, /ValueError: no input_data in the request \(keys: rows\)/);
  assert.equal((await invoke(endpoint.scoring_uri, '{"input_data": [[1, 1]]}', { authorization: 'Bearer mlwaml.1.x' })).status, 401, 'a forged token');
});
