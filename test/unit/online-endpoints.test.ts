import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { WORKSPACE_LABEL } from '../../core/compute/driver';
import { startPlane, workspace } from '../support/control-plane';
import { DockerTestBed, waitFor } from '../support/docker';
import { deploymentSpec, endpointWorkspace, inState, invoke, removeContainersAfter, settled } from '../support/endpoints';

const bed = new DockerTestBed();
after(() => bed.cleanup());

describe('online endpoints served locally (real Docker, real HTTP)', () => {
  it('serves blue and green behind one endpoint: traffic split, header pick, key auth, script errors, rolling update, delete', async (t) => {
    if (!(await bed.ready(t))) return;
    const twoInstances = { 'green.yml': endpointWorkspace('doubler-ep')['green.yml']!.replace('instance_count: 1', 'instance_count: 2') };
    const root = await workspace(t, endpointWorkspace('doubler-ep', twoInstances));
    const docker = removeContainersAfter(t, root);
    const plane = await startPlane(t, root);
    const { client } = plane;
    await client.assets.register('model', { path: path.join(root, 'model.yml') });
    const endpoint = await client.onlineEndpoints.create({ path: path.join(root, 'endpoint.yml') });
    assert.equal(endpoint.auth_mode, 'key');
    assert.match(endpoint.scoring_uri, /^http:\/\/127\.0\.0\.1:\d+\/score$/);
    assert.equal((await client.onlineDeployments.create({ path: path.join(root, 'blue.yml'), all_traffic: true })).provisioning_state, 'Creating');
    await client.onlineDeployments.create({ path: path.join(root, 'green.yml') });
    const blue = await inState(client, 'doubler-ep', 'blue', 'Succeeded');
    const green = await inState(client, 'doubler-ep', 'green', 'Succeeded');
    assert.equal(new Set(green.instances.map((i) => i.container)).size, 2, 'instance_count: 2 gives two containers');
    assert.deepEqual((await client.onlineEndpoints.get('doubler-ep')).traffic, { blue: 100 });

    // Containers: non-root, no capabilities, labelled, published on loopback only.
    const info = await docker.getContainer(blue.instances[0]!.container).inspect();
    assert.notEqual(info.Config.User, '');
    assert.notEqual(info.Config.User.split(':')[0], '0');
    assert.deepEqual(info.HostConfig.CapDrop, ['ALL']);
    assert.equal(info.Config.Labels[WORKSPACE_LABEL], root);
    assert.deepEqual(Object.values(info.HostConfig.PortBindings ?? {}).flat().map((b: any) => b.HostIp), ['127.0.0.1']);

    const { primaryKey, secondaryKey } = await client.onlineEndpoints.credentials('doubler-ep');
    assert.ok(primaryKey && secondaryKey && primaryKey !== secondaryKey);
    const auth = { authorization: `Bearer ${primaryKey}` };
    const answer = await invoke(endpoint.scoring_uri, '{"data": [1, 2]}', auth);
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.body, { deployment: 'blue', result: [2, 4] });

    assert.equal((await invoke(endpoint.scoring_uri, '{"data": [1]}')).status, 401, 'no key');
    assert.equal((await invoke(endpoint.scoring_uri, '{"data": [1]}', { authorization: 'Bearer wrong' })).status, 401, 'a wrong key');
    assert.equal((await invoke(endpoint.scoring_uri, '{"data": [1]}', { authorization: `Bearer ${secondaryKey}` })).status, 200, 'the secondary key');

    const bad = await invoke(endpoint.scoring_uri, '{"no_data": 1}', auth);
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /KeyError: 'data'/);

    await client.onlineEndpoints.update('doubler-ep', { traffic: { blue: 90, green: 10 } });
    // 90/10 over 1,000 requests: each deployment's share within ±3 % of its weight.
    const counts: Record<string, number> = {};
    const total = 1_000;
    for (let i = 0; i < total; i++) {
      const reply = await invoke(endpoint.scoring_uri, '{"data": [1]}', auth);
      assert.equal(reply.status, 200, reply.text);
      counts[reply.body.deployment] = (counts[reply.body.deployment] ?? 0) + 1;
    }
    assert.equal(counts.blue! + counts.green!, total);
    assert.ok(Math.abs(counts.green! / total - 0.1) <= 0.03, `green got ${counts.green} of ${total} requests (10 % ± 3 % expected)`);
    assert.ok(Math.abs(counts.blue! / total - 0.9) <= 0.03, `blue got ${counts.blue} of ${total} requests (90 % ± 3 % expected)`);

    const uneven = await client.onlineEndpoints.update('doubler-ep', { traffic: { blue: 90, green: 5 } }).catch((error: Error) => error);
    assert.match(String(uneven), /traffic sums to 95; the weights must sum to 100/);

    // Mirrored: half of the requests are also sent to green, whose answers are dropped.
    const scoredByGreen = async () => {
      const logs = await Promise.all(green.instances.map(async (i) => String(await docker.getContainer(i.container).logs({ stdout: true, stderr: true }))));
      return logs.join('\n').split('\n').filter((line) => line.endsWith('scored')).length;
    };
    const greenBefore = await scoredByGreen();
    await client.onlineEndpoints.update('doubler-ep', { traffic: { blue: 100, green: 0 }, mirror_traffic: { green: 50 } });
    for (let i = 0; i < 10; i++) assert.equal((await invoke(endpoint.scoring_uri, '{"data": [1]}', auth)).body.deployment, 'blue');
    await waitFor('green to score the 5 mirrored requests', async () => (await scoredByGreen()) === greenBefore + 5);
    await client.onlineEndpoints.update('doubler-ep', { traffic: { blue: 90, green: 10 }, mirror_traffic: {} });

    const picked = await invoke(endpoint.scoring_uri, '{"data": [3]}', { ...auth, 'azureml-model-deployment': 'green' });
    assert.deepEqual(picked.body, { deployment: 'green', result: [6] });
    assert.equal((await invoke(endpoint.scoring_uri, '{"data": [3]}', { ...auth, 'azureml-model-deployment': 'purple' })).status, 404);

    // A rolling update: requests keep being answered while the new container starts and the old one stops.
    await writeFile(root, 'blue.yml', deploymentSpec('blue', 'doubler-ep', 'blue2'));
    await client.onlineDeployments.update({ path: path.join(root, 'blue.yml') });
    let served = 0;
    await waitFor('the updated blue deployment to answer', async () => {
      const reply = await invoke(endpoint.scoring_uri, '{"data": [1]}', { ...auth, 'azureml-model-deployment': 'blue' });
      assert.equal(reply.status, 200, `a request during the update failed: ${reply.text}`);
      served++;
      return reply.body.deployment === 'blue2';
    }, 90_000);
    assert.ok(served >= 1);
    const updated = await inState(client, 'doubler-ep', 'blue', 'Succeeded');
    assert.notEqual(updated.instances[0]!.container, blue.instances[0]!.container);
    await waitFor('the old blue container to be removed', async () => !(await docker.listContainers({ all: true, filters: { id: [blue.instances[0]!.container] } })).length);

    const regenerated = await client.onlineEndpoints.regenerateKey('doubler-ep', 'primary');
    assert.notEqual(regenerated.primaryKey, primaryKey);
    assert.equal((await invoke(endpoint.scoring_uri, '{"data": [1]}', auth)).status, 401, 'the old primary key');
    assert.equal((await invoke(endpoint.scoring_uri, '{"data": [1]}', { authorization: `Bearer ${regenerated.primaryKey}` })).status, 200);

    const refused = await client.onlineDeployments.delete('doubler-ep', 'green').catch((error: Error) => error);
    assert.match(String(refused), /takes 10 % of endpoint doubler-ep's traffic/);
    await client.onlineEndpoints.delete('doubler-ep');
    const left = await docker.listContainers({ all: true, filters: { label: [`${WORKSPACE_LABEL}=${root}`] } });
    assert.equal(left.length, 0, 'deleting the endpoint removes its containers');
    assert.equal((await client.onlineEndpoints.list()).length, 0);
  });

  it('shows a crashing scoring script as Unhealthy with its last log lines, and a failing init() as Failed', async (t) => {
    if (!(await bed.ready(t))) return;
    const failingInit = deploymentSpec('broken', 'crashy-ep', 'x').replace('model: azureml:doubler:1\n', '').replace('scoring_script: score.py', 'scoring_script: broken.py');
    const root = await workspace(t, endpointWorkspace('crashy-ep', { 'onlinescoring/broken.py': 'def init():\n    raise RuntimeError("no model here")\ndef run(raw):\n    return 1\n', 'broken.yml': failingInit }));
    removeContainersAfter(t, root);
    const { client } = await startPlane(t, root);
    await client.assets.register('model', { path: path.join(root, 'model.yml') });
    const endpoint = await client.onlineEndpoints.create({ path: path.join(root, 'endpoint.yml') });
    await client.onlineDeployments.create({ path: path.join(root, 'blue.yml'), all_traffic: true });
    await client.onlineDeployments.create({ path: path.join(root, 'broken.yml') });
    await inState(client, 'crashy-ep', 'blue', 'Succeeded');
    const broken = await settled(client, 'crashy-ep', 'broken');
    assert.equal(broken.provisioning_state, 'Failed');
    assert.match(broken.reason ?? '', /RuntimeError: no model here/);

    const { primaryKey } = await client.onlineEndpoints.credentials('crashy-ep');
    const crash = await invoke(endpoint.scoring_uri, '{"crash": "boom-7"}', { authorization: `Bearer ${primaryKey}` });
    assert.ok(crash.status >= 500, `a crash mid-request is a 5xx, got ${crash.status}`);
    const unhealthy = await waitFor('blue to show Unhealthy', async () => {
      const detail = await client.onlineDeployments.get('crashy-ep', 'blue');
      return detail.health === 'Unhealthy' && /restarted/.test(detail.reason ?? '') ? detail : undefined;
    }, 30_000);
    assert.match(unhealthy.reason ?? '', /crashed and was restarted 1 time\(s\)/);
    assert.match(unhealthy.reason ?? '', /about to crash: boom-7/);
    assert.match(await client.onlineDeployments.logs('crashy-ep', 'blue', 50), /init done/);
  });

  it('restarts a container that fails its liveness probe and shows the deployment Unhealthy', async (t) => {
    if (!(await bed.ready(t))) return;
    const liveness = 'liveness_probe:\n  initial_delay: 1\n  period: 1\n  timeout: 1\n  failure_threshold: 2\nrequest_settings:\n  request_timeout_ms: 1000\n';
    // The model given as a local path rather than a registered one.
    const frozenSpec = deploymentSpec('frozen', 'frozen-ep', 'frozen', liveness).replace('model: azureml:doubler:1', 'model:\n  path: model');
    const root = await workspace(t, endpointWorkspace('frozen-ep', { 'frozen.yml': frozenSpec }));
    removeContainersAfter(t, root);
    const { client } = await startPlane(t, root);
    const endpoint = await client.onlineEndpoints.create({ path: path.join(root, 'endpoint.yml') });
    await client.onlineDeployments.create({ path: path.join(root, 'frozen.yml'), all_traffic: true });
    await inState(client, 'frozen-ep', 'frozen', 'Succeeded');
    const auth = { authorization: `Bearer ${(await client.onlineEndpoints.credentials('frozen-ep')).primaryKey}` };
    // The scoring process stops itself (SIGSTOP): it no longer answers, not even GET /.
    const frozen = invoke(endpoint.scoring_uri, '{"freeze": true}', auth).catch((error: Error) => ({ status: 0, text: error.message }));
    const unhealthy = await waitFor('frozen to show Unhealthy', async () => {
      const detail = await client.onlineDeployments.get('frozen-ep', 'frozen');
      return detail.health === 'Unhealthy' ? detail : undefined;
    }, 30_000);
    assert.match(unhealthy.reason ?? '', /failed its liveness probe 2 time\(s\) in a row and was restarted/);
    assert.match(unhealthy.reason ?? '', /freezing/);
    assert.ok((await frozen).status !== 200);
    const answered = await waitFor('the restarted container to answer', async () => {
      const reply = await invoke(endpoint.scoring_uri, '{"data": [4]}', auth);
      return reply.status === 200 ? reply : undefined;
    }, 30_000);
    assert.deepEqual(answered.body, { deployment: 'frozen', result: [8] });
  });
});

async function writeFile(root: string, file: string, text: string): Promise<void> {
  const fs = await import('node:fs/promises');
  await fs.writeFile(path.join(root, file), text);
}
