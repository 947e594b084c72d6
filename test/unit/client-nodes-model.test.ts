import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ComputeNode, ComputeQueue } from '../../core/api/contracts';
import type { AssetSummary } from '../../core/vocabulary';
import { assetsTree, mergeExtras, queueExtras } from '../../client/trees/assets-model';
import { nodesExtras } from '../../client/trees/nodes-model';

const SWARM: AssetSummary = { kind: 'compute', name: 'cluster', version: '', createdAt: '2025-01-01T10:00:00Z', archived: false };

function node(hostname: string, overrides: Partial<ComputeNode> = {}): ComputeNode {
  return { id: `id-${hostname}`, hostname, state: 'ready', availability: 'active', role: 'worker', leader: false, address: '10.0.0.1', tasks: [], ...overrides };
}

test('a Swarm compute lists its nodes under its queue: state, availability, role and the runs on each', () => {
  const queue: ComputeQueue = { compute: 'cluster', capacity: 4, running: ['job-a'], queued: [] };
  const nodes = [
    node('n1', { role: 'manager', leader: true }),
    node('n2', { tasks: [{ job: 'job-a', state: 'running' }] }),
    node('n3', { availability: 'drain' }),
    node('n4', { state: 'down' }),
  ];
  const [row] = assetsTree('compute', [SWARM], () => mergeExtras(queueExtras(queue), nodesExtras('cluster', nodes)));
  assert.equal(row!.description, '1/4 running · 2/4 nodes ready');
  assert.deepEqual(row!.children!.map((child) => child.label), ['job-a', 'Nodes']);
  const group = row!.children![1]!;
  assert.equal(group.expanded, true);
  assert.deepEqual(group.children!.map((child) => [child.label, child.description, child.icon]), [
    ['n1', 'ready · active · manager (leader) · 0 tasks', { id: 'vm-active', color: 'testing.iconPassed' }],
    ['n2', 'ready · active · worker · 1 task', { id: 'vm-active', color: 'testing.iconPassed' }],
    ['n3', 'ready · drain · worker · 0 tasks', { id: 'vm', color: 'charts.yellow' }],
    ['n4', 'down · active · worker · 0 tasks', { id: 'vm-outline', color: 'errorForeground' }],
  ]);
  const busy = group.children![1]!;
  assert.deepEqual(busy.resource, { type: 'compute-node', compute: 'cluster', node: 'n2' });
  assert.match(busy.tooltip!, /Address: 10\.0\.0\.1/);
  assert.deepEqual(busy.children!.map((task) => [task.label, task.description, task.command?.arguments]), [['job-a', 'running', ['job-a']]]);
  // Ids are stable and distinct, so expansion survives a refresh.
  const ids = [group.id, ...group.children!.map((child) => child.id)];
  assert.equal(new Set(ids).size, ids.length);
});

test('a node says how many instances of the compute\'s reserved capacity it holds', () => {
  const reserved = node('n2', { reserved: [{ compute: 'cluster', state: 'running' }, { compute: 'other', state: 'running' }] });
  const [row] = assetsTree('compute', [SWARM], () => nodesExtras('cluster', [node('n1'), reserved]));
  assert.deepEqual(row!.children![0]!.children!.map((child) => child.description), ['ready · active · worker · 0 tasks', 'ready · active · worker · 0 tasks · 1 reserved']);
});

test('nodes that cannot be listed show why, and the queue stays', () => {
  const queue: ComputeQueue = { compute: 'cluster', capacity: 2, running: [], queued: [] };
  const [row] = assetsTree('compute', [SWARM], () => mergeExtras(queueExtras(queue), nodesExtras('cluster', 'Swarm manager not reachable at unix:///x.sock')));
  assert.equal(row!.description, '0/2 running');
  assert.deepEqual(row!.children!.map((child) => [child.label, child.description, child.tooltip]), [['Nodes', 'cannot be listed', 'Swarm manager not reachable at unix:///x.sock']]);
});
