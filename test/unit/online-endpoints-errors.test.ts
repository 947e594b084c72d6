import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ApiClient } from '../../core/api/client';
import { EndpointKeys } from '../../core/endpoints/keys';
import { checkTraffic, parseTrafficArgument } from '../../core/endpoints/traffic';
import { SecretsStore } from '../../core/secrets/store';
import { findingLines, refusal, startPlane, workspace } from '../support/control-plane';
import { deploymentSpec, endpointWorkspace } from '../support/endpoints';
import { eventsUntil } from '../support/http';
import { tempDir } from '../support/temp';

describe('online endpoints: bad input gets a clear error and changes nothing', () => {
  it('refuses unknown models, missing scoring scripts, unknown endpoints, unsupported auth, and no-code deployments of other models or without an MLflow image', async (t) => {
    const root = await workspace(t, endpointWorkspace('errors-ep', {
      'unknown-model.yml': deploymentSpec('nomodel', 'errors-ep', 'x').replace('azureml:doubler:1', 'azureml:nosuch:1'),
      'no-script.yml': deploymentSpec('noscript', 'errors-ep', 'x').replace('scoring_script: score.py', 'scoring_script: missing.py'),
      'other-endpoint.yml': deploymentSpec('elsewhere', 'traffic-ep', 'x'),
      'unknown-endpoint.yml': deploymentSpec('nowhere', 'no-such-ep', 'x'),
      'aad.yml': '$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json\nname: aad-ep\nauth_mode: aad_token\n',
      'mlflow.yml': '$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json\nname: mlflow\nendpoint_name: errors-ep\nmodel: azureml:doubler:1\ninstance_type: Standard_DS3_v2\ninstance_count: 1\n',
      'mlflow-inline.yml': '$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json\nname: mlflow-inline\nendpoint_name: errors-ep\nmodel:\n  path: model\n  type: mlflow_model\ninstance_type: Standard_DS3_v2\ninstance_count: 1\n',
      'traffic-ep.yml': '$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json\nname: traffic-ep\ntraffic:\n  blue: 100\n',
    }));
    const { client } = await startPlane(t, root);
    await client.assets.register('model', { path: path.join(root, 'model.yml') });
    await client.onlineEndpoints.create({ path: path.join(root, 'endpoint.yml') });
    const spec = (file: string) => ({ path: path.join(root, file) });

    const unknownModel = await refusal(client.onlineDeployments.create(spec('unknown-model.yml')));
    assert.equal(unknownModel.status, 400);
    assert.match([unknownModel.message, ...findingLines(unknownModel)].join('\n'), /nosuch/);

    const noScript = await refusal(client.onlineDeployments.create(spec('no-script.yml')));
    assert.equal(noScript.status, 400);
    assert.match(findingLines(noScript).join('\n'), /no-script\.yml:\d+:\d+ error missing-path .*missing\.py/);

    const noEndpoint = await refusal(client.onlineDeployments.create(spec('other-endpoint.yml')));
    assert.equal(noEndpoint.status, 404);
    assert.match(noEndpoint.message, /no online endpoint named traffic-ep; create it first/);
    const unknownEndpoint = await refusal(client.onlineDeployments.create(spec('unknown-endpoint.yml')));
    assert.equal(unknownEndpoint.status, 400);
    assert.match(findingLines(unknownEndpoint).join('\n'), /unknown-endpoint\.yml:3:16 error unknown-reference endpoint `no-such-ep`/);

    const aad = await refusal(client.onlineEndpoints.create(spec('aad.yml')));
    assert.equal(aad.status, 501);
    assert.match(aad.message, /auth_mode aad_token needs Microsoft Entra ID; use key or aml_token/);

    const noCode = await refusal(client.onlineDeployments.create(spec('mlflow.yml')));
    assert.equal(noCode.status, 400);
    assert.match(noCode.message, /without code_configuration and environment only MLflow models can be served; model azureml:doubler:1 is custom_model/);
    const noImage = await refusal(client.onlineDeployments.create(spec('mlflow-inline.yml')));
    assert.equal(noImage.status, 501);
    assert.match(noImage.message, /needs a local image with mlflow installed: start mlw serve with MLW_MLFLOW_SERVING_IMAGE=<image>/);

    const unknownTraffic = await refusal(client.onlineEndpoints.create(spec('traffic-ep.yml')));
    assert.equal(unknownTraffic.status, 400);
    assert.match(unknownTraffic.message, /traffic names deployment blue, which the endpoint does not have \(it has no deployments yet\)/);

    const twice = await refusal(client.onlineEndpoints.create(spec('endpoint.yml')));
    assert.equal(twice.status, 409);
    assert.equal((await client.onlineDeployments.list('errors-ep')).length, 0, 'nothing was recorded');
    assert.deepEqual((await client.onlineEndpoints.list()).map((e) => e.name), ['errors-ep']);
  });

  it('lets readers read endpoints but not deploy, invoke keys or delete; data scientists deploy', async (t) => {
    const root = await workspace(t, endpointWorkspace('roles-ep'));
    const { client, daemon } = await startPlane(t, root);
    const reader = new ApiClient(daemon.info.port, (await client.tokens.create('viewer', 'reader')).token);
    const scientist = new ApiClient(daemon.info.port, (await client.tokens.create('ds', 'data-scientist')).token);
    t.after(() => (reader.close(), scientist.close()));
    await scientist.onlineEndpoints.create({ path: path.join(root, 'endpoint.yml') });
    assert.equal((await reader.onlineEndpoints.get('roles-ep')).name, 'roles-ep');
    for (const call of [reader.onlineEndpoints.credentials('roles-ep'), reader.onlineEndpoints.delete('roles-ep'), reader.onlineDeployments.create({ path: path.join(root, 'blue.yml') })]) {
      assert.equal((await refusal(call)).status, 403);
    }
    assert.ok((await scientist.onlineEndpoints.credentials('roles-ep')).primaryKey);
    const stream = await eventsUntil(daemon.info.port, daemon.info.token, (text) => text.includes('"type":"endpoint"'));
    assert.match(stream, /"type":"endpoint".*"endpoint":"roles-ep".*"state":"Succeeded"/, 'the workspace stream says the endpoint changed');
  });

  it('checks traffic splits as Azure ML does', () => {
    assert.deepEqual(checkTraffic('e', { blue: 90, green: 10 }, {}, ['blue', 'green']).traffic, { blue: 90, green: 10 });
    assert.deepEqual(checkTraffic('e', {}, {}, []).traffic, {});
    assert.throws(() => checkTraffic('e', { blue: 90, green: 5 }, {}, ['blue', 'green']), /traffic sums to 95; the weights must sum to 100 \(or 0/);
    assert.throws(() => checkTraffic('e', { blue: 50.5, green: 49.5 }, {}, ['blue', 'green']), /traffic\.blue must be a whole percent/);
    assert.throws(() => checkTraffic('e', { blue: 100 }, { green: 60 }, ['blue', 'green']), /mirror_traffic\.green must be a whole percent from 0 to 50/);
    assert.throws(() => checkTraffic('e', { blue: 90, green: 10 }, { green: 10 }, ['blue', 'green']), /green takes live traffic, so it cannot also be mirrored/);
    assert.deepEqual(parseTrafficArgument('blue=90 green=10'), { blue: 90, green: 10 });
    assert.throws(() => parseTrafficArgument('blue:90'), /write <deployment>=<percent>/);
  });

  it('keeps keys in the secrets store and checks aml_token tokens by signature and expiry', async (t) => {
    const dir = await tempDir(t);
    const secrets = new SecretsStore(path.join(dir, 'secrets.json'), { keyring: null });
    const keys = new EndpointKeys(secrets);
    keys.ensure('k-ep', 'key');
    const { primaryKey, secondaryKey } = keys.credentials('k-ep', 'key');
    assert.ok(keys.authorizes('k-ep', 'key', primaryKey!) && keys.authorizes('k-ep', 'key', secondaryKey!));
    assert.ok(!keys.authorizes('k-ep', 'key', 'guess'));
    keys.ensure('t-ep', 'aml_token');
    const issued = Date.parse('2026-01-01T00:00:00Z');
    const { accessToken, expiryTimeUtc } = keys.credentials('t-ep', 'aml_token', issued);
    assert.equal(expiryTimeUtc, '2026-01-01T01:00:00.000Z');
    assert.ok(keys.authorizes('t-ep', 'aml_token', accessToken!, issued + 1000));
    assert.ok(!keys.authorizes('t-ep', 'aml_token', accessToken!, issued + 2 * 3600_000), 'an expired token');
    assert.ok(!keys.authorizes('t-ep', 'aml_token', accessToken!.replace(/\.\d+\./, `.${issued + 9 * 3600_000}.`), issued + 1000), 'a token whose expiry was changed');
    assert.ok(!keys.authorizes('k-ep', 'aml_token', accessToken!, issued + 1000), "another endpoint's token");
    keys.forget('k-ep');
    assert.deepEqual(secrets.references('endpoints/k-ep/'), []);
  });
});
