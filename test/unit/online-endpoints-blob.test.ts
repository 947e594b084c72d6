import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import { DEV_ACCOUNT, DEV_KEY, container, startAzurite, type Azurite } from '../support/azurite';
import { startPlane, workspace } from '../support/control-plane';
import { DockerTestBed, waitFor } from '../support/docker';
import { deploymentSpec, endpointWorkspace, inState, invoke, removeContainersAfter } from '../support/endpoints';

const bed = new DockerTestBed();
after(() => bed.cleanup());

const BLOB_SCHEMA = '$schema: https://azuremlschemas.azureedge.net/latest/azureBlob.schema.json';
const MODEL_SCHEMA = '$schema: https://azuremlschemas.azureedge.net/latest/model.schema.json';
/** A scoring script reading its model as one file right below `AZUREML_MODEL_DIR`. */
const FILE_SCORE_PY = `
import json, os
def init():
    global factor
    with open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.json")) as f:
        factor = json.load(f)["factor"]
def run(raw_data):
    return {"deployment": "file", "result": [x * factor for x in json.loads(raw_data)["data"]]}
`;

function blobDatastore(name: string, azurite: Azurite, key: string): string {
  return `${BLOB_SCHEMA}\nname: ${name}\ntype: azure_blob\naccount_name: ${DEV_ACCOUNT}\ncontainer_name: models\nendpoint: ${azurite.endpoint}\ncredentials:\n  account_key: ${key}\n`;
}

/** A TCP proxy to `target` that holds every connection until `open()`; `held()` counts those waiting. */
async function heldProxy(t: TestContext, target: string): Promise<{ endpoint: string; held: () => number; open: () => void }> {
  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  let opened = false;
  const waiting: net.Socket[] = [];
  const sockets = new Set<net.Socket>();
  const pass = (socket: net.Socket) => {
    const upstream = net.connect(port, host);
    sockets.add(upstream);
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  };
  const server = net.createServer((socket) => {
    sockets.add(socket);
    if (opened) pass(socket);
    else waiting.push(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    server.close(() => resolve());
    for (const socket of sockets) socket.destroy();
  }));
  return {
    endpoint: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    held: () => waiting.length,
    open: () => {
      opened = true;
      for (const socket of waiting.splice(0)) pass(socket);
    },
  };
}

function cachedCopies(root: string): string[] {
  const cache = path.join(root, '.mlw/cache/blob');
  return fs.existsSync(cache) ? fs.readdirSync(cache).filter((entry) => !entry.startsWith('.')) : [];
}

