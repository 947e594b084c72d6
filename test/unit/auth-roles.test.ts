import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { test } from 'node:test';
import { ApiClient, ApiError } from '../../core/api/client';
import { createApi } from '../../core/api/server';
import { RunTokens } from '../../core/auth/run-tokens';
import { allows, ROLES, type CallerRole } from '../../core/auth/roles';
import { requirementOf, ROUTE_TABLE } from '../../core/auth/route-table';
import { startPlane, workspace } from '../support/control-plane';

interface Answer {
  status: number;
  message: string;
}

/** One request; a 2xx answer is not read (event streams never end), a refusal's message is. */
function call(port: number, method: string, url: string, token: string | undefined): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = method === 'GET' || method === 'DELETE' ? undefined : '{}';
    const headers: http.OutgoingHttpHeaders = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) };
    const request = http.request({ host: '127.0.0.1', port, method, path: url, headers, agent: false }, (response) => {
      const status = response.statusCode ?? 0;
      if (status < 400) {
        response.destroy();
        return resolve({ status, message: '' });
      }
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status, message: String((JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { message?: unknown }).message ?? '') }));
    });
    request.on('error', (error) => reject(new Error(`${method} ${url}: ${error.message}`)));
    request.end(body);
  });
}

/** A concrete path of a route pattern; `kind` picks the asset kind of `/api/assets/:kind…`. */
function concrete(pattern: string, kind: string): string {
  return pattern.replace(':kind', kind).replace(/:\w+/g, 'nothing').replace('*', 'none.txt');
}

test('every route × every role: no token gets 401, a role gets nothing beyond its rights and everything within them', async (t) => {
  const root = await workspace(t);
  const plane = await startPlane(t, root);
  const { port, token: ownerToken } = plane.daemon.info;
  const tokens: Record<CallerRole, string> = {
    owner: ownerToken,
    'data-scientist': (await plane.client.tokens.create('ds', 'data-scientist')).token,
    reader: (await plane.client.tokens.create('ro', 'reader')).token,
    run: new RunTokens(path.join(root, '.mlw', 'tracking.key')).issue('some-run'),
  };
  let checked = 0;
  for (const [route, permission] of ROUTE_TABLE) {
    const [method, pattern] = route.split(' ') as [string, string];
    assert.ok(plane.daemon.app.hasRoute({ method: method as 'GET', url: pattern }), `${route} is declared but not served`);
    for (const kind of pattern.includes(':kind') ? ['compute', 'datastore', 'data', 'model'] : ['']) {
      const url = concrete(pattern, kind);
      const requirement = requirementOf(permission, { kind });
      assert.equal((await call(port, method, url, undefined)).status, 401, `${method} ${url} without a token`);
      assert.equal((await call(port, method, url, 'mlwtok_wrong')).status, 401, `${method} ${url} with a wrong token`);
      for (const role of [...ROLES, 'run'] as const) {
        // Stopping the daemon is the owner's right; exercising it would end this test.
        if (route === 'POST /api/shutdown' && role === 'owner') continue;
        const answer = await call(port, method, url, tokens[role]);
        const where = `${method} ${url} as ${role}: ${answer.status} ${answer.message}`;
        if (role === 'run') {
          if (!permission.runToken) assert.equal(answer.status, 401, where);
          else assert.notEqual(answer.status, 401, where);
        } else if (allows(role, requirement.need)) {
          assert.ok(answer.status !== 401 && answer.status !== 403, where);
        } else {
          assert.equal(answer.status, 403, where);
          assert.match(answer.message, new RegExp(`cannot ${requirement.action.replace(/[()]/g, '\\$&')}; ask an administrator`), where);
        }
        checked++;
      }
    }
  }
  assert.ok(checked > 300, `only ${checked} calls checked`);

  const refused = await call(port, 'POST', '/api/assets/compute', tokens['data-scientist']);
  assert.deepEqual(refused, { status: 403, message: 'data scientists cannot create compute; ask an administrator' });
  const unknown = await call(port, 'GET', '/api/nothing-here', undefined);
  assert.equal(unknown.status, 401, 'an unknown path still needs a token');
  assert.equal((await call(port, 'GET', '/api/nothing-here', tokens.reader)).status, 404);
});

test('a route nobody declared is refused when it is registered', async (t) => {
  const root = await workspace(t);
  const plane = await startPlane(t, root);
  const undeclared = (app: import('fastify').FastifyInstance) => void app.get('/api/undeclared', async () => ({}));
  assert.throws(() => createApi(plane.daemon.plane, { token: 'x', version: 'test', plugins: [undeclared] }), /GET \/api\/undeclared declares no permission/);
});

test('named tokens: created once with their secret, listed without it, stored hashed, refused once revoked', async (t) => {
  const root = await workspace(t);
  const plane = await startPlane(t, root);
  const created = await plane.client.tokens.create('alice', 'data-scientist');
  assert.match(created.token, /^mlwtok_[\w-]{43}$/);
  const listed = await plane.client.tokens.list();
  assert.deepEqual(listed, [{ name: 'alice', role: 'data-scientist', createdAt: created.createdAt }]);
  assert.ok(!JSON.stringify(listed).includes(created.token));
  for (const file of fs.readdirSync(path.join(root, '.mlw')).filter((name) => name.startsWith('mlw.db') && fs.statSync(path.join(root, '.mlw', name)).isFile())) {
    assert.ok(!fs.readFileSync(path.join(root, '.mlw', file)).includes(created.token), `${file} holds the token in clear`);
  }

  const alice = new ApiClient(plane.daemon.info.port, created.token);
  t.after(() => alice.close());
  assert.deepEqual(await alice.whoami(), { role: 'data-scientist', name: 'alice' });
  assert.deepEqual(await plane.client.whoami(), { role: 'owner' });
  const denied = await alice.tokens.list().catch((error: unknown) => error);
  assert.ok(denied instanceof ApiError && denied.status === 403 && denied.message === 'data scientists cannot list tokens; ask an administrator', String(denied));

  const duplicate = await plane.client.tokens.create('alice', 'reader').catch((error: unknown) => error);
  assert.ok(duplicate instanceof ApiError && duplicate.status === 409, String(duplicate));
  const badRole = await plane.client.tokens.create('bob', 'admin' as 'owner').catch((error: unknown) => error);
  assert.ok(badRole instanceof ApiError && badRole.status === 400, String(badRole));

  await plane.client.tokens.revoke('alice');
  const revoked = await alice.whoami().catch((error: unknown) => error);
  assert.ok(revoked instanceof ApiError && revoked.status === 401, String(revoked));
  const missing = await plane.client.tokens.revoke('alice').catch((error: unknown) => error);
  assert.ok(missing instanceof ApiError && missing.status === 404, String(missing));
  assert.deepEqual(await plane.client.tokens.list(), []);
});
