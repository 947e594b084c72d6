// npm run bench:endpoints — three measures of online endpoints, each with its target:
// 1. what the endpoint router adds to an invoke: the same scoring container of bench/fixtures/linear-endpoint (a tiny linear model) asked through the
//    endpoint's scoring URI (key check, traffic pick, proxy) and directly on its published loopback port, sequential
//    requests over one kept-alive connection each. Targets: p50 overhead ≤ 2 ms, p99 through the router ≤ 1.2× direct.
// 2. sustained throughput of a deployment with `max_concurrent_requests_per_instance: 4`, 2 instances vs 1: a
//    scoring script that sleeps 100 ms per request (so the machine's 2 cores are not what limits it), 8 clients
//    sending back to back for --seconds (default 5). Target ≥ 1.8×.
// 3. an MLflow model (scikit-learn) served by mlw's no-code path (through the router, MLW_MLFLOW_SERVING_IMAGE, by
//    default localtest/mlflow-client:2.12.2) vs `mlflow models serve` of the same model folder (the real MLflow
//    2.12.2 on the host: PYTHONPATH=/opt/mlflow-src /usr/bin/python3), the same body, a new connection per request
//    as gunicorn closes each. Target: p50 ≤ 1.1× MLflow's.
// Medians of --rounds (default 5) alternating rounds; --requests (default 1,000) per round for 1., a half of that for 3.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { ApiClient } from '../core/api/client';
import { argument, median, printTable, repo, startDaemon } from './harness';

const rounds = argument('rounds', 5);
const requests = argument('requests', 1_000);
const seconds = argument('seconds', 5);
const MLFLOW_PYTHON = '/usr/bin/python3';
const MLFLOW_SRC = process.env.MLFLOW_SRC ?? '/opt/mlflow-src';
process.env.MLW_MLFLOW_SERVING_IMAGE ??= 'localtest/mlflow-client:2.12.2';

