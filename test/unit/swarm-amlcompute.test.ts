import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Docker from 'dockerode';
import { recordWorkspace } from '../../core/engine/workspace-record';
import { COMMAND_SCHEMA, workspace } from '../support/control-plane';
import { ended, reaches, startDaemonProcess, submit } from '../support/daemon-process';
import { DockerTestBed, PYTHON_IMAGE, waitFor } from '../support/docker';
import { startSwarmLab } from '../support/swarm-lab';

const docker = new DockerTestBed();

test('an amlcompute cluster runs its jobs as Swarm services when the workspace\'s Docker engine is a Swarm manager', { timeout: 600_000 }, async (t) => {
  if (!(await docker.ready(t))) return;
  const lab = await startSwarmLab(t);
  if (!lab) return;
  const manager = new Docker({ socketPath: lab.managerSocket });
  // The workspace's engine builds or holds the run images: here the manager's, which the lab started empty.
  const loaded = await manager.loadImage(await new Docker().getImage(PYTHON_IMAGE).get());
  await new Promise((resolve, reject) => manager.modem.followProgress(loaded, (error: Error | null) => (error ? reject(error) : resolve(undefined))));
  const root = await workspace(t, {
    'cluster.yml': 'name: cpu-cluster\ntype: amlcompute\nmin_instances: 0\nmax_instances: 1\n',
    'job.yml': `${COMMAND_SCHEMA}\ntype: command\nexperiment_name: cluster\ncommand: sleep 10; echo ran on the cluster\nenvironment:\n  image: ${PYTHON_IMAGE}\ncompute: azureml:cpu-cluster\n`,
  });
  recordWorkspace(root, { name: 'cluster-ws' } as never, path.join(root, 'workspace.yml'));
  const daemon = await startDaemonProcess(t, root, { DOCKER_HOST: `unix://${lab.managerSocket}` });
  await daemon.client.assets.register('compute', { path: path.join(root, 'cluster.yml') });

  const job = await submit(daemon.client, root, 'job.yml');
  const node = await waitFor('the job\'s task to run on a node', async () => {
    const [service] = await manager.listServices({ filters: { label: [`mlw.run=${job}`] } });
    if (!service) return undefined;
    const tasks = (await manager.listTasks({ filters: { service: [service.ID] } })) as { NodeID?: string; Status: { State: string } }[];
    return tasks.find((task) => task.Status.State === 'running')?.NodeID;
  }, 120_000);
  const listed = await daemon.client.computes.nodes('cpu-cluster');
  assert.ok(listed.nodes.some((n) => n.tasks?.some((task) => task.job === job)), JSON.stringify(listed.nodes));
  const done = await reaches(daemon.client, job, ended, 120_000);
  assert.equal(done.status, 'Completed', done.reason);
  assert.ok(done.events.some((e) => e.type === 'status' && e.status === 'Running'));
  const log = fs.readFileSync(path.join(root, '.mlw/runs', job, 'user_logs/std_log.txt'), 'utf8');
  assert.match(log, /ran on the cluster/);
  const hostnames = ((await manager.listNodes()) as { ID: string; Description?: { Hostname?: string } }[]).map((n) => [n.ID, n.Description?.Hostname]);
  assert.ok(hostnames.some(([id]) => id === node), `ran on a node of the Swarm (${node})`);
  assert.match(fs.readFileSync(path.join(root, '.mlw/runs', job, 'system_logs/run.jsonl'), 'utf8'), /"driver":"swarm"/);
  assert.deepEqual(await manager.listServices({ filters: { label: [`mlw.run=${job}`] } }), [], 'the service is removed once its exit is collected');
});
