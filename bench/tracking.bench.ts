// npm run bench:tracking — mlw serve's tracking API against the real `mlflow server` 2.12.2, side by side in one run,
// with ../shared/scripts/mlflow/bench_tracking.py as the load generator (medians of --rounds, default 5):
//   1. log-batch ingest, 4 client processes × 1,000 points, every acknowledged point read back: ≥ 10× and ≥ 100k/s
//   2. one point per request, 4 clients: ≥ 10× the real server's requests/s
//   3. metrics/get-history of 100k points: ≤ 200 ms (≥ 30× faster)
//   4. metric logged → received by a job-stream subscriber: p95 ≤ 50 ms (mlw only)
//   5. daemon memory through a 10M-point run into a job's run: flat within ± 50 MB (mlw only)
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ApiClient } from '../core/api/client';
import { readServeInfo } from '../core/api/connect';
import type { ServeInfo } from '../core/api/contracts';
import type { JobEvent } from '../core/vocabulary';
import { MLFLOW_PYTHON, SHARED_MLFLOW_SCRIPTS } from '../test/support/mlflow';
import { freePort } from '../test/support/mlflow-server';

const run = promisify(execFile);
const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const rounds = arg('rounds', 5);
const seconds = arg('seconds', 5);
const memoryPoints = arg('memory-points', 10_000_000);
const repo = path.resolve(__dirname, '..');

