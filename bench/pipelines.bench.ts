// npm run bench:pipelines — pipeline targets, measured side by side in one run (medians of --runs, default 5):
//   1. a 50-step fan-out/fan-in pipeline (one source step, 48 steps reading it, one sink reading them all) of `true`
//      on localtest/busybox:full, on a cluster with max_instances 4, against the same 50 bare `docker run --rm` in the
//      same order, 4 at a time, run alternately with it: per step ≤ 1.3×, and steps overlap up to max_instances
//   2. a 20-step chain re-submitted unchanged: every step reused, submit → Completed (from the client) < 1 s
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ApiClient } from '../core/api/client';
import type { JobDetail, JobEvent } from '../core/vocabulary';
import { argument, median, ms, printTable, startDaemon } from './harness';

const runs = argument('runs', 5);
const FAN_STEPS = 50;
const CHAIN_STEPS = 20;
const CAPACITY = 4;
const IMAGE = 'localtest/busybox:full';
const S = 'https://azuremlschemas.azureedge.net/latest/';
const TERMINAL = new Set(['Completed', 'Failed', 'Canceled']);

const step = (name: string, inputs: string[], withOutput: boolean) => [
  `  ${name}:`,
  '    type: command',
  '    command: "true"',
  '    environment:',
  `      image: ${IMAGE}`,
  ...(inputs.length ? ['    inputs:', ...inputs.map((from, i) => `      in_${i}: \${{parent.jobs.${from}.outputs.out}}`)] : []),
  ...(withOutput ? ['    outputs:', '      out:', '        type: uri_folder'] : []),
];

function pipelineSpec(experiment: string, steps: string[][], forceRerun: boolean): string {
  return [`$schema: ${S}pipelineJob.schema.json`, 'type: pipeline', `experiment_name: ${experiment}`, 'settings:', '  default_compute: azureml:cluster', ...(forceRerun ? ['  force_rerun: true'] : []), 'jobs:', ...steps.flat(), ''].join('\n');
}

const fanNames = Array.from({ length: FAN_STEPS - 2 }, (_, i) => `fan_${String(i + 1).padStart(2, '0')}`);
const chainNames = Array.from({ length: CHAIN_STEPS }, (_, i) => `link_${String(i + 1).padStart(2, '0')}`);

function workspace(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlw-bench-pipelines-'));
  fs.mkdirSync(path.join(root, '.mlw'));
  fs.writeFileSync(path.join(root, 'cluster.yml'), `$schema: ${S}amlCompute.schema.json\nname: cluster\ntype: amlcompute\nmin_instances: 0\nmax_instances: ${CAPACITY}\n`);
  // force_rerun: every fan-out run runs its 50 steps; the chain is re-submitted to be reused.
  const fan = [step('source', [], true), ...fanNames.map((name) => step(name, ['source'], true)), step('sink', fanNames, false)];
  fs.writeFileSync(path.join(root, 'fan.yml'), pipelineSpec('bench-fan', fan, true));
  const chain = chainNames.map((name, i) => step(name, i ? [chainNames[i - 1]!] : [], true));
  fs.writeFileSync(path.join(root, 'chain.yml'), pipelineSpec('bench-chain', chain, false));
  return root;
}

function dockerRun(): Promise<number> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('docker', ['run', '--rm', IMAGE, 'true'], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - start) : reject(new Error(`docker run exited ${code}`))));
  });
}

/** The fan-out's 50 steps as bare `docker run --rm`: the source, then the 48 with at most 4 at a time, then the sink. */
async function bareFanOut(): Promise<{ wall: number; perRun: number[] }> {
  const start = performance.now();
  const perRun = [await dockerRun()];
  let next = 0;
  await Promise.all(Array.from({ length: CAPACITY }, async () => {
    while (next < fanNames.length) {
      next++;
      perRun.push(await dockerRun());
    }
  }));
  perRun.push(await dockerRun());
  return { wall: performance.now() - start, perRun };
}

interface PipelineRun {
  wall: number;
  detail: JobDetail;
  /** Per step: Preparing → its final status, from the daemon's event times. */
  held: number[];
}

