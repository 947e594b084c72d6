import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import Docker from 'dockerode';
import { instanceHostname } from '../../core/engine/distribution';
import { logText, startPlane, statuses, workspace, type Plane } from '../support/control-plane';
import { ended, kill, reaches, startDaemonProcess, submit } from '../support/daemon-process';
import { DockerTestBed, waitFor } from '../support/docker';
import { EXAMPLES } from '../support/examples';
import { checkFailingRank, checkMpiRanks, checkRendezvous, checkTensorflowCluster, mpiFiles, pytorchJob, rankLine, RENDEZVOUS_PY, rendezvousFiles, tensorflowFiles } from '../support/rendezvous';
import { labCompute, startSwarmLab, type SwarmLab } from '../support/swarm-lab';

const docker = new DockerTestBed();

const ON_CLUSTER = { experiment: 'swarm-distributed', compute: 'cluster' };

function distributedJob(command: string, instances: number, extra = '', processes = 1): string {
  return pytorchJob(ON_CLUSTER, command, instances, extra, processes);
}

async function clusterPlane(t: TestContext, lab: SwarmLab, files: Record<string, string>): Promise<Plane> {
  // Room for the runs' instances: a job's instances count against max_instances.
  const root = await workspace(t, { 'cluster.yml': labCompute(lab).replace('max_instances: 2', 'max_instances: 4'), ...files });
  const plane = await startPlane(t, root);
  await plane.client.assets.register('compute', { path: path.join(root, 'cluster.yml') });
  return plane;
}

/** Services and networks a run left on the Swarm (none, once it ended). */
async function leftOnSwarm(manager: Docker, job: string): Promise<string[]> {
  const filters = { label: [`mlw.run=${job}`] };
  const services = await manager.listServices({ filters });
  const networks = await manager.listNetworks({ filters });
  return [...services.map((s) => `service ${s.Spec?.Name}`), ...networks.map((n) => `network ${n.Name}`)];
}

/** Tasks of a run the manager still lists, and its containers on any node of the lab. */
async function leftOnNodes(manager: Docker, lab: SwarmLab, job: string): Promise<string[]> {
  const filters = { label: [`mlw.run=${job}`] };
  const tasks = (await manager.listTasks({ filters })) as { ID: string; Status: { State: string } }[];
  const containers = await Promise.all(
    lab.nodeSockets.map(async (socketPath) => (await new Docker({ socketPath }).listContainers({ all: true, filters })).map((c) => `container ${c.Names[0]} on ${path.basename(socketPath)}`)),
  );
  return [...tasks.map((task) => `task ${task.ID} (${task.Status.State})`), ...containers.flat()];
}

/** Waits (bounded) until nothing of the ended run is left on the Swarm or on any node, then says what is, if anything. */
async function assertNothingLeft(manager: Docker, lab: SwarmLab, job: string): Promise<void> {
  const left = async () => [...(await leftOnSwarm(manager, job)), ...(await leftOnNodes(manager, lab, job))];
  await waitFor(`nothing of ${job} left`, async () => (await left()).length === 0, 60_000).catch(() => undefined);
  assert.deepEqual(await left(), []);
}

/** The job's log as written so far. */
function jobLog(root: string, job: string): string {
  return fs.readFileSync(path.join(root, '.mlw/runs', job, 'user_logs/std_log.txt'), { encoding: 'utf8', flag: 'a+' });
}

