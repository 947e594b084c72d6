// npm run bench:cluster (root) — the cluster computes, measured side by side in one run (medians of --runs, default 5).
// It brings up the Swarm lab and the remote engine lab itself and tears both down.
//   1. submit → Running on the Swarm (cached environment) against a bare `docker service create` of the same image
//      reference, each until its task runs: target ≤ 1.3×
//   2. --jobs (default 50) jobs on 3 nodes with max_instances 6: all Completed, never more than 6 services or Running
//      jobs at once, the count of tasks per node
//   3. remote engine over TLS: submit → Running against a bare create + start (dockerode) on the same engine: ≤ 1.3×
//      (and, to tell the remote design's share, a bare create + copy-in of an empty code folder + start)
import Docker from 'dockerode';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import * as tar from 'tar-stream';
import type { ApiClient } from '../core/api/client';
import { RegistryPublisher } from '../core/compute/swarm/images';
import type { JobEvent } from '../core/vocabulary';
import { startRemoteEngineLab, type RemoteEngineLab } from '../test/support/remote-engine-lab';
import { bringUpSwarmLab, type SwarmLab } from '../test/support/swarm-lab';
import { argument, median, ms, printTable, startDaemon } from './harness';

const runs = argument('runs', 5);
const jobCount = argument('jobs', 50);
const SWARM_IMAGE = 'localtest/python:3-bookworm';
const REMOTE_IMAGE = 'localtest/busybox:full';
const BENCH_LABEL = 'mlw.bench';
const S = 'https://azuremlschemas.azureedge.net/latest/';
const SAMPLE_MS = 25;
const TASK_STARTED = new Set(['running', 'complete']);

function workspace(swarm: SwarmLab, remote: RemoteEngineLab): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlw-bench-cluster-'));
  fs.mkdirSync(path.join(root, '.mlw'));
  fs.writeFileSync(path.join(root, 'swarm.yml'), [
    'name: cluster', 'type: swarm', `docker_host: unix://${swarm.managerSocket}`, `registry: ${swarm.registry}`,
    `registry_push: ${swarm.registryPush}`, `host_address: ${swarm.hostAddress}`, 'max_instances: 6', '',
  ].join('\n'));
  fs.writeFileSync(path.join(root, 'remote.yml'), `name: remote\ntype: remote\nendpoint: ${remote.tlsEndpoint}\ntls:\n  ca: ${remote.files.ca}\n  cert: ${remote.files.cert}\n  key: ${remote.files.key}\n`);
  const job = (compute: string, image: string, command: string) => `$schema: ${S}commandJob.schema.json\ntype: command\nexperiment_name: bench\ncommand: ${JSON.stringify(command)}\nenvironment:\n  image: ${image}\ncompute: azureml:${compute}\n`;
  fs.writeFileSync(path.join(root, 'swarm-job.yml'), job('cluster', SWARM_IMAGE, 'true'));
  fs.writeFileSync(path.join(root, 'swarm-sleep.yml'), job('cluster', SWARM_IMAGE, 'sleep 2'));
  fs.writeFileSync(path.join(root, 'remote-job.yml'), job('remote', REMOTE_IMAGE, 'true'));
  return root;
}

/** Submits, and times the Running status and (on the Swarm) the moment the job's task runs; awaits Completed. */
async function submitAndTime(client: ApiClient, file: string, manager?: Docker): Promise<{ running: number; taskRunning: number }> {
  const start = performance.now();
  const { job } = await client.jobs.submit({ path: file });
  let running = 0;
  let status = '';
  const taskRunning = manager ? watchTask(manager, { label: [`mlw.run=${job.name}`] }, start) : Promise.resolve(0);
  await client.jobs.events(job.name, (event: JobEvent) => {
    if (event.type !== 'status') return;
    status = event.status;
    if (event.status === 'Running') running = performance.now() - start;
  });
  if (status !== 'Completed') throw new Error(`${job.name} ended ${status}`);
  return { running, taskRunning: await taskRunning };
}

/** Milliseconds from `start` until the task of the service matching `filters` runs (or already ran). */
async function watchTask(manager: Docker, filters: { label?: string[]; id?: string[] }, start: number): Promise<number> {
  const deadline = performance.now() + 120_000;
  let serviceId: string | undefined;
  while (performance.now() < deadline) {
    serviceId ??= (await manager.listServices({ filters }))[0]?.ID;
    if (serviceId) {
      const tasks = (await manager.listTasks({ filters: { service: [serviceId] } }).catch(() => [])) as { Status: { State: string } }[];
      if (tasks.some((task) => TASK_STARTED.has(task.Status.State))) return performance.now() - start;
    }
    await delay(SAMPLE_MS);
  }
  throw new Error(`no task of ${JSON.stringify(filters)} ran within 120 s`);
}

