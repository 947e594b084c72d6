// npm run bench:pipelines — pipeline targets, measured side by side in one run (medians of --runs, default 5):
//   1. a 50-step fan-out/fan-in pipeline (one source step, 48 steps reading it, one sink reading them all) of `true`
//      on localtest/busybox:full, on a cluster with max_instances 4, against the same 50 bare `docker run --rm` in the
//      same order, 4 at a time, run alternately with it: per step ≤ 1.3×, and steps overlap up to max_instances
//   2. a 20-step chain re-submitted unchanged: every step reused, submit → Completed (from the client) < 1 s
//   3. a sweep of 200 trials of `true`, max_concurrent_trials 8, on a host-process compute (`type: local`,
//      max_instances 8): scheduler overhead per trial = (8 × the sweep's submit → Completed − the trials' own run
//      time, process start → exit) / 200, i.e. the time a concurrency slot spends not running a trial: < 20 ms
//   4. early termination: a trial reporting a losing metric every second (bandit, evaluation_interval 1) is Canceled
//      before its next report; the time from its report to Canceled
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ApiClient } from '../core/api/client';
import type { JobDetail, JobEvent } from '../core/vocabulary';
import { banditSweepLines } from '../test/support/sweeps';
import { argument, median, ms, printTable, startDaemon } from './harness';

const runs = argument('runs', 5);
const FAN_STEPS = 50;
const CHAIN_STEPS = 20;
const CAPACITY = 4;
const IMAGE = 'localtest/busybox:full';
const S = 'https://azuremlschemas.azureedge.net/latest/';
const TRIALS = 200;
const CONCURRENT_TRIALS = 8;
const REPORT_EVERY_S = 1;
const PYTHON = 'PYTHONPATH=/opt/mlflow-src /usr/bin/python3';
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
  fs.writeFileSync(path.join(root, 'host.yml'), `name: host\ntype: local\nmax_instances: ${CONCURRENT_TRIALS}\n`);
  const sweep = (lines: string[]) => [`$schema: ${S}sweepJob.schema.json`, 'type: sweep', 'experiment_name: bench-sweep', 'compute: azureml:host', ...lines, ''].join('\n');
  fs.writeFileSync(path.join(root, 'sweep.yml'), sweep([
    'trial:',
    '  command: true ${{search_space.x}}',
    '  environment:',
    `    image: ${IMAGE}`,
    'sampling_algorithm: random',
    'search_space:',
    '  x:',
    '    type: uniform',
    '    min_value: 0',
    '    max_value: 1',
    'objective:',
    '  primary_metric: m',
    '  goal: maximize',
    'limits:',
    `  max_total_trials: ${TRIALS}`,
    `  max_concurrent_trials: ${CONCURRENT_TRIALS}`,
  ]));
  // The good trial reports once and ends; the bad one would report every second for a minute.
  fs.writeFileSync(path.join(root, 'reports.py'), `import sys, time, mlflow\nq = float(sys.argv[1])\nfor step in range(60 if q < 0.5 else 1):\n    mlflow.log_metric("accuracy", q, step=step)\n    time.sleep(${REPORT_EVERY_S} if q < 0.5 else 0)\n`);
  fs.writeFileSync(path.join(root, 'bandit.yml'), sweep(banditSweepLines({ code: '.', command: `${PYTHON} reports.py \${{search_space.quality}}`, image: IMAGE }, 1, ['  evaluation_interval: 1', '  delay_evaluation: 0'])));
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
  /** Per step or trial job, when it entered each status, from the daemon's event times. */
  entered: Map<string, Map<string, number>>;
  /** Per step or trial job, the times of its metric reports. */
  reported: Map<string, number[]>;
}

/** Per step that ran: the time from entering `from` to entering the first of `to`. */
function phase(run: PipelineRun, from: string, to: string[]): number[] {
  return [...run.entered.values()].flatMap((times) => {
    const start = times.get(from);
    const end = to.map((status) => times.get(status)).find((at) => at !== undefined);
    return start === undefined || end === undefined ? [] : [end - start];
  });
}

/** Per step with dependencies: from the last of them ending to the step being Queued (the pipeline's own latency). */
function queueLatency(run: PipelineRun): number[] {
  const ended = (job: string) => [...TERMINAL].map((status) => run.entered.get(job)?.get(status)).find((at) => at !== undefined);
  const jobOf = new Map(run.detail.steps!.map((s) => [s.name, s.job]));
  return run.detail.steps!.filter((s) => s.dependsOn.length > 0).flatMap((s) => {
    const queued = run.entered.get(s.job)?.get('Queued');
    const ready = Math.max(...s.dependsOn.map((d) => ended(jobOf.get(d)!) ?? NaN));
    return queued === undefined || Number.isNaN(ready) ? [] : [queued - ready];
  });
}

