import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import Docker from 'dockerode';
import { readRegistryRecord } from '../../core/engine/registry-server';
import { recordWorkspace } from '../../core/engine/workspace-record';
import { COMMAND_SCHEMA, logText, startPlane, statuses, workspace } from '../support/control-plane';
import { DockerTestBed, PYTHON_IMAGE } from '../support/docker';
import { startSwarmLab } from '../support/swarm-lab';

const docker = new DockerTestBed();

test('a swarm compute without registry: runs its image through the workspace registry, which the nodes reach on the address they reach this machine at', { timeout: 600_000 }, async (t) => {
  if (!(await docker.ready(t))) return;
  const lab = await startSwarmLab(t);
  if (!lab) return;
  const root = await workspace(t, {
    'cluster.yml': ['name: cluster', 'type: swarm', `docker_host: unix://${lab.managerSocket}`, ''].join('\n'),
    'job.yml': `${COMMAND_SCHEMA}\ntype: command\nexperiment_name: swarm\ncommand: python3 -c "print('ran from the workspace registry')"\nenvironment:\n  image: ${PYTHON_IMAGE}\ncompute: azureml:cluster\n`,
  });
  recordWorkspace(root, { name: 'swarm-ws' } as never, path.join(root, 'workspace.yml'));
  const plane = await startPlane(t, root);
  const port = readRegistryRecord(root)?.port;
  assert.ok(port, 'the daemon started the workspace registry');
  t.after(async () => {
    const local = new Docker();
    for (const image of await local.listImages()) {
      for (const tag of image.RepoTags ?? []) if (tag.startsWith(`127.0.0.1:${port}/`)) await local.getImage(tag).remove().catch(() => undefined);
    }
  });
  await plane.client.assets.register('compute', { path: path.join(root, 'cluster.yml') });

  const job = await plane.submit('job.yml');
  const events = await plane.events(job.name);
  const log = logText(events);
  // The nodes are engines of their own that never held the image: they pulled it from the workspace registry.
  assert.deepEqual(statuses(events), ['Queued', 'Preparing', 'Running', 'Finalizing', 'Completed'], log);
  assert.match(log, /ran from the workspace registry/);
  const addresses = readRegistryRecord(root)?.addresses ?? [];
  assert.ok(addresses.some((address) => address.startsWith(`${lab.hostAddress}:`)), `opened for the nodes: ${addresses.join(', ')}`);
  const catalog = (await (await fetch(`http://127.0.0.1:${port}/v2/_catalog`)).json()) as { repositories: string[] };
  assert.deepEqual(catalog.repositories, ['mlw-env']);
});