describe('online deployments of models on Azure Blob datastores (Azurite, real Docker)', () => {
  it('serves a registered model folder and an inline model file from the Blob cache; a restart fetches a model gone from the cache again, and fails the deployment when Azure refuses', async (t) => {
    if (!(await bed.ready(t))) return;
    const azurite = await startAzurite(t);
    await container(azurite, 'models', { 'zoo/model/model.json': '{"factor": 3}', 'zoo/single/model.json': '{"factor": 5}' });
    const inlineModel = 'model:\n  name: single\n  path: azureml://datastores/models_blob/paths/zoo/single/model.json\n';
    const fileDeployment = deploymentSpec('file', 'blob-ep', 'file').replace('model: azureml:doubler:1\n', inlineModel).replace('code: onlinescoring', 'code: filescoring');
    const root = await workspace(t, endpointWorkspace('blob-ep', {
      'ds.yml': blobDatastore('models_blob', azurite, DEV_KEY),
      'model.yml': `${MODEL_SCHEMA}\nname: tripler\nversion: "1"\npath: azureml://datastores/models_blob/paths/zoo/model/\n`,
      'blue.yml': deploymentSpec('blue', 'blob-ep', 'blue').replace('azureml:doubler:1', 'azureml:tripler:1'),
      'file.yml': fileDeployment,
      'filescoring/score.py': FILE_SCORE_PY,
    }));
    const docker = removeContainersAfter(t, root);
    const first = await startPlane(t, root);
    await first.client.assets.register('datastore', { path: path.join(root, 'ds.yml') });
    await first.client.assets.register('model', { path: path.join(root, 'model.yml') });
    const endpoint = await first.client.onlineEndpoints.create({ path: path.join(root, 'endpoint.yml') });
    await first.client.onlineDeployments.create({ path: path.join(root, 'blue.yml'), all_traffic: true });
    await first.client.onlineDeployments.create({ path: path.join(root, 'file.yml') });
    await inState(first.client, 'blob-ep', 'blue', 'Succeeded');
    await inState(first.client, 'blob-ep', 'file', 'Succeeded');
    assert.equal(cachedCopies(root).length, 2, 'each model has its copy in the Blob cache');
    const auth = { authorization: `Bearer ${(await first.client.onlineEndpoints.credentials('blob-ep')).primaryKey}` };
    const folderAnswer = await invoke(endpoint.scoring_uri, '{"data": [1, 2]}', auth);
    assert.equal(folderAnswer.status, 200, folderAnswer.text);
    assert.deepEqual(folderAnswer.body, { deployment: 'blue', result: [3, 6] });
    const fileAnswer = await invoke(endpoint.scoring_uri, '{"data": [1, 2]}', { ...auth, 'azureml-model-deployment': 'file' });
    assert.equal(fileAnswer.status, 200, fileAnswer.text);
    assert.deepEqual(fileAnswer.body, { deployment: 'file', result: [5, 10] });
    const database = fs.readdirSync(path.join(root, '.mlw')).filter((f) => f.startsWith('mlw.db') && fs.statSync(path.join(root, '.mlw', f)).isFile()).map((f) => fs.readFileSync(path.join(root, '.mlw', f), 'latin1')).join('\n');
    assert.ok(!database.includes(DEV_KEY), 'the stored plan keeps the model\'s URI, not the key');
    await first.daemon.stop();
    first.client.close();

    // The containers and the cached copies are gone: the next daemon provisions from the stored plan, fetching again.
    const dropServing = async () => {
      for (const c of await docker.listContainers({ all: true, filters: { label: [`mlw.endpoint=blob-ep`] } })) await docker.getContainer(c.Id).remove({ force: true, v: true });
      fs.rmSync(path.join(root, '.mlw/cache/blob'), { recursive: true, force: true });
    };
    await dropServing();
    const second = await startPlane(t, root);
    await inState(second.client, 'blob-ep', 'blue', 'Succeeded');
    const again = await invoke(endpoint.scoring_uri, '{"data": [4]}', auth);
    assert.equal(again.status, 200, again.text);
    assert.deepEqual(again.body, { deployment: 'blue', result: [12] });
    assert.equal(cachedCopies(root).length >= 1, true, 'the model was fetched into the cache again');
    await second.daemon.stop();
    second.client.close();

    await dropServing();
    await azurite.service.getContainerClient('models').delete();
    const third = await startPlane(t, root);
    const failed = await inState(third.client, 'blob-ep', 'blue', 'Failed');
    assert.match(String(failed.reason), /model azureml:tripler:1: datastore "models_blob", path "zoo\/model\/": Azure refused listing \(ContainerNotFound, HTTP 404\); the container does not exist/);
  });

  it('fails a deployment whose Blob model Azure will not give, naming the datastore, the path and Azure\'s code: a wrong key or a missing path', async (t) => {
    const azurite = await startAzurite(t);
    await container(azurite, 'models', { 'zoo/model/model.json': '{"factor": 3}' });
    const wrongKey = Buffer.from('not the account key, but base64 all the same').toString('base64');
    const inline = (name: string, datastore: string, blobPath: string) =>
      deploymentSpec(name, 'refusing-ep', name).replace('model: azureml:doubler:1\n', `model:\n  path: azureml://datastores/${datastore}/paths/${blobPath}\n`);
    const root = await workspace(t, endpointWorkspace('refusing-ep', {
      'good-ds.yml': blobDatastore('good_blob', azurite, DEV_KEY),
      'bad-ds.yml': blobDatastore('bad_blob', azurite, wrongKey),
      'wrong-key.yml': inline('wrongkey', 'bad_blob', 'zoo/model'),
      'missing.yml': inline('missing', 'good_blob', 'zoo/nothing'),
    }));
    const { client } = await startPlane(t, root);
    await client.assets.register('datastore', { path: path.join(root, 'good-ds.yml') });
    await client.assets.register('datastore', { path: path.join(root, 'bad-ds.yml') });
    await client.onlineEndpoints.create({ path: path.join(root, 'endpoint.yml') });

    assert.equal((await client.onlineDeployments.create({ path: path.join(root, 'wrong-key.yml') })).provisioning_state, 'Creating');
    const refusedKey = await inState(client, 'refusing-ep', 'wrongkey', 'Failed');
    assert.match(String(refusedKey.reason), /datastore "bad_blob", path "zoo\/model": Azure refused \w+ \((AuthenticationFailed|AuthorizationFailure), HTTP 403\); check the datastore's credentials/);
    await client.onlineDeployments.create({ path: path.join(root, 'missing.yml') });
    const refusedPath = await inState(client, 'refusing-ep', 'missing', 'Failed');
    assert.match(String(refusedPath.reason), /datastore "good_blob", path "zoo\/nothing": nothing is stored there/);
    assert.deepEqual(cachedCopies(root), []);
  });

  it('answers a create at once, Creating, while its Blob model downloads in the background', async (t) => {
    if (!(await bed.ready(t))) return;
    const azurite = await startAzurite(t);
    await container(azurite, 'models', { 'zoo/model/model.json': '{"factor": 3}' });
    const gate = await heldProxy(t, azurite.endpoint);
    const root = await workspace(t, endpointWorkspace('gated-ep', {
      'ds.yml': blobDatastore('gated_blob', { ...azurite, endpoint: gate.endpoint }, DEV_KEY),
      'model.yml': `${MODEL_SCHEMA}\nname: tripler\nversion: "1"\npath: azureml://datastores/gated_blob/paths/zoo/model/\n`,
      'blue.yml': deploymentSpec('blue', 'gated-ep', 'blue').replace('azureml:doubler:1', 'azureml:tripler:1'),
    }));
    removeContainersAfter(t, root);
    const { client } = await startPlane(t, root);
    await client.assets.register('datastore', { path: path.join(root, 'ds.yml') });
    await client.assets.register('model', { path: path.join(root, 'model.yml') });
    await client.onlineEndpoints.create({ path: path.join(root, 'endpoint.yml') });

    // Azure (behind the gate) does not answer yet: the create must not wait for it.
    const created = await Promise.race([
      client.onlineDeployments.create({ path: path.join(root, 'blue.yml'), all_traffic: true }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the create waited for the model\'s download')), 15_000).unref()),
    ]);
    assert.equal(created.provisioning_state, 'Creating');
    await waitFor('the download to have begun', () => gate.held() > 0);
    assert.deepEqual(cachedCopies(root), [], 'nothing is downloaded yet');
    gate.open();
    await inState(client, 'gated-ep', 'blue', 'Succeeded');
    assert.equal(cachedCopies(root).length, 1);
    const auth = { authorization: `Bearer ${(await client.onlineEndpoints.credentials('gated-ep')).primaryKey}` };
    const answer = await invoke((await client.onlineEndpoints.get('gated-ep')).scoring_uri, '{"data": [2]}', auth);
    assert.deepEqual(answer.body, { deployment: 'blue', result: [6] }, answer.text);
  });
});