test('distributed jobs on a swarm compute', { timeout: 900_000 }, async (t) => {
  if (!(await docker.ready(t))) return;
  const lab = await startSwarmLab(t);
  if (!lab) return;
  const manager = new Docker({ socketPath: lab.managerSocket });

  await t.test('3 pytorch instances on 3 nodes reach each other by name with the rendezvous variables; only instance 0 sends outputs back', async (t) => {
    const plane = await clusterPlane(t, lab, rendezvousFiles(distributedJob));
    const job = await plane.submit('job.yml');
    const { log, hosts } = await checkRendezvous(plane, job.name);
    for (const [rank, host] of hosts.entries()) {
      assert.match(log, new RegExp(`^\\[rank ${rank}\\] hostname ${host}$`, 'm'));
      assert.match(log, new RegExp(`^\\[rank ${rank}\\] all in /etc/hosts: True$`, 'm'), 'the addresses the manager gave, whatever the DNS knows yet');
    }
    for (const rank of [1, 2]) assert.match(log, new RegExp(`^\\[rank 0\\] heard: rank ${rank} from ${hosts[rank]}$`, 'm'), 'by the name the instance has');
    assert.match(log, /^\[rank 1\] \[mlw\] files fetched \(2 mounts\); running the command \(instance 0 sends the outputs back\)$/m);
    assert.deepEqual(await leftOnSwarm(manager, job.name), []);
  });

  /** Runs the files' `job.yml` on the lab's cluster, checks it with `check`, and that it left nothing on the Swarm. */
  const runChecked = async (t: TestContext, files: Record<string, string>, check: (plane: Plane, job: string) => Promise<unknown>) => {
    const plane = await clusterPlane(t, lab, files);
    const job = await plane.submit('job.yml');
    await check(plane, job.name);
    assert.deepEqual(await leftOnSwarm(manager, job.name), []);
  };

  await t.test('pytorch with 2 processes on each of 3 nodes: ranks 0..5 once each, and every rank reaches MASTER_ADDR:MASTER_PORT', (t) =>
    runChecked(t, rendezvousFiles(distributedJob, 2), async (plane, job) => {
      const { log, hosts } = await checkRendezvous(plane, job, 2);
      for (const rank of [0, 1, 2, 3, 4, 5]) assert.match(log, rankLine(rank, 2, `hostname ${hosts[Math.floor(rank / 2)]}`), 'the rank runs on the instance NODE_RANK names');
    }));

  const tensorflow = { workers: 2, ps: 1 };
  await t.test('tensorflow: 2 workers and a parameter server on 3 nodes each reach every other at its TF_CONFIG address', (t) =>
    runChecked(t, tensorflowFiles(ON_CLUSTER, tensorflow), (plane, job) => checkTensorflowCluster(plane, job, tensorflow)));

  const mpi = { instances: 2, processes: 2 };
  await t.test('mpi with 2 processes on each of 2 nodes: Open MPI ranks 0..3 once each, and every process resolves the host list', (t) =>
    runChecked(t, mpiFiles(ON_CLUSTER, mpi), (plane, job) => checkMpiRanks(plane, job, mpi)));

  await t.test('an instance that fails fails the job with its exit code and lines; the others are stopped', async (t) => {
    const command = 'if [ "$RANK" = 1 ]; then echo rank one gives up; exit 3; fi; echo waiting; sleep 300';
    const plane = await clusterPlane(t, lab, { 'job.yml': distributedJob(command, 3) });
    const job = await plane.submit('job.yml');
    await checkFailingRank(plane, job.name, { rank: 1, instances: 3, exitCode: 3, lastLine: 'rank one gives up' });
    assert.deepEqual(await leftOnSwarm(manager, job.name), []);
  });

  /** 2 processes on each of 2 nodes that meet at the rendezvous, then run `then`. */
  const afterRendezvous = (then: string) => ({ 'job.yml': distributedJob(`python3 rendezvous.py /tmp 2 && ${then}`, 2, 'code: ./src', 2), 'src/rendezvous.py': RENDEZVOUS_PY });
  const WAIT_FOR_SIGTERM = `trap 'echo "rank $RANK: got SIGTERM"; exit 143' TERM; echo "rank $RANK: waiting"; sleep 300 & wait $!`;

  await t.test('2 processes on each of 2 nodes, rank 3 failing after the rendezvous: the job fails naming it at once; no task or container is left', { timeout: 180_000 }, async (t) => {
    const plane = await clusterPlane(t, lab, afterRendezvous(`if [ "$RANK" = 3 ]; then echo "rank 3: gives up"; exit 3; fi; ${WAIT_FOR_SIGTERM}`));
    const job = await plane.submit('job.yml');
    const log = await checkFailingRank(plane, job.name, { rank: 3, instances: 2, processes: 2, exitCode: 3, lastLine: 'gives up' });
    assert.match(log, /^\[node 0\] rank 0: heard: rank 3 from /m, 'rank 3 failed after the rendezvous');
    assert.match(log, /^\[node 1\] \[mlw\] rank 3 exited with code 3; stopping the instance's other processes$/m);
    await assertNothingLeft(manager, lab, job.name);
  });

  // What the processes print once stopped reaches the log only when the manager still has the task when its log is
  // read (Swarm deletes a scaled-down task soon after it ends), so their SIGTERM lines are not asserted.
  await t.test('cancel while 2 processes on each of 2 nodes run: Canceled, the bootstrap passes the stop on; no task or container is left', { timeout: 180_000 }, async (t) => {
    const plane = await clusterPlane(t, lab, afterRendezvous(WAIT_FOR_SIGTERM));
    const job = await plane.submit('job.yml');
    const ranks = [0, 1, 2, 3];
    await waitFor('every rank waiting', () => ranks.every((rank) => rankLine(rank, 2, 'waiting').test(jobLog(plane.root, job.name))), 120_000);
    await plane.client.jobs.cancel(job.name);
    const events = await plane.events(job.name);
    const log = logText(events);
    assert.equal(statuses(events).at(-1), 'Canceled', log);
    assert.doesNotMatch(log, /PermissionError|Traceback/, 'the bootstrap may signal the command');
    await assertNothingLeft(manager, lab, job.name);
  });

  await t.test('cancel removes every instance\'s service and the run\'s network; the instances ran on distinct nodes, by name', async (t) => {
    const plane = await clusterPlane(t, lab, { 'job.yml': distributedJob('echo started; sleep 300', 3) });
    const job = await plane.submit('job.yml');
    const hosts = [0, 1, 2].map((index) => instanceHostname(job.name, index));
    const running = await waitFor('3 running instances', async () => {
      const services = await manager.listServices({ filters: { label: [`mlw.run=${job.name}`] } });
      const tasks = (await manager.listTasks({ filters: { label: [`mlw.run=${job.name}`], 'desired-state': ['running'] } })) as { NodeID: string; Status: { State: string } }[];
      return services.length === 3 && tasks.filter((task) => task.Status.State === 'running').length === 3 ? { services, tasks } : undefined;
    }, 120_000);
    assert.deepEqual(running.services.map((s) => s.Spec?.Name).sort(), hosts);
    for (const service of running.services) {
      assert.deepEqual(service.Spec?.EndpointSpec?.Mode, 'dnsrr', 'no virtual IP: the names resolve to the tasks');
      assert.equal(service.Spec?.Mode?.Replicated?.Replicas, 1);
    }
    assert.equal(new Set(running.tasks.map((task) => task.NodeID)).size, 3, 'each instance on a node of its own');
    const [network] = (await manager.listNetworks({ filters: { label: [`mlw.run=${job.name}`] } })) as { Driver: string; Attachable: boolean; Scope: string }[];
    assert.equal(network?.Driver, 'overlay');
    assert.equal(network?.Attachable, true);
    await plane.client.jobs.cancel(job.name);
    const events = await plane.events(job.name);
    assert.equal(statuses(events).at(-1), 'Canceled', logText(events));
    assert.deepEqual(await leftOnSwarm(manager, job.name), []);
  });

  await t.test('a distributed run the daemon lost is not followed again: the next daemon removes its services and network', async (t) => {
    const root = await workspace(t, { 'cluster.yml': labCompute(lab), 'job.yml': distributedJob('echo started; sleep 300', 2) });
    const first = await startDaemonProcess(t, root);
    await first.client.assets.register('compute', { path: path.join(root, 'cluster.yml') });
    const job = await submit(first.client, root, 'job.yml');
    await waitFor('2 running instances', async () => {
      const tasks = (await manager.listTasks({ filters: { label: [`mlw.run=${job}`], 'desired-state': ['running'] } })) as { Status: { State: string } }[];
      return tasks.filter((task) => task.Status.State === 'running').length === 2;
    }, 120_000);
    await kill(first);
    const second = await startDaemonProcess(t, root);
    const done = await reaches(second.client, job, ended, 120_000);
    assert.equal(done.status, 'Failed');
    assert.match(done.reason ?? '', /the control plane stopped while the run's 2 instances ran; a multi-instance run is not re-attached/, done.reason);
    assert.deepEqual(await leftOnSwarm(manager, job), []);
  });

  await t.test('more instances than the Swarm has nodes fails the job saying so, and leaves nothing behind', async (t) => {
    const plane = await clusterPlane(t, lab, { 'job.yml': distributedJob('echo never', 4) });
    const job = await plane.submit('job.yml');
    const events = await plane.events(job.name);
    assert.equal(statuses(events).at(-1), 'Failed', logText(events));
    const detail = await plane.client.jobs.get(job.name);
    assert.match(detail.reason ?? '', /4 instances run on 4 distinct nodes, but the Swarm has 3 ready, active nodes/, detail.reason);
    assert.deepEqual(await leftOnSwarm(manager, job.name), []);
  });

  await t.test('examples/distributed: a torch.distributed all-reduce (gloo) across the 3 Swarm nodes, its image through the registry', async (t) => {
    // The example's own job and environment; its cluster is the lab's, under the name the job asks for, without the
    // lab's 256 MiB limit (torch needs more).
    const cluster = labCompute(lab).replace('name: cluster', 'name: cpu-cluster').replace('max_instances: 2', 'max_instances: 3').replace('resources:\n  cpus: 0.5\n  memory: 256m\n', '');
    const root = await workspace(t, { 'cluster.yml': cluster });
    fs.cpSync(path.join(EXAMPLES, 'distributed'), path.join(root, 'distributed'), { recursive: true });
    const plane = await startPlane(t, root);
    await plane.client.assets.register('compute', { path: path.join(root, 'cluster.yml') });
    await plane.client.assets.register('environment', { path: path.join(root, 'distributed/environment.yml') });
    const job = await plane.submit('distributed/job.yml');
    const events = await plane.events(job.name);
    const log = logText(events);
    assert.deepEqual(statuses(events), ['Queued', 'Preparing', 'Running', 'Finalizing', 'Completed'], log);
    for (const rank of [0, 1, 2]) assert.match(log, new RegExp(`^\\[rank ${rank}\\] rank ${rank} of 3: all_reduce sum = 6\\.0 \\(expected 6\\.0\\)$`, 'm'), log);
    assert.deepEqual(await leftOnSwarm(manager, job.name), []);
  });
});
