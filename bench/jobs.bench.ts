// npm run bench:jobs — the control plane's targets, measured side by side in one run (medians of --runs, default 7):
//   1. submit → Running and submit → Completed of `true` on localtest/busybox:full (docker compute, cached
//      environment) against bare `docker run --rm` of the same image: target ≤ 1.3×
//   2. environment cache hit (hash + lookup): target < 50 ms
//   3. 200 concurrent submits to a cluster with max_instances 4: each recorded once, never more than 4 running,
//      all Completed
//   4. submit → Queued from the CLI, daemon discovery included: target < 300 ms
//   5. listing the jobs while --queued (default 2,000) wait for a compute's one instance, each with its wait reason
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ApiClient } from '../core/api/client';
import type { JobEvent } from '../core/vocabulary';
import { EnvironmentBuilder } from '../core/env';
import { argument, median, ms, printTable, repo, startDaemon } from './harness';

const runs = argument('runs', 7);
const concurrent = argument('concurrent', 200);
const queuedJobs = argument('queued', 2000);
const IMAGE = 'localtest/busybox:full';
const S = 'https://azuremlschemas.azureedge.net/latest/';

function bareDockerRun(): number {
  const script = path.resolve(repo, '../shared/scripts/bench-docker-run.sh');
  if (fs.existsSync(script)) {
    const out = spawnSync('bash', [script, String(runs), IMAGE, 'true'], { encoding: 'utf8' });
    const match = /median=(\d+(?:\.\d+)?)ms/.exec(out.stdout);
    if (!match) throw new Error(`bench-docker-run.sh: ${out.stdout}${out.stderr}`);
    return Number(match[1]);
  }
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    spawnSync('docker', ['run', '--rm', IMAGE, 'true']);
    times.push(performance.now() - start);
  }
  return median(times);
}

function workspace(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlw-bench-jobs-'));
  fs.mkdirSync(path.join(root, '.mlw'));
  fs.writeFileSync(path.join(root, 'box.yml'), 'name: box\ntype: docker\nmax_instances: 4\n');
  fs.writeFileSync(path.join(root, 'cluster.yml'), `$schema: ${S}amlCompute.schema.json\nname: cluster\ntype: amlcompute\nmin_instances: 0\nmax_instances: 4\n`);
  fs.writeFileSync(path.join(root, 'one.yml'), 'name: one\ntype: local\nmax_instances: 1\n');
  fs.writeFileSync(path.join(root, 'one-job.yml'), `$schema: ${S}commandJob.schema.json\ntype: command\nexperiment_name: bench\ncommand: sleep 600\nenvironment:\n  image: ${IMAGE}\ncompute: azureml:one\n`);
  const job = (compute: string) => `$schema: ${S}commandJob.schema.json\ntype: command\nexperiment_name: bench\ncommand: "true"\nenvironment:\n  image: ${IMAGE}\ncompute: azureml:${compute}\n`;
  fs.writeFileSync(path.join(root, 'docker-job.yml'), job('box'));
  fs.writeFileSync(path.join(root, 'cluster-job.yml'), job('cluster'));
  fs.writeFileSync(path.join(root, 'local-job.yml'), job('local'));
  return root;
}

async function submitAndTime(client: ApiClient, file: string): Promise<{ running: number; completed: number }> {
  const start = performance.now();
  const { job } = await client.jobs.submit({ path: file });
  let running = 0;
  let completed = 0;
  let status = '';
  await client.jobs.events(job.name, (event: JobEvent) => {
    if (event.type !== 'status') return;
    status = event.status;
    if (event.status === 'Running') running = performance.now() - start;
    if (event.status === 'Completed') completed = performance.now() - start;
  });
  if (status !== 'Completed') throw new Error(`${job.name} ended ${status}`);
  return { running, completed };
}

