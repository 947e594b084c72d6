import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import Docker from 'dockerode';
import { COMMAND_SCHEMA, logText, startPlane, statuses, workspace } from '../support/control-plane';
import { kill, startDaemonProcess } from '../support/daemon-process';
import { DockerTestBed, PYTHON_IMAGE, waitFor } from '../support/docker';
import { labCompute, startSwarmLab, type SwarmLab } from '../support/swarm-lab';

const docker = new DockerTestBed();

/** The lab's compute on the workers, its placeholders running the run image. */
const reservingCompute = (lab: SwarmLab, lines: string[]): string =>
  labCompute(lab, ['placement:\n  constraints: ["node.role == worker"]', `default_image: ${PYTHON_IMAGE}`, ...lines]);

const job = (command: string): string =>
  `${COMMAND_SCHEMA}\ntype: command\nexperiment_name: reserve\ncommand: ${JSON.stringify(command)}\nenvironment:\n  image: ${PYTHON_IMAGE}\ncompute: azureml:cluster\n`;

function placeholders(manager: Docker, root: string): Promise<Docker.Service[]> {
  return manager.listServices({ filters: { label: ['mlw.placeholder=cluster', `mlw.workspace=${root}`] } });
}

/** The placeholders whose task runs, once there are `count` of them. */
async function runningPlaceholders(manager: Docker, root: string, count: number, timeoutMs = 60_000): Promise<Docker.Service[]> {
  return waitFor(`${count} running placeholder(s)`, async () => {
    const services = await placeholders(manager, root);
    if (services.length !== count) return undefined;
    for (const service of services) {
      const tasks = (await manager.listTasks({ filters: { service: [service.ID] } })) as { Status: { State: string } }[];
      if (!tasks.some((task) => task.Status.State === 'running')) return undefined;
    }
    return services;
  }, timeoutMs);
}