async function runPipeline(client: ApiClient, file: string): Promise<PipelineRun> {
  const start = performance.now();
  const { job } = await client.jobs.submit({ path: file });
  const preparing = new Map<string, number>();
  const held: number[] = [];
  let status = '';
  let wall = 0;
  await client.jobs.events(job.name, (event: JobEvent) => {
    if (event.type !== 'status') return;
    if (event.job === job.name) {
      status = event.status;
      if (TERMINAL.has(event.status)) wall = performance.now() - start;
      return;
    }
    const at = Date.parse(event.time);
    if (event.status === 'Preparing') preparing.set(event.job, at);
    else if (TERMINAL.has(event.status) && preparing.has(event.job)) held.push(at - preparing.get(event.job)!);
  }, { children: true });
  if (status !== 'Completed') throw new Error(`${job.name} ended ${status}`);
  return { wall, detail: await client.jobs.get(job.name), held };
}

/** The most steps Running at once, from their recorded start and end (an end at the same instant as a start comes first). */
function maxRunning(detail: JobDetail): number {
  const edges = detail.steps!.filter((s) => s.startedAt && s.endedAt).flatMap((s) => [
    { at: Date.parse(s.startedAt!), delta: 1 },
    { at: Date.parse(s.endedAt!), delta: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let running = 0;
  let most = 0;
  for (const edge of edges) most = Math.max(most, (running += edge.delta));
  return most;
}

async function main(): Promise<void> {
  const root = workspace();
  const daemon = await startDaemon(root);
  try {
    await daemon.client.assets.register('compute', { path: path.join(root, 'cluster.yml') });
    spawnSync('docker', ['run', '--rm', IMAGE, 'true']); // warm-up: the image's layers in the page cache
    const fan = path.join(root, 'fan.yml');
    await runPipeline(daemon.client, fan); // warm-up: image inspected, engine connected
    const bare: { wall: number; perRun: number[] }[] = [];
    const ours: PipelineRun[] = [];
    for (let i = 0; i < runs; i++) {
      bare.push(await bareFanOut());
      ours.push(await runPipeline(daemon.client, fan));
    }
    const chain = path.join(root, 'chain.yml');
    const first = await runPipeline(daemon.client, chain);
    const resubmits: PipelineRun[] = [];
    for (let i = 0; i < runs; i++) resubmits.push(await runPipeline(daemon.client, chain));

    const bareWall = median(bare.map((b) => b.wall));
    const oursWall = median(ours.map((o) => o.wall));
    const bareStep = median(bare.flatMap((b) => b.perRun));
    const oursStep = median(ours.flatMap((o) => o.held));
    const overlap = ours.map((o) => maxRunning(o.detail));
    const ranAll = ours.every((o) => o.detail.steps!.length === FAN_STEPS && o.detail.steps!.every((s) => s.status === 'Completed' && !s.reusedFrom));
    const reused = resubmits.map((r) => r.detail.steps!.filter((s) => s.status === 'Completed' && s.reusedFrom).length);
    const resubmitWall = median(resubmits.map((r) => r.wall));
    const pass = (ok: boolean) => (ok ? 'pass' : 'MISS');
    const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
    printTable('mlw bench:pipelines', runs, [
      ['measure', 'result', 'target', 'verdict'],
      [`bare: ${FAN_STEPS} \`docker run --rm busybox true\` in fan-out order, ${CAPACITY} at a time`, `${(bareWall / 1000).toFixed(2)} s (${ms(bareWall / FAN_STEPS)} a step)`, '(baseline)', ''],
      [`${FAN_STEPS}-step fan-out/fan-in pipeline, cluster max_instances ${CAPACITY}: submit → Completed`, `${(oursWall / 1000).toFixed(2)} s (${ms(oursWall / FAN_STEPS)} a step, ${ratio(oursWall, bareWall)})`, '≤ 1.3×', pass(ranAll && oursWall / bareWall <= 1.3)],
      ['one step: Preparing → Completed, against one bare `docker run` among 4', `${ms(oursStep)} against ${ms(bareStep)} (${ratio(oursStep, bareStep)})`, '≤ 1.3×', pass(oursStep / bareStep <= 1.3)],
      ['most steps Running at once (from step start/end times)', overlap.join(', '), `${CAPACITY}, never more`, pass(overlap.every((n) => n === CAPACITY))],
      [`${CHAIN_STEPS}-step chain re-submitted unchanged: steps reused`, `${reused.join(', ')} of ${CHAIN_STEPS} (first run ${(first.wall / 1000).toFixed(2)} s)`, 'all', pass(reused.every((n) => n === CHAIN_STEPS))],
      ['… submit → Completed, from the client', ms(resubmitWall), '< 1 s', pass(resubmitWall < 1000)],
    ]);
  } finally {
    daemon.client.close();
    await daemon.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

void main();