async function pull(engine: Docker, reference: string): Promise<void> {
  const stream = await engine.pull(reference);
  await new Promise((resolve, reject) => engine.modem.followProgress(stream, (error: Error | null) => (error ? reject(error) : resolve(undefined))));
}

/** A bare one-shot service of `image` running `true`: create → its task runs; removed afterwards. */
async function bareService(manager: Docker, image: string): Promise<number> {
  const start = performance.now();
  const service = await manager.createService({
    Name: `bench-bare-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    Labels: { [BENCH_LABEL]: 'bare' },
    Mode: { Replicated: { Replicas: 1 } },
    TaskTemplate: { ContainerSpec: { Image: image, Command: ['true'] }, RestartPolicy: { Condition: 'none' } },
  });
  try {
    return await watchTask(manager, { id: [service.id as string] }, start);
  } finally {
    await manager.getService(service.id as string).remove().catch(() => undefined);
  }
}

/**
 * A bare container on the remote engine: create + start, then waited for and removed. With `copyIn`, an empty
 * `/mlw/code` owned by 1000:1000 goes in between, as mlw copies a run's (here empty) code folder in.
 */
async function bareRemoteContainer(engine: Docker, image: string, copyIn = false): Promise<number> {
  const start = performance.now();
  const container = await engine.createContainer({ Image: image, Cmd: ['true'], Labels: { [BENCH_LABEL]: 'bare' } });
  if (copyIn) {
    const pack = tar.pack();
    pack.entry({ name: 'mlw/code', type: 'directory', mode: 0o755, uid: 1000, gid: 1000 });
    pack.finalize();
    await container.putArchive(pack as unknown as Readable, { path: '/' });
  }
  await container.start();
  const elapsed = performance.now() - start;
  await container.wait();
  await container.remove({ force: true });
  return elapsed;
}

interface Burst { completed: number; maxServices: number; maxRunning: number; perNode: Record<string, number>; seconds: number }

/** Submits `count` jobs at once and samples the manager's services and the jobs' statuses until all ended. */
async function burst(client: ApiClient, manager: Docker, file: string, count: number): Promise<Burst> {
  const hostnames = new Map(((await manager.listNodes()) as { ID: string; Description?: { Hostname?: string } }[]).map((node) => [node.ID, node.Description?.Hostname ?? node.ID]));
  const running = new Set<string>();
  let maxRunning = 0;
  const watching = new AbortController();
  const stream = client.events((event) => {
    if (event.type !== 'status') return;
    if (event.status === 'Running') running.add(event.job);
    else running.delete(event.job);
    maxRunning = Math.max(maxRunning, running.size);
  }, { signal: watching.signal }).catch(() => undefined);
  const nodeOfTask = new Map<string, string>();
  let maxServices = 0;
  const start = performance.now();
  const ours = new Set((await Promise.all(Array.from({ length: count }, () => client.jobs.submit({ path: file })))).map(({ job }) => job.name));
  for (;;) {
    const services = await manager.listServices({ filters: { label: ['mlw.run'] } });
    maxServices = Math.max(maxServices, services.length);
    for (const task of (await manager.listTasks()) as { ID: string; NodeID?: string }[]) if (task.NodeID) nodeOfTask.set(task.ID, hostnames.get(task.NodeID) ?? task.NodeID);
    const jobs = (await client.jobs.list()).filter((job) => ours.has(job.name));
    if (jobs.length === count && jobs.every((job) => ['Completed', 'Failed', 'Canceled'].includes(job.status))) {
      watching.abort();
      await stream;
      const perNode: Record<string, number> = {};
      for (const node of nodeOfTask.values()) perNode[node] = (perNode[node] ?? 0) + 1;
      return { completed: jobs.filter((job) => job.status === 'Completed').length, maxServices, maxRunning, perNode, seconds: (performance.now() - start) / 1000 };
    }
    await delay(100);
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('bench:cluster needs root (it brings up the Swarm and remote engine labs)');
  const { lab: swarmLab, down: swarmDown } = await bringUpSwarmLab();
  let remoteLab: RemoteEngineLab | undefined;
  let root: string | undefined;
  let daemon: Awaited<ReturnType<typeof startDaemon>> | undefined;
  try {
    const started = await startRemoteEngineLab();
    if (typeof started === 'string') throw new Error(`no remote engine lab here: ${started}`);
    remoteLab = started;
    root = workspace(swarmLab, remoteLab);
    daemon = await startDaemon(root);
    const { client } = daemon;
    for (const file of ['swarm.yml', 'remote.yml']) await client.assets.register('compute', { path: path.join(root, file) });
    const manager = new Docker({ socketPath: swarmLab.managerSocket });
    const [, remotePort] = /:(\d+)$/.exec(remoteLab.tlsEndpoint) ?? [];
    const remoteEngine = new Docker({
      host: /tcp:\/\/([^:]+):/.exec(remoteLab.tlsEndpoint)![1]!, port: Number(remotePort), protocol: 'https',
      ca: fs.readFileSync(remoteLab.files.ca), cert: fs.readFileSync(remoteLab.files.cert), key: fs.readFileSync(remoteLab.files.key),
    });

    // Warm-up: the image pushed to the registry and pulled by every node (a node's first pull takes seconds, wherever
    // Swarm happens to place a task), the remote engine given its image.
    const reference = await new RegistryPublisher(new Docker(), swarmLab.registry, swarmLab.registryPush).reference(SWARM_IMAGE);
    await Promise.all(swarmLab.nodeSockets.map((socketPath) => pull(new Docker({ socketPath }), reference)));
    for (let i = 0; i < 3; i++) await submitAndTime(client, path.join(root, 'swarm-job.yml'), manager);
    for (let i = 0; i < 3; i++) await bareService(manager, reference);
    await submitAndTime(client, path.join(root, 'remote-job.yml'));
    // mlw ships the image by id: the bare containers run that same image.
    const remoteImageId = (await new Docker().getImage(REMOTE_IMAGE).inspect()).Id;
    await bareRemoteContainer(remoteEngine, remoteImageId);

    const swarmOurs: { running: number; taskRunning: number }[] = [];
    const swarmBare: number[] = [];
    const remoteOurs: number[] = [];
    const remoteBare: number[] = [];
    const remoteBareCopy: number[] = [];
    for (let i = 0; i < runs; i++) {
      swarmBare.push(await bareService(manager, reference));
      swarmOurs.push(await submitAndTime(client, path.join(root, 'swarm-job.yml'), manager));
      remoteBare.push(await bareRemoteContainer(remoteEngine, remoteImageId));
      remoteBareCopy.push(await bareRemoteContainer(remoteEngine, remoteImageId, true));
      remoteOurs.push((await submitAndTime(client, path.join(root, 'remote-job.yml'))).running);
    }
    const many = await burst(client, manager, path.join(root, 'swarm-sleep.yml'), jobCount);

    const bare = median(swarmBare);
    const ours = median(swarmOurs.map((o) => o.running));
    const oursTask = median(swarmOurs.map((o) => o.taskRunning));
    const rBare = median(remoteBare);
    const rOurs = median(remoteOurs);
    const ratio = (value: number, base: number) => `${ms(value)} (${(value / base).toFixed(2)}×)`;
    const rows = [
      ['measure', 'result', 'target'],
      ['Swarm: bare `docker service create` (same image reference) → its task runs', ms(bare), '(baseline)'],
      ['Swarm: submit → Running (service created), cached environment', ratio(ours, bare), '≤ 1.3×'],
      ['Swarm: submit → the job\'s task runs', ratio(oursTask, bare), '≤ 1.3×'],
      [`Swarm: ${jobCount} jobs of \`sleep 2\`, 3 nodes, max_instances 6`, `${many.completed} Completed in ${many.seconds.toFixed(1)} s; at most ${many.maxServices} services, ${many.maxRunning} Running; per node ${Object.entries(many.perNode).sort().map(([node, n]) => `${node} ${n}`).join(', ')}`, 'all Completed, ≤ 6 at once, spread'],
      ['remote engine (TLS): bare create + start', ms(rBare), '(baseline)'],
      ['remote engine (TLS): submit → Running, cached image', ratio(rOurs, rBare), '≤ 1.3×'],
      ['remote engine (TLS): bare create + copy-in of an empty code folder + start', ratio(median(remoteBareCopy), rBare), '(what the remote design costs)'],
    ];
    printTable('mlw bench:cluster', runs, rows);
    console.log(`runs: swarm bare ${swarmBare.map(ms).join(' ')}; swarm Running ${swarmOurs.map((o) => ms(o.running)).join(' ')}; swarm task ${swarmOurs.map((o) => ms(o.taskRunning)).join(' ')}; remote bare ${remoteBare.map(ms).join(' ')}; remote bare with copy-in ${remoteBareCopy.map(ms).join(' ')}; remote Running ${remoteOurs.map(ms).join(' ')}`);
  } finally {
    daemon?.client.close();
    await daemon?.stop();
    await remoteLab?.down();
    await swarmDown();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
