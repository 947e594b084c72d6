import assert from 'node:assert/strict';
import { test } from 'node:test';
import { roleAllowsInvoke } from '../../client/control-plane/role';
import { endpointsTree } from '../../client/trees/endpoints-model';
import { specNameOfText } from '../../core/endpoints/invoke';
import type { OnlineDeploymentDetail, OnlineEndpointDetail } from '../../core/vocabulary';

const endpoint: OnlineEndpointDetail = {
  name: 'iris-endpoint', auth_mode: 'key', scoring_uri: 'http://127.0.0.1:40123/score', traffic: { blue: 90, green: 10 }, mirror_traffic: {},
  provisioning_state: 'Succeeded', deployments: ['blue', 'green'], created_at: '', updated_at: '',
};
const deployment = (name: string, overrides: Partial<OnlineDeploymentDetail> = {}): OnlineDeploymentDetail => ({
  name, endpoint_name: 'iris-endpoint', provisioning_state: 'Succeeded', health: 'Healthy', instance_count: 1, instances: [{ container: 'c', port: 1 }], spec: {}, created_at: '', updated_at: '', ...overrides,
});
const spec = { path: '/ws/endpoint.yml', relative: 'endpoint.yml', kind: 'endpoint/online', uri: '/ws/endpoint.yml' };

test('the Endpoints view shows served endpoints with their deployments, then the spec files', () => {
  const unhealthy = deployment('green', { health: 'Unhealthy', reason: 'container abc crashed and was restarted 1 time(s)' });
  const [served, files] = endpointsTree([endpoint], new Map([['iris-endpoint', [deployment('blue'), unhealthy]]]), [spec]);
  assert.equal(served!.description, 'Succeeded · http://127.0.0.1:40123/score');
  assert.deepEqual(served!.children!.map((c) => [c.label, c.description, c.icon?.id]), [
    ['blue', 'Succeeded · 90 % · 1/1 instances', 'pass'],
    ['green', 'Unhealthy · 10 % · 1/1 instances', 'warning'],
  ]);
  assert.equal(served!.children![1]!.tooltip, 'container abc crashed and was restarted 1 time(s)');
  assert.deepEqual(files!.children!.map((c) => c.label), ['endpoint.yml']);
  const creating = endpointsTree([endpoint], new Map([['iris-endpoint', [deployment('blue', { provisioning_state: 'Creating', instances: [] })]]]), []);
  assert.equal(creating[0]!.children![0]!.icon?.id, 'sync~spin');
  assert.equal(creating.length, 1, 'no spec files group when there are none');
});

test('without served endpoints (or without the control plane) the view lists the spec files', () => {
  assert.deepEqual(endpointsTree([], new Map(), [spec]).map((n) => [n.label, n.description, n.command?.arguments]), [['endpoint.yml', 'endpoint · online', ['/ws/endpoint.yml']]]);
});

test('Invoke is offered to the roles that may read an endpoint\'s keys, for the endpoint a spec names', () => {
  assert.deepEqual((['owner', 'data-scientist', 'reader', 'run', undefined] as const).map(roleAllowsInvoke), [true, true, false, false, true]);
  assert.equal(specNameOfText('$schema: https://x/managedOnlineEndpoint.schema.json\nname: iris-endpoint  # the endpoint\nauth_mode: key\n'), 'iris-endpoint');
  assert.equal(specNameOfText('name: "quoted-ep"\n'), 'quoted-ep');
  assert.equal(specNameOfText('traffic:\n  name: nested\n'), undefined);
});

test('an endpoint without deployments yet says so in a child, so it is already expanded when its first deployment comes', () => {
  const [served] = endpointsTree([{ ...endpoint, traffic: {}, deployments: [] }], new Map(), []);
  assert.equal(served!.expanded, true);
  assert.deepEqual(served!.children!.map((c) => [c.label, c.contextValue]), [['No deployments yet: mlw online-deployment create -f <deployment.yml>', 'no-deployments']]);
  const [deployed] = endpointsTree([endpoint], new Map([['iris-endpoint', [deployment('blue')]]]), []);
  assert.deepEqual(deployed!.children!.map((c) => c.label), ['blue']);
});
