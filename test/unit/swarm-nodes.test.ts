import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import Docker from 'dockerode';
import type { ComputeNode } from '../../core/api/contracts';
import { ok, runCli } from '../support/cli';
import { COMMAND_SCHEMA, refusal, startPlane, workspace } from '../support/control-plane';
import { DockerTestBed, PYTHON_IMAGE, waitFor } from '../support/docker';
import { startSwarmLab } from '../support/swarm-lab';

const docker = new DockerTestBed();

test('a Swarm compute lists its nodes with the mlw runs on them: API and `mlw compute show`', { timeout: 600_000 }, async (t) => {
  if (!(await docker.ready(t))) return;
  const lab = await startSwarmLab(t);
  if (!lab) return;
  const manager = new Docker({ socketPath: lab.managerSocket });
  const root = await workspace(t, {
    'cluster.yml': `name: cluster\ntype: swarm\ndocker_host: unix://${lab.managerSocket}\nregistry: ${lab.registry}\nregistry_push: ${lab.registryPush}\nmax_instances: 2\n`,
    'box.yml': 'name: box\ntype: docker\n',
    'job.yml': `${COMMAND_SCHEMA}\ntype: command\ncommand: "sleep 120"\nenvironment:\n  image: ${PYTHON_IMAGE}\ncompute: azureml:cluster\n`,
  });
  const plane = await startPlane(t, root);
  for (const file of ['cluster.yml', 'box.yml']) await plane.client.assets.register('compute', { path: path.join(root, file) });

  const idle = await plane.client.computes.nodes('cluster');
  assert.equal(idle.compute, 'cluster');
  assert.deepEqual(idle.nodes.map((node) => [node.hostname, node.state, node.availability, node.role, node.leader, node.tasks.length]), [
    [`${lab.name}n1`, 'ready', 'active', 'manager', true, 0],
    [`${lab.name}n2`, 'ready', 'active', 'worker', false, 0],
    [`${lab.name}n3`, 'ready', 'active', 'worker', false, 0],
  ]);

  // A drained node says so; the job's task shows on the node it runs on.
  const worker = idle.nodes.find((node) => node.hostname === `${lab.name}n3`)!;
  const spec = await manager.getNode(worker.id).inspect();
  await manager.getNode(worker.id).update({ version: spec.Version.Index, ...spec.Spec, Availability: 'drain' });
  const job = await plane.submit('job.yml');
  t.after(() => plane.client.jobs.cancel(job.name).catch(() => undefined));
  const busy = await waitFor('the job\'s task to run on a node', async () => {
    const { nodes } = await plane.client.computes.nodes('cluster');
    return nodes.some((node) => node.tasks.some((task) => task.job === job.name && task.state === 'running')) ? nodes : undefined;
  }, 120_000);
  const byHost = new Map<string, ComputeNode>(busy.map((node) => [node.hostname, node]));
  assert.equal(byHost.get(`${lab.name}n3`)!.availability, 'drain');
  assert.deepEqual(byHost.get(`${lab.name}n3`)!.tasks, []);
  const host = busy.find((node) => node.tasks.length)!;
  assert.deepEqual(host.tasks, [{ job: job.name, state: 'running' }]);

  const shown = ok(await runCli(root, ['compute', 'show', 'cluster']));
  assert.match(shown, /\nnodes: 3\n {2}HOSTNAME +STATE +AVAILABILITY +ROLE +TASKS +JOBS\n/);
  assert.match(shown, new RegExp(`\\n {2}${lab.name}n1 +ready +active +manager \\(leader\\) +\\d+`));
  assert.match(shown, new RegExp(`\\n {2}${lab.name}n3 +ready +drain +worker +0\\n`));
  assert.match(shown, new RegExp(`\\n {2}${host.hostname} +ready +active +\\S+( \\(leader\\))? +1 +${job.name}\\n`));
  const json = JSON.parse(ok(await runCli(root, ['compute', 'show', 'cluster', '--json']))) as { nodes: ComputeNode[] };
  assert.equal(json.nodes.length, 3);

  // Only a Swarm compute has nodes to list; `mlw compute show` of another prints none.
  const refused = await refusal(plane.client.computes.nodes('box'));
  assert.equal(refused.status, 400);
  assert.match(refused.message, /compute box is of type docker; only a swarm compute has nodes to list/);
  assert.doesNotMatch(ok(await runCli(root, ['compute', 'show', 'box'])), /nodes:/);
});

test('a Swarm compute whose manager cannot be reached says so, and `mlw compute show` still shows the compute', async (t) => {
  const root = await workspace(t, { 'cluster.yml': 'name: cluster\ntype: swarm\ndocker_host: unix:///nonexistent/mlw-manager.sock\n' });
  const plane = await startPlane(t, root);
  await plane.client.assets.register('compute', { path: path.join(root, 'cluster.yml') });
  const refused = await refusal(plane.client.computes.nodes('cluster'));
  assert.equal(refused.status, 503);
  assert.match(refused.message, /Swarm manager not reachable at .*mlw-manager\.sock/);
  const shown = ok(await runCli(root, ['compute', 'show', 'cluster']));
  assert.match(shown, /^name: cluster\n/);
  assert.match(shown, /\nqueue: 0\/1 running, 0 queued\nnodes: cannot be listed: Swarm manager not reachable at .*mlw-manager\.sock.*\n$/);
  const json = JSON.parse(ok(await runCli(root, ['compute', 'show', 'cluster', '--json']))) as { nodes_error?: string };
  assert.match(json.nodes_error ?? '', /Swarm manager not reachable/);
});
