import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ControlPlane } from '../../core/engine/control-plane';
import { startBridgeListener } from '../../core/tracking/bridge';
import { TrackingService } from '../../core/tracking/service';
import { startPlane, workspace } from '../support/control-plane';
import { httpRequest, type HttpReply } from '../support/http';

const DEEP = 100_000;

/** `{"a":{"a":…{}…}}` nested `depth` levels, with `leaf` innermost. */
function nested(depth: number, leaf = '{}'): string {
  return '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);
}

function post(host: string, port: number, token: string, route: string, body: string): Promise<HttpReply> {
  return httpRequest(port, 'POST', route, { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, body, host);
}

const TRACKING_ROUTES = ['/api/2.0/mlflow/runs/create', '/api/2.0/mlflow/runs/log-batch', '/api/2.0/mlflow/experiments/create', '/api/2.0/mlflow/registered-models/create', '/api/2.0/mlflow/model-versions/search'];

test('a deeply nested JSON body is a 400 in each route family\'s error shape, a sane one is parsed', async (t) => {
  const plane = await startPlane(t, await workspace(t));
  const { port, token } = plane.daemon.info;

  for (const route of ['/api/jobs', '/api/assets/model', '/api/shutdown', '/api/no-such-route']) {
    const reply = await post('127.0.0.1', port, token, route, `{"path":"x","text":${nested(DEEP)}}`);
    assert.equal(reply.status, 400, `${route}: ${JSON.stringify(reply.body)}`);
    assert.equal(reply.body.error, 'bad_request', route);
    assert.match(String(reply.body.message), /nested deeper than 64 levels/, route);
  }
  for (const route of TRACKING_ROUTES) {
    const reply = await post('127.0.0.1', port, token, route, `{"experiment_id":"0","tags":[{"key":${nested(DEEP)}}]}`);
    assert.equal(reply.status, 400, `${route}: ${JSON.stringify(reply.body)}`);
    assert.equal(reply.body.error_code, 'INVALID_PARAMETER_VALUE', route);
    assert.match(String(reply.body.message), /nested deeper than 64 levels/, route);
  }
  // Braces inside strings are not nesting; a body within the bound parses as before.
  const created = await post('127.0.0.1', port, token, '/api/2.0/mlflow/runs/create', JSON.stringify({ experiment_id: '0', tags: [{ key: 'braces', value: '{['.repeat(DEEP) }] }));
  assert.equal(created.status, 200, JSON.stringify(created.body).slice(0, 300));
  const saneDepth = await post('127.0.0.1', port, token, '/api/2.0/mlflow/runs/create', `{"experiment_id":"0","ignored":${nested(60)}}`);
  assert.equal(saneDepth.status, 200, JSON.stringify(saneDepth.body));
  const badJson = await post('127.0.0.1', port, token, '/api/2.0/mlflow/runs/create', '{"experiment_id":');
  assert.equal(badJson.status, 400);
  assert.equal(badJson.body.error_code, 'MALFORMED_REQUEST');
  const job = await post('127.0.0.1', port, token, '/api/jobs', JSON.stringify({ path: 'missing.yml' }));
  assert.ok(job.status >= 400 && job.status < 500, JSON.stringify(job.body));
  assert.doesNotMatch(String(job.body.message), /nested/, 'a sane workspace API body reaches its route');
});

test('the Docker bridge listener bounds JSON depth too', async (t) => {
  const plane = new ControlPlane(await workspace(t));
  const tracking = new TrackingService({ store: plane.store, assets: plane.assets, events: plane.events, jobs: plane.jobs, mlwDir: plane.layout.mlwDir });
  const bridge = await startBridgeListener(tracking, { address: '127.0.0.1' });
  t.after(async () => {
    await bridge.close();
    tracking.close();
    await plane.close();
  });
  const token = tracking.tokens.issue('no-such-run');
  const deep = await post(bridge.address, bridge.port, token, '/api/2.0/mlflow/runs/create', `{"tags":[{"key":${nested(DEEP)}}]}`);
  assert.equal(deep.status, 400, JSON.stringify(deep.body));
  assert.equal(deep.body.error_code, 'INVALID_PARAMETER_VALUE');
  assert.match(String(deep.body.message), /nested deeper than 64 levels/);
  const sane = await post(bridge.address, bridge.port, token, '/api/2.0/mlflow/experiments/search', '{"max_results":5}');
  assert.equal(sane.status, 200, JSON.stringify(sane.body));
});
