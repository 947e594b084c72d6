import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { generate } from 'selfsigned';
import { ApiClient } from '../../core/api/client';
import { clientOf, readServeInfo, remoteClient } from '../../core/api/connect';
import { startDaemon, type RunningDaemon } from '../../daemon/start-daemon';
import { isLoopback } from '../../core/api/loopback';
import { PlainHttpRefusedError, tlsFor, type TlsRequest } from '../../daemon/tls';
import { runSourceCli as cli } from '../support/cli';
import { commandJob, workspace } from '../support/control-plane';

const REPO = path.resolve(import.meta.dirname, '../..');

async function serve(t: TestContext, root: string, tls: TlsRequest): Promise<RunningDaemon> {
  const daemon = await startDaemon({ root, version: 'test', tls });
  t.after(() => daemon.stop());
  return daemon;
}

function fingerprintOfFile(file: string): string {
  return new crypto.X509Certificate(fs.readFileSync(file)).fingerprint256;
}

test('a self-signed certificate on loopback: made under .mlw/tls with a 0600 key, published in serve.json, pinned by clients, kept across restarts', async (t) => {
  const root = await workspace(t);
  const first = await startDaemon({ root, version: 'test', tls: 'self-signed' });
  const info = readServeInfo(root)!;
  const certFile = path.join(root, '.mlw/tls/cert.pem');
  assert.equal(info.url, `https://127.0.0.1:${info.port}`);
  assert.equal(info.tlsFingerprint, fingerprintOfFile(certFile));
  assert.equal(fs.statSync(path.join(root, '.mlw/tls/key.pem')).mode & 0o777, 0o600);
  const client = clientOf(info);
  try {
    assert.equal((await client.health()).workspace, root);
    assert.deepEqual(await client.jobs.list(), []);
  } finally {
    client.close();
    await first.stop();
  }
  const second = await serve(t, root, 'self-signed');
  assert.equal(second.info.tlsFingerprint, info.tlsFingerprint, 'a restarted daemon keeps its certificate');
});

test('a client pinned to another fingerprint refuses the server with a clear error', async (t) => {
  const root = await workspace(t);
  const daemon = await serve(t, root, 'self-signed');
  const wrong = new ApiClient(daemon.info.port, daemon.info.token, '127.0.0.1', { fingerprint256: 'AB'.repeat(32) });
  t.after(() => wrong.close());
  await assert.rejects(wrong.health(), (error: Error) => {
    assert.match(error.message, new RegExp(`fingerprint ${daemon.info.tlsFingerprint}, not the pinned AB:AB:`));
    return true;
  });
  await assert.rejects(wrong.events(() => {}, { after: 'latest' }), /not the pinned/);
  const plain = new ApiClient(daemon.info.port, daemon.info.token);
  t.after(() => plain.close());
  await assert.rejects(plain.health({ timeoutMs: 2000 }), 'plain HTTP gets no answer from the TLS listener');
});

test('a given certificate and key are served; the CLI connects with --remote and the fingerprint, and refuses another', async (t) => {
  const root = await workspace(t);
  const made = await generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', algorithm: 'sha256' });
  fs.writeFileSync(path.join(root, 'server.crt'), made.cert);
  fs.writeFileSync(path.join(root, 'server.key'), made.private, { mode: 0o600 });
  const daemon = await serve(t, root, { certFile: path.join(root, 'server.crt'), keyFile: path.join(root, 'server.key') });
  const expected = fingerprintOfFile(path.join(root, 'server.crt'));
  assert.equal(daemon.info.tlsFingerprint, expected);
  assert.equal(fs.existsSync(path.join(root, '.mlw/tls')), false, 'no certificate is made when one is given');
  const client = remoteClient(daemon.info.url!, daemon.info.token, expected.replaceAll(':', '').toLowerCase());
  t.after(() => client.close());
  assert.equal((await client.health()).pid, process.pid);
  assert.throws(() => remoteClient(daemon.info.url!, daemon.info.token), /fingerprint of its TLS certificate/);

  const env = { MLW_REMOTE_TOKEN: daemon.info.token };
  const listed = await cli(['--remote', daemon.info.url!, '--fingerprint', expected, 'job', 'list'], env);
  assert.equal(listed.status, 0, listed.stderr);
  const refused = await cli(['--remote', daemon.info.url!, '--fingerprint', '00'.repeat(32), 'job', 'list'], env);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /presented a TLS certificate with SHA-256 fingerprint .* not the pinned 00:00:/);
});

test('plain HTTP beyond loopback is refused before anything listens; beyond loopback TLS is the default', async (t) => {
  const root = await workspace(t);
  await assert.rejects(startDaemon({ root, version: 'test', host: '192.0.2.10', tls: 'off' }), PlainHttpRefusedError);
  assert.deepEqual(fs.readdirSync(path.join(root, '.mlw')), [], 'no lock, no serve.json, no store');
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO, 'daemon/main.ts'), '--workspace', root, '--host', '0.0.0.0', '--no-tls'], { encoding: 'utf8', cwd: REPO, timeout: 60_000 });
  assert.equal(run.status, 1);
  assert.match(run.stderr, /listens beyond loopback only with TLS: 0\.0\.0\.0 is not a loopback address/);
  assert.deepEqual(fs.readdirSync(path.join(root, '.mlw')), []);

  assert.equal(tlsFor('0.0.0.0', undefined), 'self-signed');
  assert.equal(tlsFor('192.0.2.10', undefined), 'self-signed');
  assert.equal(tlsFor('127.0.0.1', undefined), 'off');
  assert.equal(tlsFor('127.0.0.1', 'self-signed'), 'self-signed');
  for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) assert.equal(isLoopback(host), true, host);
  for (const host of ['0.0.0.0', '::', '10.0.0.5', 'example.org', '::ffff:10.0.0.1']) assert.equal(isLoopback(host), false, host);
});

const LOG_METRIC = [
  'import json, os, time, urllib.request',
  "body = json.dumps({'run_id': os.environ['MLFLOW_RUN_ID'], 'key': 'reached', 'value': 1, 'timestamp': int(time.time() * 1000), 'step': 0}).encode()",
  "headers = {'Authorization': 'Bearer ' + os.environ['MLFLOW_TRACKING_TOKEN'], 'Content-Type': 'application/json'}",
  "urllib.request.urlopen(urllib.request.Request(os.environ['MLFLOW_TRACKING_URI'] + '/api/2.0/mlflow/runs/log-metric', body, headers))",
  "print('tracking at', os.environ['MLFLOW_TRACKING_URI'])",
].join('; ');

test('behind TLS, a host-process job still logs to the tracking API over loopback', async (t) => {
  const root = await workspace(t, { 'job.yml': commandJob(`python3 -c "${LOG_METRIC}"`) });
  const daemon = await serve(t, root, 'self-signed');
  const client = clientOf(daemon.info);
  t.after(() => client.close());
  const { job } = await client.jobs.submit({ path: path.join(root, 'job.yml') });
  const lines: string[] = [];
  await client.jobs.events(job.name, (event) => event.type === 'log' && lines.push(event.text));
  const detail = await client.jobs.get(job.name);
  assert.equal(detail.status, 'Completed', lines.join(''));
  assert.match(lines.join(''), /tracking at http:\/\/127\.0\.0\.1:\d+/);
  const run = await client.tracking.run(job.name);
  assert.deepEqual(run.run.data.metrics?.map((m) => [m.key, m.value]), [['reached', 1]]);
});