async function concurrentSubmits(client: ApiClient, file: string): Promise<{ recorded: number; unique: number; maxRunning: number; completed: number; seconds: number }> {
  const running = new Set<string>();
  let maxRunning = 0;
  const watching = new AbortController();
  const stream = client.events((event) => {
    if (event.type !== 'status') return;
    if (event.status === 'Running') running.add(event.job);
    else running.delete(event.job);
    maxRunning = Math.max(maxRunning, running.size);
  }, { signal: watching.signal }).catch(() => undefined);
  const ours = new Set<string>();
  const start = performance.now();
  const submitted = await Promise.all(Array.from({ length: concurrent }, () => client.jobs.submit({ path: file })));
  for (const { job } of submitted) ours.add(job.name);
  for (;;) {
    const jobs = (await client.jobs.list()).filter((j) => ours.has(j.name));
    if (jobs.every((j) => ['Completed', 'Failed', 'Canceled'].includes(j.status))) {
      watching.abort();
      await stream;
      return { recorded: jobs.length, unique: new Set(jobs.map((j) => j.name)).size, maxRunning, completed: jobs.filter((j) => j.status === 'Completed').length, seconds: (performance.now() - start) / 1000 };
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Median time to list the jobs while `queuedJobs` wait behind one that holds the only instance of compute `one`. */
async function listQueued(client: ApiClient, root: string): Promise<number> {
  const file = path.join(root, 'one-job.yml');
  const holder = (await client.jobs.submit({ path: file })).job;
  const queued: string[] = [];
  while (queued.length < queuedJobs) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, queuedJobs - queued.length) }, () => client.jobs.submit({ path: file })));
    queued.push(...batch.map(({ job }) => job.name));
  }
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const listed = await client.jobs.list();
    times.push(performance.now() - start);
    if (!listed.some((job) => job.status === 'Queued' && job.reason?.includes(`${queuedJobs - 1} ahead`))) throw new Error('the last queued job does not say how many wait ahead of it');
  }
  for (let i = queued.length; i > 0; i -= 50) await Promise.all(queued.slice(Math.max(0, i - 50), i).map((name) => client.jobs.cancel(name)));
  await client.jobs.cancel(holder.name);
  return median(times);
}

async function cacheHit(): Promise<number> {
  const builder = new EnvironmentBuilder();
  const env = { image: IMAGE };
  await builder.ensure(env);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const fresh = new EnvironmentBuilder();
    const start = performance.now();
    await fresh.ensure(env);
    times.push(performance.now() - start);
  }
  return median(times);
}

function cliSubmit(root: string): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const out = spawnSync(process.execPath, [path.join(repo, 'out/cli.js'), 'job', 'create', '-f', path.join(root, 'local-job.yml')], { encoding: 'utf8' });
    times.push(performance.now() - start);
    if (out.status !== 0) throw new Error(out.stderr);
  }
  return median(times);
}

async function main(): Promise<void> {
  const root = workspace();
  const daemon = await startDaemon(root);
  try {
    for (const file of ['box.yml', 'cluster.yml']) await daemon.client.assets.register('compute', { path: path.join(root, file) });
    await submitAndTime(daemon.client, path.join(root, 'docker-job.yml')); // warm-up: image inspected, engine connected
    const bare = bareDockerRun();
    const ours: { running: number; completed: number }[] = [];
    for (let i = 0; i < runs; i++) ours.push(await submitAndTime(daemon.client, path.join(root, 'docker-job.yml')));
    const running = median(ours.map((o) => o.running));
    const completed = median(ours.map((o) => o.completed));
    const hit = await cacheHit();
    const burst = await concurrentSubmits(daemon.client, path.join(root, 'cluster-job.yml'));
    const cli = cliSubmit(root);
    await daemon.client.assets.register('compute', { path: path.join(root, 'one.yml') });
    const listed = await listQueued(daemon.client, root);
    const rows = [
      ['measure', 'result', 'target'],
      ['bare `docker run --rm busybox true`', ms(bare), '(baseline)'],
      ['submit → Running (docker, cached env)', `${ms(running)} (${(running / bare).toFixed(2)}×)`, '≤ 1.3×'],
      ['submit → Completed (docker, cached env)', `${ms(completed)} (${(completed / bare).toFixed(2)}×)`, '≤ 1.3×'],
      ['environment cache hit (hash + lookup)', ms(hit), '< 50 ms'],
      [`${concurrent} concurrent submits, cluster max_instances 4`, `${burst.recorded} recorded, ${burst.unique} unique, max ${burst.maxRunning} running, ${burst.completed} Completed in ${burst.seconds.toFixed(1)} s`, 'all once, ≤ 4 running, all Completed'],
      ['submit → Queued from the CLI (discovery included)', ms(cli), '< 300 ms'],
      [`list jobs, ${queuedJobs} queued on one instance (newest 1,000 listed, each with its wait reason)`, ms(listed), '(measure)'],
    ];
    printTable('mlw bench:jobs', runs, rows);
  } finally {
    daemon.client.close();
    await daemon.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

void main();
