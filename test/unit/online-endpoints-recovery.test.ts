import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { startPlane, workspace } from '../support/control-plane';
import { DockerTestBed, waitFor } from '../support/docker';
import { deploymentSpec, endpointWorkspace, inState, invoke, removeContainersAfter } from '../support/endpoints';

const bed = new DockerTestBed();
after(() => bed.cleanup());

describe('online endpoints across daemon restarts', () => {
  it('a new daemon serves the endpoint again with the containers the previous one left, on the same address', async (t) => {
    if (!(await bed.ready(t))) return;
    const root = await workspace(t, endpointWorkspace('lasting-ep'));
    removeContainersAfter(t, root);
    const first = await startPlane(t, root);
    await first.client.assets.register('model', { path: path.join(root, 'model.yml') });
    const endpoint = await first.client.onlineEndpoints.create({ path: path.join(root, 'endpoint.yml') });
    await first.client.onlineDeployments.create({ path: path.join(root, 'blue.yml'), all_traffic: true });
    const before = await inState(first.client, 'lasting-ep', 'blue', 'Succeeded');
    const { primaryKey } = await first.client.onlineEndpoints.credentials('lasting-ep');
    await first.daemon.stop();
    first.client.close();

    const second = await startPlane(t, root);
    const again = await second.client.onlineEndpoints.get('lasting-ep');
    assert.equal(again.scoring_uri, endpoint.scoring_uri, 'the listener opens again on its port');
    const after = await inState(second.client, 'lasting-ep', 'blue', 'Succeeded');
    assert.deepEqual(after.instances.map((i) => i.container), before.instances.map((i) => i.container), 'the running container is taken back, not replaced');
    const reply = await invoke(again.scoring_uri, '{"data": [5]}', { authorization: `Bearer ${primaryKey}` });
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(reply.body, { deployment: 'blue', result: [10] });
  });
});

describe('the health of an online deployment follows its probes', () => {
  it('is Unhealthy with the crash\'s log lines while a crashed container restarts, and Healthy again once it serves', async (t) => {
    if (!(await bed.ready(t))) return;
    const liveness = 'liveness_probe:\n  initial_delay: 1\n  period: 1\n  timeout: 1\n  failure_threshold: 2\n';
    const root = await workspace(t, endpointWorkspace('phoenix-ep', { 'blue.yml': deploymentSpec('blue', 'phoenix-ep', 'blue', liveness) }));
    removeContainersAfter(t, root);
    const plane = await startPlane(t, root);
    const { client } = plane;
    await client.assets.register('model', { path: path.join(root, 'model.yml') });
    const endpoint = await client.onlineEndpoints.create({ path: path.join(root, 'endpoint.yml') });
    await client.onlineDeployments.create({ path: path.join(root, 'blue.yml'), all_traffic: true });
    assert.equal((await inState(client, 'phoenix-ep', 'blue', 'Succeeded')).health, 'Healthy');
    const auth = { authorization: `Bearer ${(await client.onlineEndpoints.credentials('phoenix-ep')).primaryKey}` };

    // The scoring process exits once; the engine starts it again and it serves as before.
    const crash = await invoke(endpoint.scoring_uri, '{"crash": "once-42"}', auth);
    assert.ok(crash.status >= 500, `a crash mid-request is a 5xx, got ${crash.status}`);
    const unhealthy = await waitFor('blue to show Unhealthy', async () => {
      const detail = await client.onlineDeployments.get('phoenix-ep', 'blue');
      return detail.health === 'Unhealthy' ? detail : undefined;
    }, 30_000);
    assert.match(unhealthy.reason ?? '', /about to crash: once-42/);
    const healthy = await waitFor('blue to be Healthy again', async () => {
      const detail = await client.onlineDeployments.get('phoenix-ep', 'blue');
      return detail.health === 'Healthy' ? detail : undefined;
    }, 30_000);
    assert.equal(healthy.reason, undefined, 'no failure is shown once the probes pass');
    assert.equal(healthy.provisioning_state, 'Succeeded');
    const reply = await invoke(endpoint.scoring_uri, '{"data": [3]}', auth);
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(reply.body, { deployment: 'blue', result: [6] });

    const health = plane.daemon.plane.events.since(0, '').flatMap((event) => (event.type === 'endpoint' && event.deployment === 'blue' && event.health ? [event.health] : []));
    const changes = health.filter((value, index) => index === 0 || value !== health[index - 1]);
    assert.deepEqual(changes.slice(-3), ['Healthy', 'Unhealthy', 'Healthy'], 'an endpoint event each time the health changes');
  });
});
