// npm run bench:auth — what the role check (core/auth/guard.ts) adds to a request: the same Fastify routes served
// with the guard and without any check, requests injected in process (no network noise), alternating rounds.
// Target: < 0.1 ms added per request. Medians of --rounds (default 7) of --requests (default 20,000) each.
import Fastify, { type FastifyInstance } from 'fastify';
import { useGuard } from '../core/auth/guard';
import { ApiTokens } from '../core/auth/tokens';
import { Store } from '../core/store/database';
import { argument, median, printTable } from './harness';

const rounds = argument('rounds', 7);
const requests = argument('requests', 20_000);

function app(guard: { ownerToken: string; tokens: ApiTokens } | undefined): FastifyInstance {
  const server = Fastify({ logger: false });
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

/** Microseconds per request, over `requests` sequential injected requests. */
async function perRequest(server: FastifyInstance, which: Case): Promise<number> {
  const headers = { authorization: `Bearer ${which.token}`, ...(which.method === 'POST' ? { 'content-type': 'application/json' } : {}) };
  const payload = which.method === 'POST' ? '{}' : undefined;
  const started = process.hrtime.bigint();
  for (let i = 0; i < requests; i++) {
    const reply = await server.inject({ method: which.method, url: which.url, headers, ...(payload ? { payload } : {}) });
    if (reply.statusCode !== which.status) throw new Error(`${which.label}: ${reply.statusCode} ${reply.body}`);
  }
  return Number(process.hrtime.bigint() - started) / 1000 / requests;
}

async function main(): Promise<void> {
  const store = Store.open(':memory:');
  const tokens = new ApiTokens(store);
  const owner = 'f'.repeat(64);
  const scientist = tokens.create('scientist', 'data-scientist').token;
  const reader = tokens.create('reader', 'reader').token;
  for (let i = 0; i < 100; i++) tokens.create(`other-${i}`, 'reader');
  const guarded = app({ ownerToken: owner, tokens });
  const open = app(undefined);
  await Promise.all([guarded.ready(), open.ready()]);

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
    await perRequest(open, which);
    await perRequest(guarded, which);
    for (let round = 0; round < rounds; round++) {
      without.push(await perRequest(open, which));
      withGuard.push(await perRequest(guarded, which));
    }
    const added = median(withGuard.map((value, i) => value - without[i]!));
    worst = Math.max(worst, added);
    rows.push([which.label, `${median(without).toFixed(1)} µs`, `${median(withGuard).toFixed(1)} µs`, `${added.toFixed(1)} µs`]);
  }
  printTable(`role check per request (${requests} requests a round, 102 named tokens)`, rounds, rows);
  console.log(`worst added: ${(worst / 1000).toFixed(4)} ms per request (target < 0.1 ms): ${worst < 100 ? 'met' : 'NOT met'}`);
  await Promise.all([guarded.close(), open.close()]);
  store.close();
  if (worst >= 100) process.exitCode = 1;
}

void main();