interface BenchSummary {
  median_points_per_s: number;
  rounds: { requests: number; wall_s: number; errors: number }[];
  history: { median_s: number; points_returned: number } | null;
  verify: { acknowledged: number; stored: number } | null;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))]!;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function loadGenerator(url: string, token: string | undefined, extra: string[]): Promise<BenchSummary> {
  const out = path.join(os.tmpdir(), `mlw-bench-${process.pid}-${Date.now()}.json`);
  const args = [path.join(SHARED_MLFLOW_SCRIPTS, 'bench_tracking.py'), url, '--rounds', String(rounds), '--seconds', String(seconds), '--json', out, ...(token ? ['--token', token] : []), ...extra];
  const result = await run(MLFLOW_PYTHON, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, timeout: 30 * 60_000 }).catch((error: { stdout?: string; stderr?: string }) => {
    throw new Error(`bench_tracking.py failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  });
  process.stderr.write(result.stdout.replace(/^/gm, '    '));
  const summary = JSON.parse(fs.readFileSync(out, 'utf8')) as BenchSummary;
  fs.rmSync(out, { force: true });
  return summary;
}

async function startReference(): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-ref-bench-'));
  const port = await freePort();
  const { stdout } = await run('bash', [path.join(SHARED_MLFLOW_SCRIPTS, 'serve-mlflow.sh'), String(port), dir], { encoding: 'utf8', timeout: 180_000 });
  const pid = stdout.trim().split('\n').pop()!;
  return { url: `http://127.0.0.1:${port}`, stop: async () => void (await run('bash', [path.join(SHARED_MLFLOW_SCRIPTS, 'stop-mlflow.sh'), pid]).catch(() => undefined), fs.rmSync(dir, { recursive: true, force: true })) };
}

async function startMlw(): Promise<{ root: string; info: ServeInfo; child: ChildProcess; client: ApiClient; stop: () => void }> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlw-bench-tracking-'));
  fs.mkdirSync(path.join(root, '.mlw'));
  const child = spawn(process.execPath, [path.join(repo, 'out/daemon.js'), '--workspace', root, '--idle-timeout', '0'], { stdio: 'ignore' });
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    const info = readServeInfo(root);
    if (info && info.pid === child.pid) {
      const client = new ApiClient(info.port, info.token);
      return { root, info, child, client, stop: () => (client.close(), child.kill('SIGTERM'), fs.rmSync(root, { recursive: true, force: true })) };
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

function post(agent: http.Agent, info: ServeInfo, route: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port: info.port, method: 'POST', path: `/api/2.0/mlflow/${route}`, agent, headers: { authorization: `Bearer ${info.token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** A job that stays Running while we log into its run; its stream is what subscribers follow. */
async function runningJob(mlw: Awaited<ReturnType<typeof startMlw>>): Promise<string> {
  fs.writeFileSync(path.join(mlw.root, 'job.yml'), '$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json\ntype: command\nexperiment_name: bench-stream\ncommand: sleep 600\nenvironment:\n  image: localtest/python:3-bookworm\ncompute: azureml:local\n');
  const { job } = await mlw.client.jobs.submit({ path: path.join(mlw.root, 'job.yml') });
  for (let delay = 5; (await mlw.client.jobs.get(job.name)).status !== 'Running'; delay = Math.min(delay * 2, 100)) await new Promise((r) => setTimeout(r, delay));
  return job.name;
}

async function streamLatency(mlw: Awaited<ReturnType<typeof startMlw>>, job: string, points = 300): Promise<{ p50: number; p95: number }> {
  const sent = new Map<number, number>();
  const latencies: number[] = [];
  const abort = new AbortController();
  let received: () => void = () => {};
  const following = mlw.client.jobs.events(job, (event: JobEvent) => {
    if (event.type !== 'metric' || event.key !== 'latency') return;
    const start = sent.get(event.step);
    if (start !== undefined) latencies.push(performance.now() - start);
    received();
  }, { signal: abort.signal });
  const agent = new http.Agent({ keepAlive: true });
  for (let step = 0; step < points; step++) {
    const arrived = new Promise<void>((resolve) => (received = resolve));
    sent.set(step, performance.now());
    const status = await post(agent, mlw.info, 'runs/log-metric', JSON.stringify({ run_id: job, key: 'latency', value: step, timestamp: Date.now(), step }));
    if (status !== 200) throw new Error(`log-metric answered ${status}`);
    await arrived;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  abort.abort();
  await following.catch(() => undefined);
  agent.destroy();
  return { p50: percentile(latencies, 0.5), p95: percentile(latencies, 0.95) };
}

async function cancelJobs(mlw: Awaited<ReturnType<typeof startMlw>>): Promise<void> {
  for (const job of await mlw.client.jobs.list()) await mlw.client.jobs.cancel(job.name);
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) / 1024;
}

async function memoryRun(mlw: Awaited<ReturnType<typeof startMlw>>, job: string): Promise<{ points: number; seconds: number; baseline: number; min: number; max: number; end: number }> {
  const batch = 1000;
  const clients = 4;
  const perClient = Math.ceil(memoryPoints / batch / clients);
  const samples: number[] = [];
  let baseline = rssMb(mlw.child.pid!);
  let done = 0;
  const sampler = setInterval(() => {
    const rss = rssMb(mlw.child.pid!);
    if (done >= memoryPoints * 0.1) samples.push(rss);
    else baseline = rss;
  }, 250);
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, async (_, client) => {
    const agent = new http.Agent({ keepAlive: true });
    for (let request = 0; request < perClient; request++) {
      const first = request * batch;
      const metrics = Array.from({ length: batch }, (_, i) => `{"key":"mem_c${client}","value":${Math.random()},"timestamp":${Date.now()},"step":${first + i}}`).join(',');
      const status = await post(agent, mlw.info, 'runs/log-batch', `{"run_id":"${job}","metrics":[${metrics}]}`);
      if (status !== 200) throw new Error(`log-batch answered ${status}`);
      done += batch;
    }
    agent.destroy();
  }));
  clearInterval(sampler);
  const end = rssMb(mlw.child.pid!);
  return { points: done, seconds: (performance.now() - started) / 1000, baseline, min: Math.min(...samples, end), max: Math.max(...samples, end), end };
}

async function main(): Promise<void> {
  const lines: string[] = [];
  const say = (line: string) => (lines.push(line), process.stdout.write(line + '\n'));
  say(`# npm run bench:tracking  ${new Date().toISOString()}  ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}; ${rounds} rounds × ${seconds} s per measure (medians)`);
  const reference = await startReference();
  const mlw = await startMlw();
  try {
    process.stderr.write('real mlflow server (4 gunicorn workers, sqlite): log-batch 4 × 1000\n');
    const refBatch = await loadGenerator(reference.url, undefined, ['--verify']);
    process.stderr.write('mlw serve: log-batch 4 × 1000\n');
    const ourBatch = await loadGenerator(`http://127.0.0.1:${mlw.info.port}`, mlw.info.token, ['--verify']);
    process.stderr.write('real mlflow server: one point per request\n');
    const refSingle = await loadGenerator(reference.url, undefined, ['--batch', '1', '--history-points', '0']);
    process.stderr.write('mlw serve: one point per request\n');
    const ourSingle = await loadGenerator(`http://127.0.0.1:${mlw.info.port}`, mlw.info.token, ['--batch', '1', '--history-points', '0']);
    const requestsPerSecond = (summary: BenchSummary) => median(summary.rounds.map((r) => r.requests / r.wall_s));
    process.stderr.write('mlw serve: stream latency and memory\n');
    const job = await runningJob(mlw);
    const latency = await streamLatency(mlw, job);
    const memory = await memoryRun(mlw, job);

    const row = (cells: string[]) => say(cells.map((c, i) => (i === 0 ? c.padEnd(44) : c.padStart(14))).join('  '));
    const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}×`;
    say('');
    row(['measure', 'mlflow server', 'mlw serve', 'ratio', 'target']);
    row(['log-batch 4 clients × 1,000 points (pts/s)', fmt(refBatch.median_points_per_s), fmt(ourBatch.median_points_per_s), ratio(ourBatch.median_points_per_s, refBatch.median_points_per_s), '≥ 10×, ≥ 100k']);
    row(['  acknowledged = read back (--verify)', `${refBatch.verify?.acknowledged === refBatch.verify?.stored}`, `${ourBatch.verify?.acknowledged === ourBatch.verify?.stored}`, '', 'true']);
    row(['one point per request, 4 clients (req/s)', fmt(requestsPerSecond(refSingle)), fmt(requestsPerSecond(ourSingle)), ratio(requestsPerSecond(ourSingle), requestsPerSecond(refSingle)), '≥ 10×']);
    const refHistory = refBatch.history!.median_s * 1000;
    const ourHistory = ourBatch.history!.median_s * 1000;
    row(['get-history of 100k points (ms)', refHistory.toFixed(0), ourHistory.toFixed(0), ratio(refHistory, ourHistory), '≤ 200 ms, ≥ 30×']);
    row(['metric → stream subscriber p50 / p95 (ms)', '-', `${latency.p50.toFixed(1)} / ${latency.p95.toFixed(1)}`, '', 'p95 ≤ 50 ms']);
    row([`daemon RSS through ${fmt(memory.points)} points (MB)`, '-', `${memory.min.toFixed(0)}–${memory.max.toFixed(0)}`, `Δ ${(memory.max - memory.min).toFixed(0)} MB`, '± 50 MB']);
    say(`  (${fmt(memory.points)} points into a running job's run in ${memory.seconds.toFixed(1)} s = ${fmt(memory.points / memory.seconds)} pts/s; RSS ${memory.baseline.toFixed(0)} MB before the first 10%, range sampled after it, ${memory.end.toFixed(0)} MB at the end)`);
    const results = path.join(repo, 'bench/results', `${new Date().toISOString().slice(0, 10)}-tracking.txt`);
    fs.mkdirSync(path.dirname(results), { recursive: true });
    fs.writeFileSync(results, lines.join('\n') + '\n');
    process.stdout.write(`written to ${path.relative(repo, results)}\n`);
  } finally {
    await cancelJobs(mlw).catch(() => undefined);
    mlw.stop();
    await reference.stop();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exitCode = 1;
});