async function runPipeline(client: ApiClient, file: string): Promise<PipelineRun> {
  const start = performance.now();
  const { job } = await client.jobs.submit({ path: file });
  const entered = new Map<string, Map<string, number>>();
  const reported = new Map<string, number[]>();
  let status = '';
  let wall = 0;
  await client.jobs.events(job.name, (event: JobEvent) => {
    if (event.type === 'metric') reported.set(event.job, [...(reported.get(event.job) ?? []), Date.parse(event.time)]);
    if (event.type !== 'status') return;
    if (event.job === job.name) {
      status = event.status;
      if (TERMINAL.has(event.status)) wall = performance.now() - start;
      return;
    }
    if (!entered.has(event.job)) entered.set(event.job, new Map());
    entered.get(event.job)!.set(event.status, Date.parse(event.time));
  }, { children: true });
  if (status !== 'Completed') throw new Error(`${job.name} ended ${status}`);
  return { wall, detail: await client.jobs.get(job.name), entered, reported };
}

/** The most steps Running at once, from their recorded start (process or container started) and end (it exited). */
function maxRunning(detail: JobDetail): number {
  return maxOverlap(detail.steps!.filter((s) => s.startedAt && s.endedAt).map((s) => [Date.parse(s.startedAt!), Date.parse(s.endedAt!)]));
}

/** The most steps holding an instance of the compute at once: from Preparing to their final status. */
function maxHeld(run: PipelineRun): number {
  return maxOverlap([...run.entered.values()].flatMap((times) => {
    const start = times.get('Preparing');
    const end = [...TERMINAL].map((status) => times.get(status)).find((at) => at !== undefined);
    return start === undefined || end === undefined ? [] : [[start, end] as [number, number]];
  }));
}