test('a swarm compute holds its min_instances as reservations', { timeout: 600_000 }, async (t) => {
  if (!(await docker.ready(t))) return;
  const lab = await startSwarmLab(t);
  if (!lab) return;
  const manager = new Docker({ socketPath: lab.managerSocket });

  await t.test('min_instances: 1 holds one instance\'s capacity, gives it to a run, takes it back after; stop removes it', async (t) => {
    const root = await workspace(t, { 'cluster.yml': reservingCompute(lab, ['min_instances: 1']), 'job.yml': job('echo ran; sleep 2') });
    const plane = await startPlane(t, root);
    await plane.client.assets.register('compute', { path: path.join(root, 'cluster.yml') });
    const [placeholder] = await runningPlaceholders(manager, root, 1);
    const template = placeholder!.Spec!.TaskTemplate as Docker.ContainerTaskSpec;
    assert.equal(template.Resources?.Reservations?.NanoCPUs, 0.5e9);
    assert.equal(template.Resources?.Reservations?.MemoryBytes, 256 * 1024 * 1024);
    assert.deepEqual(template.Placement?.Constraints, ['node.role == worker']);
    assert.equal(template.RestartPolicy?.Condition, 'none');
    const { nodes } = await plane.client.computes.nodes('cluster');
    assert.deepEqual(nodes.flatMap((node) => (node.reserved ?? []).map((held) => [node.role, held.compute, held.state])), [['worker', 'cluster', 'running']]);

    const submitted = await plane.submit('job.yml');
    await waitFor('the run\'s service', async () => (await manager.listServices({ filters: { label: [`mlw.run=${submitted.name}`] } })).length === 1, 60_000);
    assert.deepEqual(await placeholders(manager, root), [], 'the placeholder made way for the run before its service was created');
    const events = await plane.events(submitted.name);
    assert.deepEqual(statuses(events), ['Queued', 'Preparing', 'Running', 'Finalizing', 'Completed'], logText(events));
    const [back] = await runningPlaceholders(manager, root, 1);
    assert.notEqual(back!.ID, placeholder!.ID, 'a new placeholder after the run');

    await plane.daemon.stop({ cancelJobs: true });
    assert.deepEqual(await placeholders(manager, root), [], 'the stopped daemon leaves no placeholder on the Swarm');
  });

  await t.test('idle_time_before_scale_down: 2 keeps a run\'s capacity 2 s after it ends, then scales down', async (t) => {
    const root = await workspace(t, { 'cluster.yml': reservingCompute(lab, ['min_instances: 0', 'idle_time_before_scale_down: 2']), 'job.yml': job('echo ran') });
    const plane = await startPlane(t, root);
    await plane.client.assets.register('compute', { path: path.join(root, 'cluster.yml') });
    assert.deepEqual(await placeholders(manager, root), [], 'nothing held while no run ended');
    const submitted = await plane.submit('job.yml');
    assert.equal(await plane.finalStatus(submitted.name), 'Completed');
    const ended = Date.now();
    await waitFor('the idle placeholder', async () => (await placeholders(manager, root)).length === 1, 10_000);
    await waitFor('the scale-down', async () => (await placeholders(manager, root)).length === 0, 30_000);
    assert.ok(Date.now() - ended >= 1_500, 'held about idle_time_before_scale_down seconds');
  });

  await t.test('a compute registered again holds what its new spec says, and nothing without min_instances', async (t) => {
    const root = await workspace(t, { 'cluster.yml': reservingCompute(lab, ['min_instances: 1']) });
    const plane = await startPlane(t, root);
    await plane.client.assets.register('compute', { path: path.join(root, 'cluster.yml') });
    await runningPlaceholders(manager, root, 1);
    await plane.client.assets.register('compute', { text: reservingCompute(lab, ['min_instances: 2']), path: path.join(root, 'cluster.yml') });
    await runningPlaceholders(manager, root, 2);
    await plane.client.assets.register('compute', { text: reservingCompute(lab, []), path: path.join(root, 'cluster.yml') });
    assert.deepEqual(await placeholders(manager, root), []);
  });

  await t.test('a placeholder whose task ended no longer counts: it is removed and another takes its place', async (t) => {
    const root = await workspace(t, { 'cluster.yml': reservingCompute(lab, ['min_instances: 1']) });
    const plane = await startPlane(t, root);
    await plane.client.assets.register('compute', { path: path.join(root, 'cluster.yml') });
    const [placeholder] = await runningPlaceholders(manager, root, 1);
    let killed = 0;
    for (const socket of lab.nodeSockets) {
      const node = new Docker({ socketPath: socket });
      for (const container of await node.listContainers({ filters: { label: [`com.docker.swarm.service.id=${placeholder!.ID}`] } })) {
        await node.getContainer(container.Id).kill();
        killed++;
      }
    }
    assert.equal(killed, 1, 'the placeholder\'s container was found on a node');
    const replacement = await waitFor('another placeholder in place of the ended one', async () => {
      const services = await placeholders(manager, root);
      return services.length === 1 && services[0]!.ID !== placeholder!.ID && services[0]!.ID;
    }, 60_000);
    assert.equal((await runningPlaceholders(manager, root, 1))[0]!.ID, replacement);
  });

  await t.test('a daemon killed and started again adopts its placeholders instead of adding more', async (t) => {
    const root = await workspace(t, { 'cluster.yml': reservingCompute(lab, ['min_instances: 1']) });
    const first = await startDaemonProcess(t, root);
    await first.client.assets.register('compute', { path: path.join(root, 'cluster.yml') });
    const [held] = await runningPlaceholders(manager, root, 1);
    await kill(first);
    t.after(async () => {
      for (const service of await placeholders(manager, root)) await manager.getService(service.ID).remove().catch(() => undefined);
    });
    const second = await startDaemonProcess(t, root);
    // Registering the same spec again answers once the daemon's placeholders are adjusted.
    await second.client.assets.register('compute', { path: path.join(root, 'cluster.yml') });
    assert.deepEqual((await placeholders(manager, root)).map((service) => service.ID), [held!.ID], 'the same placeholder, and no other');
  });
});
