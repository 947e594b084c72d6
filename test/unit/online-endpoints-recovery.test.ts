import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { startPlane, workspace } from '../support/control-plane';
import { DockerTestBed } from '../support/docker';
import { endpointWorkspace, inState, invoke, removeContainersAfter } from '../support/endpoints';

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