/** The most intervals open at once; an end at the same instant as a start comes first. */
function maxOverlap(intervals: [number, number][]): number {
  const edges = intervals.flatMap(([start, end]) => [
    { at: start, delta: 1 },
    { at: end, delta: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let running = 0;
  let most = 0;
  for (const edge of edges) most = Math.max(most, (running += edge.delta));
  return most;
}

/** The time a concurrency slot spent not running a trial's process, per trial (see the header). */
function sweepOverhead(run: PipelineRun): number {
  const trials = run.detail.sweep!.trials;
  const ownRun = trials.reduce((sum, t) => sum + Date.parse(t.endedAt!) - Date.parse(t.startedAt!), 0);
  return (CONCURRENT_TRIALS * run.wall - ownRun) / trials.length;
}

/** The losing trial: how long from its first report to Canceled, and how many reports it made. */
function earlyTermination(run: PipelineRun): { latency: number; reports: number; canceled: boolean } {
  const bad = run.detail.sweep!.trials.find((t) => t.params.quality === 0.1)!;
  const reports = run.reported.get(bad.job) ?? [];
  const canceledAt = run.entered.get(bad.job)?.get('Canceled');
  return { latency: canceledAt === undefined || !reports.length ? NaN : canceledAt - reports[0]!, reports: reports.length, canceled: bad.status === 'Canceled' && /^Bandit/.test(bad.reason ?? '') };
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
    await daemon.client.assets.register('compute', { path: path.join(root, 'host.yml') });
    const sweeps: PipelineRun[] = [];
    for (let i = 0; i < runs; i++) sweeps.push(await runPipeline(daemon.client, path.join(root, 'sweep.yml')));
    const bandits: PipelineRun[] = [];
    for (let i = 0; i < runs; i++) bandits.push(await runPipeline(daemon.client, path.join(root, 'bandit.yml')));

    const bareWall = median(bare.map((b) => b.wall));
    const oursWall = median(ours.map((o) => o.wall));
    const bareStep = median(bare.flatMap((b) => b.perRun));
    const oursStep = median(ours.flatMap((o) => phase(o, 'Preparing', [...TERMINAL])));
    const [preparing, running, finalizing] = [['Preparing', 'Running'], ['Running', 'Finalizing'], ['Finalizing', 'Completed']].map(([from, to]) => median(ours.flatMap((o) => phase(o, from!, [to!]))));
    const latency = median(ours.flatMap(queueLatency));
    const overlap = ours.map((o) => maxRunning(o.detail));
    const held = ours.map(maxHeld);
    const ranAll = ours.every((o) => o.detail.steps!.length === FAN_STEPS && o.detail.steps!.every((s) => s.status === 'Completed' && !s.reusedFrom));
    const reused = resubmits.map((r) => r.detail.steps!.filter((s) => s.status === 'Completed' && s.reusedFrom).length);
    const resubmitWall = median(resubmits.map((r) => r.wall));
    const sweepWall = median(sweeps.map((r) => r.wall));
    const sweepCompleted = sweeps.map((r) => r.detail.sweep!.trials.filter((t) => t.status === 'Completed').length);
    const overhead = median(sweeps.map(sweepOverhead));
    const trialRun = median(sweeps.flatMap((r) => r.detail.sweep!.trials.map((t) => Date.parse(t.endedAt!) - Date.parse(t.startedAt!))));
    const trialSlot = median(sweeps.flatMap((r) => phase(r, 'Queued', [...TERMINAL])));
    const terminations = bandits.map(earlyTermination);
    const terminationLatency = median(terminations.map((e) => e.latency));
    const pass = (ok: boolean) => (ok ? 'pass' : 'MISS');
    const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
    printTable('mlw bench:pipelines', runs, [
      ['measure', 'result', 'target', 'verdict'],
      [`bare: ${FAN_STEPS} \`docker run --rm busybox true\` in fan-out order, ${CAPACITY} at a time`, `${(bareWall / 1000).toFixed(2)} s (${ms(bareWall / FAN_STEPS)} a step)`, '(baseline)', ''],
      [`${FAN_STEPS}-step fan-out/fan-in pipeline, cluster max_instances ${CAPACITY}: submit → Completed`, `${(oursWall / 1000).toFixed(2)} s (${ms(oursWall / FAN_STEPS)} a step, ${ratio(oursWall, bareWall)})`, '≤ 1.3×', pass(ranAll && oursWall / bareWall <= 1.3)],
      ['one step: Preparing → Completed, against one bare `docker run` among 4', `${ms(oursStep)} against ${ms(bareStep)} (${ratio(oursStep, bareStep)})`, '≤ 1.3×', pass(oursStep / bareStep <= 1.3)],
      ['… of which Preparing / Running / Finalizing', `${ms(preparing!)} / ${ms(running!)} / ${ms(finalizing!)}`, '—', ''],
      ['a step\'s last input ready → the step Queued', ms(latency), '—', ''],
      ['most steps holding an instance at once (Preparing → end)', held.join(', '), `${CAPACITY}, never more`, pass(held.every((n) => n === CAPACITY))],
      ['most steps Running at once (from step start/end times)', overlap.join(', '), `up to ${CAPACITY}, never more`, pass(overlap.every((n) => n <= CAPACITY) && Math.max(...overlap) === CAPACITY)],
      [`${CHAIN_STEPS}-step chain re-submitted unchanged: steps reused`, `${reused.join(', ')} of ${CHAIN_STEPS} (first run ${(first.wall / 1000).toFixed(2)} s)`, 'all', pass(reused.every((n) => n === CHAIN_STEPS))],
      ['… submit → Completed, from the client', ms(resubmitWall), '< 1 s', pass(resubmitWall < 1000)],
      [`sweep, ${TRIALS} trials of \`true\`, max_concurrent_trials ${CONCURRENT_TRIALS}, \`type: local\` compute`, `${sweepCompleted.join(', ')} Completed in ${(sweepWall / 1000).toFixed(2)} s`, 'all', pass(sweepCompleted.every((n) => n === TRIALS))],
      ['… scheduler overhead per trial: (8 × wall − Σ trial process time) / trials', `${ms(overhead)} (a trial's process: ${ms(trialRun)}, Queued → Completed: ${ms(trialSlot)})`, '< 20 ms', pass(overhead < 20)],
      [`early termination (bandit, evaluation_interval 1, a report every ${REPORT_EVERY_S} s): losing report → Canceled`, `${ms(terminationLatency)}; reports made: ${terminations.map((e) => e.reports).join(', ')}`, `< ${REPORT_EVERY_S * 1000} ms, 1 report`, pass(terminations.every((e) => e.canceled && e.reports === 1 && e.latency < REPORT_EVERY_S * 1000))],
    ]);
  } finally {
    daemon.client.close();
    await daemon.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

void main();
