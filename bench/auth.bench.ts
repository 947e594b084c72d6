// npm run bench:auth — what the role check (core/auth/guard.ts) adds to a request: the same Fastify routes served
// with the guard and without any check, sequential requests over one kept-alive loopback connection, alternating
// rounds. Target: < 0.1 ms added per request. Per round the median request; medians of --rounds (default 7) rounds of
// --requests (default 5,000) requests.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { useGuard } from '../core/auth/guard';
import { ApiTokens } from '../core/auth/tokens';
import { Store } from '../core/store/database';
import { argument, median, printTable } from './harness';

const rounds = argument('rounds', 7);
const requests = argument('requests', 5_000);

function app(guard: { ownerToken: string; tokens: ApiTokens } | undefined): FastifyInstance {
  const server = Fastify({ logger: false, forceCloseConnections: true });
  if (guard) useGuard(server, guard);
  server.get('/api/health', async () => ({ ok: true }));
  server.post<{ Params: { kind: string } }>('/api/assets/:kind', async (request) => ({ kind: request.params.kind }));
  return server;
}

interface Case {
  label: string;
  method: 'GET' | 'POST';
  url: string;
  token: string;
  status: number;
}

/** The median microseconds of a request, over `requests` sequential requests on one kept-alive connection. */
async function perRequest(server: FastifyInstance, which: Case): Promise<number> {
  const port = (server.server.address() as AddressInfo).port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const payload = which.method === 'POST' ? '{}' : undefined;
  const headers = { authorization: `Bearer ${which.token}`, ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}) };
  const send = () =>
    new Promise<void>((resolve, reject) => {
      const request = http.request({ host: '127.0.0.1', port, method: which.method, path: which.url, headers, agent }, (response) => {
        response.resume();
        response.on('end', () => (response.statusCode === which.status ? resolve() : reject(new Error(`${which.label}: ${response.statusCode}`))));
      });
      request.on('error', reject);
      request.end(payload);
    });
  await send();
  const times: number[] = [];
  for (let i = 0; i < requests; i++) {
    const started = process.hrtime.bigint();
    await send();
    times.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  agent.destroy();
  return median(times);
}

async function main(): Promise<void> {
  const store = Store.open(':memory:');
  const tokens = new ApiTokens(store);
  const owner = 'f'.repeat(64);
  const scientist = tokens.create('scientist', 'data-scientist').token;
  const reader = tokens.create('reader', 'reader').token;
  for (let i = 0; i < 100; i++) tokens.create(`other-${i}`, 'reader');
  const guard = { ownerToken: owner, tokens };

  const cases: Case[] = [
    { label: 'GET /api/health, owner token', method: 'GET', url: '/api/health', token: owner, status: 200 },
    { label: 'GET /api/health, named reader token', method: 'GET', url: '/api/health', token: reader, status: 200 },
    { label: 'POST /api/assets/data, data scientist', method: 'POST', url: '/api/assets/data', token: scientist, status: 200 },
  ];
  const rows = [['request', 'no check', 'with roles', 'added']];
  let worst = 0;
  for (const which of cases) {
    const without: number[] = [];
    const withGuard: number[] = [];
    for (let round = 0; round <= rounds; round++) {
      const [open, guarded] = [app(undefined), app(guard)];
      await Promise.all([open.listen({ host: '127.0.0.1', port: 0 }), guarded.listen({ host: '127.0.0.1', port: 0 })]);
      const [plain, checked] = [await perRequest(open, which), await perRequest(guarded, which)];
      // The first round warms up.
      if (round > 0) without.push(plain), withGuard.push(checked);
      await Promise.all([open.close(), guarded.close()]);
    }
    const added = median(withGuard.map((value, i) => value - without[i]!));
    worst = Math.max(worst, added);
    rows.push([which.label, `${median(without).toFixed(1)} µs`, `${median(withGuard).toFixed(1)} µs`, `${added.toFixed(1)} µs`]);
  }
  printTable(`role check per request (${requests} requests a round, 102 named tokens)`, rounds, rows);
  console.log(`worst added: ${(worst / 1000).toFixed(4)} ms per request (target < 0.1 ms): ${worst < 100 ? 'met' : 'NOT met'}`);
  store.close();
  if (worst >= 100) process.exitCode = 1;
}

void main();
