import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { ControlPlane } from '../../core/engine/control-plane';
import { ListenerPorts } from '../../core/tracking/listener-ports';
import { TrackingService } from '../../core/tracking/service';
import { remoteTrackingListeners } from '../../daemon/tls';
import { workspace } from '../support/control-plane';
import { httpRequest, type HttpReply } from '../support/http';
import { mlflowReady, runPython } from '../support/mlflow';

/** One HTTPS request trusting only the certificate in `caFile`, as a run given MLFLOW_TRACKING_SERVER_CERT_PATH does. */
function trustedRequest(uri: string, caFile: string, route: string, token?: string): Promise<HttpReply> {
  const { hostname, port } = new URL(uri);
  return new Promise((resolve, reject) => {
    const request = https.request({ host: hostname, port, path: route, method: 'GET', ca: fs.readFileSync(caFile), headers: token ? { authorization: `Bearer ${token}` } : {} }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: response.statusCode ?? 0, body: (text.startsWith('{') ? JSON.parse(text) : {}) as Record<string, unknown>, text });
      });
    });
    request.on('error', reject);
    request.end();
  });
}

test('the tracking listener on a tracking_address serves HTTPS only, with a certificate for that IP kept in the workspace and reused after a restart', async (t) => {
  const plane = new ControlPlane(await workspace(t));
  const tracking = new TrackingService({ store: plane.store, assets: plane.assets, events: plane.events, jobs: plane.jobs, mlwDir: plane.layout.mlwDir });
  let listeners = remoteTrackingListeners(plane.layout, () => tracking);
  t.after(async () => {
    await listeners.close();
    tracking.close();
    await plane.close();
  });

  const first = await listeners.at('127.0.0.1');
  const { port } = new URL(first.uri);
  assert.equal(first.uri, `https://127.0.0.1:${port}`);
  assert.ok(first.certificateFile.startsWith(path.join(plane.layout.mlwDir, 'tls') + path.sep), first.certificateFile);
  const certificate = new crypto.X509Certificate(fs.readFileSync(first.certificateFile));
  assert.equal(certificate.checkIP('127.0.0.1'), '127.0.0.1', 'the certificate names the address');
  assert.match(certificate.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
  const keyFile = path.join(path.dirname(first.certificateFile), 'key.pem');
  assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600, 'the key is private');

  const plain = await httpRequest(Number(port), 'GET', '/api/2.0/mlflow/experiments/search').then((reply) => `answered ${reply.status}`, (error: Error) => error.message);
  assert.doesNotMatch(plain, /^answered/, 'a plain HTTP client cannot talk to the listener');

  const token = tracking.tokens.issue('no-such-run');
  const searched = await trustedRequest(first.uri, first.certificateFile, '/api/2.0/mlflow/experiments/search?max_results=5', token);
  assert.equal(searched.status, 200, searched.text);
  assert.equal((await trustedRequest(first.uri, first.certificateFile, '/api/2.0/mlflow/experiments/search?max_results=5')).status, 401, 'a run token is still required');
  assert.equal((await trustedRequest(first.uri, first.certificateFile, '/api/jobs', token)).status, 404, 'tracking routes only');

  if (mlflowReady(t)) {
    const listed = await runPython('import mlflow\nprint(type(mlflow.MlflowClient().search_experiments()).__name__)', {
      MLFLOW_TRACKING_URI: first.uri, MLFLOW_TRACKING_TOKEN: token, MLFLOW_TRACKING_SERVER_CERT_PATH: first.certificateFile,
    });
    assert.equal(listed.trim(), 'PagedList', 'the MLflow client trusts the listener through MLFLOW_TRACKING_SERVER_CERT_PATH');
  }

  // A restarted daemon serves the same certificate, which runs still going have been given.
  await listeners.close();
  listeners = remoteTrackingListeners(plane.layout, () => tracking);
  const again = await listeners.at('127.0.0.1');
  assert.equal(again.certificateFile, first.certificateFile);
  assert.equal(new crypto.X509Certificate(fs.readFileSync(again.certificateFile)).fingerprint256, certificate.fingerprint256);
  assert.equal((await trustedRequest(again.uri, again.certificateFile, '/api/2.0/mlflow/experiments/search?max_results=5', token)).status, 200);
});

test('a tracking_address listener started again takes the port it had last time, and another one when that is taken', async (t) => {
  const plane = new ControlPlane(await workspace(t));
  const tracking = new TrackingService({ store: plane.store, assets: plane.assets, events: plane.events, jobs: plane.jobs, mlwDir: plane.layout.mlwDir });
  const logged: string[] = [];
  const start = () => remoteTrackingListeners(plane.layout, () => tracking, new ListenerPorts(plane.layout.listenerPorts, (line) => logged.push(line)));
  let listeners = start();
  const squatter = net.createServer((socket) => socket.destroy());
  t.after(async () => {
    squatter.close();
    await listeners.close();
    tracking.close();
    await plane.close();
  });

  const port = new URL((await listeners.at('127.0.0.1')).uri).port;
  assert.equal(fs.statSync(plane.layout.listenerPorts).mode & 0o777, 0o600, 'the ports are recorded in a private file');
  await listeners.close();
  listeners = start();
  assert.equal(new URL((await listeners.at('127.0.0.1')).uri).port, port, 'the next daemon listens where runs still going log to');
  assert.deepEqual(logged, []);

  await listeners.close();
  await new Promise<void>((resolve) => squatter.listen(Number(port), '127.0.0.1', resolve));
  listeners = start();
  const moved = new URL((await listeners.at('127.0.0.1')).uri).port;
  assert.notEqual(moved, port);
  assert.match(logged.join('\n'), new RegExp(`port ${port} of the tracking listener on 127\\.0\\.0\\.1 is taken, so it listens on ${moved}: .*lose tracking`));
  await listeners.close();
  listeners = start();
  assert.equal(new URL((await listeners.at('127.0.0.1')).uri).port, moved, 'the port it moved to is the one asked for next time');
});
