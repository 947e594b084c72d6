// npm run bench:endpoints — what the endpoint router adds to an invoke: the same scoring container of
// examples/endpoints asked through the endpoint's scoring URI (key check, traffic pick, proxy) and directly on its
// published loopback port, sequential requests over one kept-alive connection each, alternating rounds.
// Targets: p50 overhead ≤ 2 ms, p99 through the router ≤ 1.2× direct. Per round p50 and p99; medians of --rounds
// (default 5) rounds of --requests (default 1,000) requests.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { argument, median, printTable, repo, startDaemon } from './harness';

const rounds = argument('rounds', 5);
const requests = argument('requests', 1_000);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Per-request milliseconds of `requests` sequential POST /score on one kept-alive connection. */
async function timings(port: number, headers: Record<string, string>, body: string): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const send = () =>
    new Promise<void>((resolve, reject) => {
      const request = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/score', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (response) => {
        response.resume();
        response.on('end', () => (response.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${response.statusCode}`))));
      });
      request.on('error', reject);
      request.end(body);
    });
  for (let i = 0; i < 20; i++) await send();
  const times: number[] = [];
  for (let i = 0; i < requests; i++) {
    const started = process.hrtime.bigint();
    await send();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  agent.destroy();
  return times;
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlw-bench-endpoints-'));
  fs.cpSync(path.join(repo, 'examples/endpoints'), root, { recursive: true });
  fs.mkdirSync(path.join(root, '.mlw'));
  const daemon = await startDaemon(root);
  const { client } = daemon;
  try {
    await client.assets.register('model', { path: path.join(root, 'model.yml') });
    const endpoint = await client.onlineEndpoints.create({ path: path.join(root, 'endpoint.yml') });
    await client.onlineDeployments.create({ path: path.join(root, 'blue.yml'), all_traffic: true });
    let deployment = await client.onlineDeployments.get('iris-endpoint', 'blue');
    for (let delay = 50; deployment.provisioning_state === 'Creating'; delay = Math.min(delay * 2, 500)) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      deployment = await client.onlineDeployments.get('iris-endpoint', 'blue');
    }
    if (deployment.provisioning_state !== 'Succeeded') throw new Error(`deployment blue is ${deployment.provisioning_state}: ${deployment.reason}`);
    const { primaryKey } = await client.onlineEndpoints.credentials('iris-endpoint');
    const body = fs.readFileSync(path.join(root, 'sample-request.json'), 'utf8');
    const routerPort = Number(new URL(endpoint.scoring_uri).port);
    const directPort = deployment.instances[0]!.port;
    const results = { router: { p50: [] as number[], p99: [] as number[] }, direct: { p50: [] as number[], p99: [] as number[] } };
    for (let round = 0; round < rounds; round++) {
      for (const [which, port, headers] of [['direct', directPort, {}], ['router', routerPort, { authorization: `Bearer ${primaryKey}` }]] as const) {
        const times = await timings(port, headers, body);
        results[which].p50.push(percentile(times, 50));
        results[which].p99.push(percentile(times, 99));
      }
    }
    const [routerP50, directP50, routerP99, directP99] = [median(results.router.p50), median(results.direct.p50), median(results.router.p99), median(results.direct.p99)];
    const f = (value: number) => `${value.toFixed(2)} ms`;
    printTable(`Endpoint router vs the scoring container directly, ${requests} requests per round`, rounds, [
      ['measure', 'direct', 'through the router', 'result', 'target'],
      ['p50', f(directP50), f(routerP50), `+${f(routerP50 - directP50)}`, '≤ +2 ms'],
      ['p99', f(directP99), f(routerP99), `${(routerP99 / directP99).toFixed(2)}×`, '≤ 1.2×'],
    ]);
    await client.onlineEndpoints.delete('iris-endpoint');
  } finally {
    client.close();
    await daemon.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

void main().catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});