const DEPLOYMENT_SCHEMA = '$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json';
const SLEEPY_SCORE = 'import time\ndef init():\n    pass\ndef run(raw_data):\n    time.sleep(0.1)\n    return {"slept_ms": 100}\n';
const SAVE_MLFLOW_MODEL = `
import sys
import mlflow.sklearn
import pandas as pd
from sklearn.linear_model import LinearRegression
frame = pd.DataFrame({"a": [0, 1, 2, 3], "b": [0, 1, 1, 2]})
mlflow.sklearn.save_model(LinearRegression().fit(frame, [0, 2, 3, 5]), sys.argv[1])
`;
const MLFLOW_BODY = JSON.stringify({ dataframe_split: { columns: ['a', 'b'], data: [[3, 3], [5, 4], [1, 0]] } });

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** One POST /score; resolves on a 200, rejects otherwise. */
function post(port: number, agent: http.Agent | false, headers: Record<string, string>, body: string, route = '/score'): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, method: 'POST', path: route, agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => (response.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${response.statusCode} from port ${port}: ${Buffer.concat(chunks).toString().slice(0, 300)}`))));
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** Per-request milliseconds of `count` sequential requests, after 20 to warm up; `keepAlive` reuses one connection. */
async function timings(port: number, headers: Record<string, string>, body: string, count: number, keepAlive = true, route = '/score'): Promise<number[]> {
  const agent = keepAlive ? new http.Agent({ keepAlive: true, maxSockets: 1 }) : false;
  for (let i = 0; i < 20; i++) await post(port, agent, headers, body, route);
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = process.hrtime.bigint();
    await post(port, agent, headers, body, route);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  if (agent) agent.destroy();
  return times;
}

/** Requests per second that `clients` kept-alive clients, each sending back to back, get answered over `seconds`. */
async function throughput(port: number, headers: Record<string, string>, clients: number): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const until = Date.now() + seconds * 1000;
  let answered = 0;
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: clients }, async () => {
    while (Date.now() < until) {
      await post(port, agent, headers, '{}');
      answered++;
    }
  }));
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  return answered / elapsed;
}

async function deployed(client: ApiClient, endpoint: string, name: string) {
  let deployment = await client.onlineDeployments.get(endpoint, name);
  for (let delay = 50; deployment.provisioning_state === 'Creating'; delay = Math.min(delay * 2, 500)) {
    await new Promise((resolve) => setTimeout(resolve, delay));
    deployment = await client.onlineDeployments.get(endpoint, name);
  }
  if (deployment.provisioning_state !== 'Succeeded') throw new Error(`deployment ${name} is ${deployment.provisioning_state}: ${deployment.reason}`);
  return deployment;
}

const f = (value: number) => `${value.toFixed(2)} ms`;

async function routerOverhead(client: ApiClient, root: string): Promise<void> {
  await client.assets.register('model', { path: path.join(root, 'model.yml') });
  const endpoint = await client.onlineEndpoints.create({ path: path.join(root, 'endpoint.yml') });
  await client.onlineDeployments.create({ path: path.join(root, 'blue.yml'), all_traffic: true });
  const deployment = await deployed(client, 'iris-endpoint', 'blue');
  const { primaryKey } = await client.onlineEndpoints.credentials('iris-endpoint');
  const body = fs.readFileSync(path.join(root, 'sample-request.json'), 'utf8');
  const routerPort = Number(new URL(endpoint.scoring_uri).port);
  const directPort = deployment.instances[0]!.port;
  // What any Node HTTP hop costs here: a bare proxy (no key, no traffic pick) to the same published port.
  const bare = await bareProxy('127.0.0.1', directPort);
  const results = { router: { p50: [] as number[], p99: [] as number[] }, direct: { p50: [] as number[], p99: [] as number[] }, bare: { p50: [] as number[], p99: [] as number[] } };
  for (let round = 0; round < rounds; round++) {
    for (const [which, port, headers] of [['direct', directPort, {}], ['bare', bare.port, {}], ['router', routerPort, { authorization: `Bearer ${primaryKey}` }]] as const) {
      const times = await timings(port, headers, body, requests);
      results[which].p50.push(percentile(times, 50));
      results[which].p99.push(percentile(times, 99));
    }
  }
  bare.stop();
  const [routerP50, directP50, routerP99, directP99] = [median(results.router.p50), median(results.direct.p50), median(results.router.p99), median(results.direct.p99)];
  const [bareP50, bareP99] = [median(results.bare.p50), median(results.bare.p99)];
  printTable(`Endpoint router vs the scoring container directly, ${requests} requests per round`, rounds, [
    ['measure', 'direct', 'through a bare Node proxy', 'through the router', 'result', 'target'],
    ['p50', f(directP50), f(bareP50), f(routerP50), `+${f(routerP50 - directP50)}`, '≤ +2 ms'],
    ['p99', f(directP99), f(bareP99), f(routerP99), `${(routerP99 / directP99).toFixed(2)}× (bare proxy ${(bareP99 / directP99).toFixed(2)}×)`, '≤ 1.2×'],
  ]);
  await client.onlineEndpoints.delete('iris-endpoint');
}

async function instancesThroughput(client: ApiClient, root: string): Promise<void> {
  fs.mkdirSync(path.join(root, 'sleepy'));
  fs.writeFileSync(path.join(root, 'sleepy/score.py'), SLEEPY_SCORE);
  fs.writeFileSync(path.join(root, 'sleepy-endpoint.yml'), 'name: sleepy-ep\nauth_mode: key\n$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json\n');
  for (const [name, instances] of [['one', 1], ['two', 2]] as const) {
    fs.writeFileSync(path.join(root, `sleepy-${name}.yml`), `${DEPLOYMENT_SCHEMA}
name: ${name}
endpoint_name: sleepy-ep
code_configuration:
  code: sleepy
  scoring_script: score.py
environment:
  image: localtest/python:3-bookworm
instance_type: Standard_DS3_v2
instance_count: ${instances}
request_settings:
  max_concurrent_requests_per_instance: 4
  max_queue_wait_ms: 2000
`);
  }
  const endpoint = await client.onlineEndpoints.create({ path: path.join(root, 'sleepy-endpoint.yml') });
  await client.onlineDeployments.create({ path: path.join(root, 'sleepy-one.yml'), all_traffic: true });
  await client.onlineDeployments.create({ path: path.join(root, 'sleepy-two.yml') });
  await Promise.all([deployed(client, 'sleepy-ep', 'one'), deployed(client, 'sleepy-ep', 'two')]);
  const { primaryKey } = await client.onlineEndpoints.credentials('sleepy-ep');
  const port = Number(new URL(endpoint.scoring_uri).port);
  const clients = 8;
  const perSecond = { one: [] as number[], two: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    for (const name of ['one', 'two'] as const) perSecond[name].push(await throughput(port, { authorization: `Bearer ${primaryKey}`, 'azureml-model-deployment': name }, clients));
  }
  const [one, two] = [median(perSecond.one), median(perSecond.two)];
  printTable(`Sustained throughput, max_concurrent_requests_per_instance: 4, run() sleeps 100 ms, ${clients} clients for ${seconds} s per round`, rounds, [
    ['measure', '1 instance', '2 instances', 'result', 'target'],
    ['requests/s', one.toFixed(1), two.toFixed(1), `${(two / one).toFixed(2)}×`, '≥ 1.8×'],
  ]);
  await client.onlineEndpoints.delete('sleepy-ep');
}

/** `mlflow models serve` of `model` on a free loopback port; resolves once it answers /ping. */
async function mlflowModelsServe(model: string): Promise<{ port: number; stop: () => void }> {
  const port = await freePort();
  const child = spawn(MLFLOW_PYTHON, ['-m', 'mlflow', 'models', 'serve', '-m', model, '--env-manager', 'local', '-h', '127.0.0.1', '-p', String(port)], { env: { ...process.env, PYTHONPATH: MLFLOW_SRC }, stdio: 'ignore', detached: true });
  const stop = () => {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  const deadline = Date.now() + 60_000;
  for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
    if (child.exitCode !== null) throw new Error(`mlflow models serve exited with ${child.exitCode}`);
    const up = await new Promise<boolean>((resolve) => http.get({ host: '127.0.0.1', port, path: '/ping' }, (r) => (r.resume(), resolve(r.statusCode === 200))).on('error', () => resolve(false)));
    if (up) return { port, stop };
    if (Date.now() > deadline) {
      stop();
      throw new Error('mlflow models serve did not answer /ping within 60 s');
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = http.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function mlflowNoCode(client: ApiClient, root: string): Promise<void> {
  const model = path.join(root, 'mlflow-model');
  execFileSync(MLFLOW_PYTHON, ['-c', SAVE_MLFLOW_MODEL, model], { env: { ...process.env, PYTHONPATH: MLFLOW_SRC }, stdio: ['ignore', 'ignore', 'inherit'] });
  fs.writeFileSync(path.join(root, 'mlflow-model.yml'), '$schema: https://azuremlschemas.azureedge.net/latest/model.schema.json\nname: line\nversion: "1"\ntype: mlflow_model\npath: mlflow-model\n');
  fs.writeFileSync(path.join(root, 'mlflow-endpoint.yml'), '$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json\nname: mlflow-ep\nauth_mode: key\n');
  fs.writeFileSync(path.join(root, 'mlflow-deployment.yml'), `${DEPLOYMENT_SCHEMA}\nname: mlflow\nendpoint_name: mlflow-ep\nmodel: azureml:line:1\ninstance_type: Standard_DS3_v2\ninstance_count: 1\n`);
  await client.assets.register('model', { path: path.join(root, 'mlflow-model.yml') });
  const endpoint = await client.onlineEndpoints.create({ path: path.join(root, 'mlflow-endpoint.yml') });
  await client.onlineDeployments.create({ path: path.join(root, 'mlflow-deployment.yml'), all_traffic: true });
  await deployed(client, 'mlflow-ep', 'mlflow');
  const { primaryKey } = await client.onlineEndpoints.credentials('mlflow-ep');
  const mlwPort = Number(new URL(endpoint.scoring_uri).port);
  const reference = await mlflowModelsServe(model);
  const count = Math.max(1, Math.round(requests / 2));
  const results = { mlw: { p50: [] as number[], p99: [] as number[] }, mlflow: { p50: [] as number[], p99: [] as number[] } };
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [which, port, headers, route] of [['mlflow', reference.port, {}, '/invocations'], ['mlw', mlwPort, { authorization: `Bearer ${primaryKey}` }, '/score']] as const) {
        const times = await timings(port, headers, MLFLOW_BODY, count, false, route);
        results[which].p50.push(percentile(times, 50));
        results[which].p99.push(percentile(times, 99));
      }
    }
  } finally {
    reference.stop();
  }
  const [mlwP50, mlflowP50, mlwP99, mlflowP99] = [median(results.mlw.p50), median(results.mlflow.p50), median(results.mlw.p99), median(results.mlflow.p99)];
  printTable(`MLflow model (scikit-learn), mlw's no-code deployment vs mlflow models serve 2.12.2, ${count} requests per round`, rounds, [
    ['measure', 'mlflow models serve', 'mlw no-code', 'result', 'target'],
    ['p50', f(mlflowP50), f(mlwP50), `${(mlwP50 / mlflowP50).toFixed(2)}×`, '≤ 1.1×'],
    ['p99', f(mlflowP99), f(mlwP99), `${(mlwP99 / mlflowP99).toFixed(2)}×`, ''],
  ]);
  await client.onlineEndpoints.delete('mlflow-ep');
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlw-bench-endpoints-'));
  fs.cpSync(path.join(repo, 'bench/fixtures/linear-endpoint'), root, { recursive: true });
  fs.mkdirSync(path.join(root, '.mlw'));
  const daemon = await startDaemon(root);
  const { client } = daemon;
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  try {
    if (!only || only === 'router') await routerOverhead(client, root);
    if (!only || only === 'throughput') await instancesThroughput(client, root);
    if (!only || only === 'mlflow') await mlflowNoCode(client, root);
  } finally {
    // endpoints outlive their daemon by design: a failed measure must not leave its containers running
    for (const endpoint of await client.onlineEndpoints.list().catch(() => [])) await client.onlineEndpoints.delete(endpoint.name).catch(() => undefined);
    client.close();
    await daemon.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

void main().catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});

/** The least a Node HTTP hop does, in a process of its own as the router is: pass each request to one upstream over
 * kept-alive connections, and the answer back. */
const BARE_PROXY_JS = `
const http = require('node:http');
const [host, port] = process.argv.slice(1);
const agent = new http.Agent({ keepAlive: true });
const server = http.createServer((request, response) => {
  const upstream = http.request({ host, port: Number(port), method: request.method, path: request.url, headers: request.headers, agent }, (answer) => {
    response.writeHead(answer.statusCode || 502, answer.headers);
    answer.pipe(response);
  });
  upstream.on('error', () => response.destroy());
  request.pipe(upstream);
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

async function bareProxy(host: string, port: number): Promise<{ stop: () => void; port: number }> {
  const child = spawn(process.execPath, ['-e', BARE_PROXY_JS, host, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const listening = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', (code) => reject(new Error(`the bare proxy exited with ${code}`)));
  });
  return { stop: () => child.kill(), port: listening };
}
