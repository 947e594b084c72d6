import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobSummary } from '../../core/vocabulary';
import { childJobsTree, jobsTree } from '../../client/trees/jobs-model';
import { jobContextValue } from '../../client/trees/presenters';
import { RefreshManager, type RefreshTarget } from '../../client/trees/refresh-manager';

const NOW = Date.parse('2025-01-01T12:00:00Z');

function job(name: string, overrides: Partial<JobSummary> = {}): JobSummary {
  return { name, type: 'command', experiment: 'exp', status: 'Completed', compute: 'local', createdAt: '2025-01-01T10:00:00Z', ...overrides };
}

test('the Jobs tree lists only jobs without a parent; pipelines and sweeps expand to their child jobs', () => {
  const nodes = jobsTree(
    [
      job('pipe', { type: 'pipeline', status: 'Running', startedAt: '2025-01-01T11:00:00Z' }),
      job('pipe-prep', { parent: 'pipe', step: 'prep' }),
      job('hp', { type: 'sweep', createdAt: '2025-01-01T09:00:00Z' }),
      job('plain', { createdAt: '2025-01-01T08:00:00Z' }),
    ],
    NOW,
  );
  const [pipe, hp, plain] = nodes[0]!.children!;
  assert.deepEqual(nodes[0]!.children!.map((n) => n.label), ['pipe', 'hp', 'plain']);
  assert.equal(nodes[0]!.description, '3 jobs · 1 active');
  assert.equal(pipe!.lazyChildren, true);
  assert.equal(hp!.lazyChildren, true);
  assert.equal(plain!.lazyChildren, undefined);
  assert.deepEqual(pipe!.resource, { type: 'job', job: 'pipe', status: 'Running', jobType: 'pipeline' });
  assert.equal(pipe!.contextValue, 'job;status=Running;active;job-pipeline');
  assert.equal(hp!.contextValue, 'job;status=Completed;terminal;outputs;job-sweep');
  assert.equal(plain!.contextValue, 'job;status=Completed;terminal;outputs');
});

test('pipeline steps are labelled by step name, with "Reused" and their duration; only the parent\'s own children', () => {
  const nodes = childJobsTree(
    { name: 'pipe', type: 'pipeline' },
    [
      job('pipe-prep', { parent: 'pipe', step: 'prep', reusedFrom: 'old-prep' }),
      job('pipe-train', { parent: 'pipe', step: 'train', status: 'Running', startedAt: '2025-01-01T11:59:30Z' }),
      job('pipe-eval', { parent: 'pipe', step: 'eval', status: 'NotStarted' }),
      job('other-step', { parent: 'other', step: 'prep' }),
      job('top-level'),
    ],
    NOW,
  );
  assert.deepEqual(
    nodes.map((n) => [n.label, n.description]),
    [
      ['prep', 'Completed · Reused'],
      ['train', 'Running · 30 s'],
      ['eval', 'NotStarted'],
    ],
  );
  assert.match(nodes[0]!.tooltip!, /Reused the outputs of old-prep/);
  assert.equal(nodes[1]!.id, 'job:pipe-train');
  assert.deepEqual(nodes[1]!.resource, { type: 'job', job: 'pipe-train', status: 'Running' });
  assert.equal(nodes[1]!.contextValue, 'job;status=Running;active;child');
  assert.deepEqual(nodes[1]!.command, { command: 'mlw.job.showLogs', title: 'Show Logs', arguments: ['pipe-train'] });
});

test('sweep trials are "trial N", in trial order', () => {
  const trials = ['10', '2', '1'].map((n) => job(`hp-${n}`, { parent: 'hp', step: n, startedAt: '2025-01-01T11:00:00Z', endedAt: '2025-01-01T11:00:05Z' }));
  const nodes = childJobsTree({ name: 'hp', type: 'sweep' }, trials, NOW);
  assert.deepEqual(nodes.map((n) => `${n.label}: ${n.description}`), ['trial 1: Completed · 5 s', 'trial 2: Completed · 5 s', 'trial 10: Completed · 5 s']);
});

test('menus: steps and trials are jobs for logs, outputs and cancel, but are not rerun on their own', () => {
  const rerunWhen = /^job;.*;terminal(?!.*;child)/;
  assert.match(jobContextValue({ status: 'Failed', type: 'pipeline' }), rerunWhen);
  assert.doesNotMatch(`${jobContextValue({ status: 'Failed' })};child`, rerunWhen);
  assert.match(`${jobContextValue({ status: 'Failed' })};child`, /^job;.*;outputs/);
  assert.match(jobContextValue({ status: 'Running', type: 'pipeline' }), /^job;.*;job-pipeline/);
  assert.match(jobContextValue({ status: 'Queued', type: 'sweep' }), /^job;.*;job-sweep/);
});

class RecordingTarget implements RefreshTarget {
  readonly calls: string[] = [];
  refresh(): void {
    this.calls.push('all');
  }
  refreshChildren(ids: Iterable<string>): void {
    this.calls.push(`children ${[...ids].sort().join(',')}`);
  }
}

function fakeView(visible: boolean) {
  const listeners: ((e: { visible: boolean }) => void)[] = [];
  return {
    visible,
    onDidChangeVisibility: (listener: (e: { visible: boolean }) => void) => (listeners.push(listener), { dispose: () => undefined }),
    show(): void {
      this.visible = true;
      for (const listener of listeners) listener({ visible: true });
    },
  };
}

async function settled(target: RecordingTarget, count: number): Promise<void> {
  const deadline = Date.now() + 2000;
  while (target.calls.length < count && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
}

test('a step status refreshes only its parent\'s children, merged; a job status refreshes the whole view', async () => {
  const target = new RecordingTarget();
  const manager = new RefreshManager(fakeView(true), target, () => 0);
  manager.childrenChanged('job:pipe');
  manager.childrenChanged('job:hp');
  manager.childrenChanged('job:pipe');
  await settled(target, 1);
  assert.deepEqual(target.calls, ['children job:hp,job:pipe']);
  manager.childrenChanged('job:pipe');
  manager.changed();
  await settled(target, 2);
  assert.deepEqual(target.calls, ['children job:hp,job:pipe', 'all'], 'a whole-view refresh covers the children');
  manager.dispose();
});

test('a hidden view reloads whole once shown after its children changed', () => {
  const target = new RecordingTarget();
  const view = fakeView(false);
  const manager = new RefreshManager(view, target, () => 0);
  manager.childrenChanged('job:pipe');
  assert.deepEqual(target.calls, []);
  view.show();
  assert.deepEqual(target.calls, ['all']);
  manager.dispose();
});
