import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { blobTexts, container, DEV_ACCOUNT, DEV_KEY, startAzurite } from '../support/azurite';
import { startPlane, workspace } from '../support/control-plane';
import { httpRequest } from '../support/http';
import { mlflowReady, runPython } from '../support/mlflow';
import { tempDir } from '../support/temp';

const BLOB_SCHEMA = '$schema: https://azuremlschemas.azureedge.net/latest/azureBlob.schema.json';

const ROUND_TRIP = `import json, os, sys, mlflow
from mlflow import MlflowClient
source, target = sys.argv[1], sys.argv[2]
mlflow.set_experiment('blob-artifacts')
with mlflow.start_run() as run:
    mlflow.log_artifact(os.path.join(source, 'hello.txt'))
    mlflow.log_artifacts(os.path.join(source, 'model'), artifact_path='model')
client = MlflowClient()
listed = [(f.path, f.is_dir, f.file_size) for f in client.list_artifacts(run.info.run_id)]
nested = [(f.path, f.is_dir, f.file_size) for f in client.list_artifacts(run.info.run_id, 'model')]
local = mlflow.artifacts.download_artifacts(run_id=run.info.run_id, dst_path=target)
files = {}
for folder, _, names in os.walk(local):
    for name in names:
        with open(os.path.join(folder, name)) as f:
            files[os.path.relpath(os.path.join(folder, name), local)] = f.read()
print(json.dumps({'run': run.info.run_id, 'experiment': run.info.experiment_id, 'uri': run.info.artifact_uri, 'listed': listed, 'nested': nested, 'files': files}))
`;

test("MLflow artifacts go to the workspace artifact store's Blob container: log_artifact, list and download through the real client", async (t) => {
  if (!mlflowReady(t)) return;
  const azurite = await startAzurite(t);
  await container(azurite, 'azureml');
  const root = await workspace(t, {
    'artifactstore.yml': `${BLOB_SCHEMA}\nname: workspaceartifactstore\ntype: azure_blob\naccount_name: ${DEV_ACCOUNT}\ncontainer_name: azureml\nendpoint: ${azurite.endpoint}\ncredentials:\n  account_key: ${DEV_KEY}\n`,
  });
  const plane = await startPlane(t, root);
  await plane.client.assets.register('datastore', { path: path.join(root, 'artifactstore.yml') });
  const source = await tempDir(t, 'mlw-artifacts-in-');
  fs.writeFileSync(path.join(source, 'hello.txt'), 'hello blob');
  fs.mkdirSync(path.join(source, 'model/data'), { recursive: true });
  fs.writeFileSync(path.join(source, 'model/MLmodel'), 'flavors: {}\n');
  fs.writeFileSync(path.join(source, 'model/data/weights.bin'), 'w'.repeat(1000));
  const target = await tempDir(t, 'mlw-artifacts-out-');

  const { port, token } = plane.daemon.info;
  const result = JSON.parse(await runPython(ROUND_TRIP, { MLFLOW_TRACKING_URI: `http://127.0.0.1:${port}`, MLFLOW_TRACKING_TOKEN: token }, [source, target]));
  const prefix = `${result.experiment}/${result.run}/artifacts`;
  assert.equal(result.uri, `mlflow-artifacts:/${prefix}`);
  assert.deepEqual(result.listed, [['hello.txt', false, 10], ['model', true, null]]);
  assert.deepEqual(result.nested, [['model/MLmodel', false, 12], ['model/data', true, null]]);
  assert.deepEqual(result.files, { 'hello.txt': 'hello blob', 'model/MLmodel': 'flavors: {}\n', 'model/data/weights.bin': 'w'.repeat(1000) });

  assert.deepEqual(await blobTexts(azurite, 'azureml', `${result.experiment}/`), {
    [`${prefix}/hello.txt`]: 'hello blob',
    [`${prefix}/model/MLmodel`]: 'flavors: {}\n',
    [`${prefix}/model/data/weights.bin`]: 'w'.repeat(1000),
  }, 'the artifacts are blobs in the container, read back with the SDK');
  assert.ok(!fs.existsSync(path.join(root, '.mlw/datastores/workspaceartifactstore', String(result.experiment))), 'nothing went to the local folder');

  const proxy = `/api/2.0/mlflow-artifacts/artifacts/${prefix}`;
  const folderWrite = await httpRequest(port, 'PUT', `${proxy}/model`, { authorization: `Bearer ${token}`, 'content-length': 1 }, Buffer.from('x'));
  assert.equal(folderWrite.status, 400, `a file over a folder is refused: ${folderWrite.text}`);
  const missing = await httpRequest(port, 'GET', `${proxy}/nothing.txt`, { authorization: `Bearer ${token}` });
  assert.equal(missing.status, 404, missing.text);
  assert.equal((await httpRequest(port, 'DELETE', `${proxy}/model`, { authorization: `Bearer ${token}` })).status, 200);
  assert.deepEqual(Object.keys(await blobTexts(azurite, 'azureml', `${result.experiment}/`)), [`${prefix}/hello.txt`], 'the folder and all below it are deleted');
});
