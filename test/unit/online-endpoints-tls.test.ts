import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { clientOf, remoteClient } from '../../core/api/connect';
import { invokeEndpoint, scoringHost } from '../../core/endpoints/invoke';
import { startDaemon, type RunningDaemon } from '../../daemon/start-daemon';
import type { TlsRequest } from '../../daemon/tls';
import { runSourceCli } from '../support/cli';
import { workspace } from '../support/control-plane';
import { DockerTestBed } from '../support/docker';
import { endpointWorkspace, inState, invoke, removeContainersAfter } from '../support/endpoints';
import { httpsRequest } from '../support/http';

const bed = new DockerTestBed();
after(() => bed.cleanup());

async function serve(t: TestContext, root: string, tls: TlsRequest, host?: string): Promise<RunningDaemon> {
  const daemon = await startDaemon({ root, version: 'test', tls, ...(host ? { host } : {}) });
  t.after(() => daemon.stop());
  return daemon;
}

const WRONG_FINGERPRINT = 'AB'.repeat(32);

test('an endpoint of a TLS daemon answers over HTTPS at its scoring URI; the CLI invokes it with --remote and the pinned fingerprint', async (t) => {
  if (!(await bed.ready(t))) return;
  const root = await workspace(t, { ...endpointWorkspace('tls-ep'), 'request.json': '{"data": [1, 2]}' });
  removeContainersAfter(t, root);
  const daemon = await serve(t, root, 'self-signed');
  const fingerprint = daemon.info.tlsFingerprint!;
  const client = clientOf(daemon.info);
  t.after(() => client.close());
  await client.assets.register('model', { path: path.join(root, 'model.yml') });
  const endpoint = await client.onlineEndpoints.create({ path: path.join(root, 'endpoint.yml') });
  assert.match(endpoint.scoring_uri, /^https:\/\/127\.0\.0\.1:\d+\/score$/);
  await client.onlineDeployments.create({ path: path.join(root, 'blue.yml'), all_traffic: true });
  await inState(client, 'tls-ep', 'blue', 'Succeeded');

  const { primaryKey } = await client.onlineEndpoints.credentials('tls-ep');
  const scored = await httpsRequest(endpoint.scoring_uri, fingerprint, 'POST', { 'content-type': 'application/json', authorization: `Bearer ${primaryKey}` }, '{"data": [3]}');
  assert.equal(scored.status, 200, scored.text);
  assert.deepEqual(scored.body, { deployment: 'blue', result: [6] });
  assert.equal((await httpsRequest(endpoint.scoring_uri, fingerprint, 'POST', { 'content-type': 'application/json' }, '{"data": [3]}')).status, 401, 'the key is still required');
  await assert.rejects(invoke(endpoint.scoring_uri, '{"data": [3]}', { authorization: `Bearer ${primaryKey}` }), 'plain HTTP gets no answer from the HTTPS listener');

  const env = { MLW_REMOTE_TOKEN: daemon.info.token };
  const invoked = await runSourceCli(['--remote', daemon.info.url!, '--fingerprint', fingerprint, 'online-endpoint', 'invoke', '-n', 'tls-ep', '-r', path.join(root, 'request.json')], env);
  assert.equal(invoked.status, 0, invoked.stderr);
  assert.deepEqual(JSON.parse(invoked.stdout), { deployment: 'blue', result: [2, 4] });
  const refused = await runSourceCli(['--remote', daemon.info.url!, '--fingerprint', WRONG_FINGERPRINT, 'online-endpoint', 'invoke', '-n', 'tls-ep', '-r', path.join(root, 'request.json')], env);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /not the pinned AB:AB:/);
  assert.equal(refused.stdout, '');
});

/** An address of this machine other than loopback, if it has one. */
function outsideAddress(): string | undefined {
  return Object.values(os.networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
}

test('a daemon beyond loopback serves its endpoints over HTTPS on its address; invoke reaches them there, pinned, with the key', async (t) => {
  const address = outsideAddress();
  if (!address) return void t.skip('this machine has no address but loopback');
  const root = await workspace(t, { 'endpoint.yml': endpointWorkspace('wide-ep')['endpoint.yml']!, 'request.json': '{"data": [1]}' });
  const daemon = await serve(t, root, 'self-signed', address);
  const remote = remoteClient(daemon.info.url!, daemon.info.token, daemon.info.tlsFingerprint);
  t.after(() => remote.close());
  const endpoint = await remote.onlineEndpoints.create({ path: path.join(root, 'endpoint.yml') });
  assert.match(endpoint.scoring_uri, new RegExp(`^https://${address.replaceAll('.', '\\.')}:\\d+/score$`));
  const port = new URL(endpoint.scoring_uri).port;
  await assert.rejects(httpsRequest(`https://127.0.0.1:${port}/score`, daemon.info.tlsFingerprint!, 'POST', {}, '{}'), /ECONNREFUSED/, 'not on loopback');

  // No deployment yet: the endpoint's own answer, which only comes past the key check.
  const answer = await invokeEndpoint(remote, 'wide-ep', fs.readFileSync(path.join(root, 'request.json')));
  assert.equal(answer.status, 503, answer.text);
  assert.match(answer.text, /endpoint wide-ep has no deployment taking traffic/);
  assert.equal((await httpsRequest(endpoint.scoring_uri, daemon.info.tlsFingerprint!, 'POST', {}, '{}')).status, 401, 'without the key');
  await assert.rejects(httpsRequest(endpoint.scoring_uri, WRONG_FINGERPRINT, 'POST', {}, '{}'), /not the pinned AB:AB:/);
});

test('a daemon on every address names loopback in scoring URIs; a client reaching it elsewhere invokes at that address', () => {
  assert.equal(scoringHost(new URL('https://127.0.0.1:4431/score'), '10.1.2.3'), '10.1.2.3');
  assert.equal(scoringHost(new URL('https://127.0.0.1:4431/score'), '127.0.0.1'), '127.0.0.1');
  assert.equal(scoringHost(new URL('https://10.1.2.3:4431/score'), 'mlw.example.org'), '10.1.2.3');
  assert.equal(scoringHost(new URL('https://[::1]:4431/score'), 'mlw.example.org'), 'mlw.example.org');
});
