import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ComputeQueue } from '../../core/api/contracts';
import type { AssetSummary, JobSummary } from '../../core/vocabulary';
import { assetsTree, environmentExtras, queueExtras } from '../../client/trees/assets-model';
import { jobsTree } from '../../client/trees/jobs-model';
import { formatDuration, jobContextValue, jobDescription, jobDuration, statusIcon } from '../../client/trees/presenters';

const NOW = Date.parse('2025-01-01T12:00:00Z');

function job(name: string, overrides: Partial<JobSummary> = {}): JobSummary {
  return { name, type: 'command', experiment: 'exp', status: 'Completed', compute: 'local', createdAt: '2025-01-01T10:00:00Z', ...overrides };
}

test('durations read as people say them', () => {
  assert.equal(formatDuration(850), '850 ms');
  assert.equal(formatDuration(42_400), '42 s');
  assert.equal(formatDuration(185_000), '3 min 5 s');
  assert.equal(formatDuration(2 * 3600_000 + 4 * 60_000 + 59_000), '2 h 4 min');
  assert.equal(formatDuration(-5), '0 ms');
});

test('a running job counts its duration up to now; a finished one up to its end; a queued one has none', () => {
  assert.equal(jobDuration({ status: 'Running', startedAt: '2025-01-01T11:59:00Z' }, NOW), 60_000);
  assert.equal(jobDuration({ status: 'Completed', startedAt: '2025-01-01T11:00:00Z', endedAt: '2025-01-01T11:00:30Z' }, NOW), 30_000);
  assert.equal(jobDuration({ status: 'Queued' }, NOW), undefined);
  assert.equal(jobDescription(job('a', { status: 'Queued', reason: 'waiting for a free instance of local, 1 ahead' }), NOW), 'Queued · waiting for a free instance of local, 1 ahead');
  assert.equal(jobDescription(job('b', { status: 'Running', startedAt: '2025-01-01T11:59:58Z' }), NOW), 'Running · 2 s');
});

test('status icons and menu context values follow the lifecycle', () => {
  assert.deepEqual(statusIcon('Completed'), { id: 'pass', color: 'testing.iconPassed' });
  assert.deepEqual(statusIcon('Failed'), { id: 'error', color: 'testing.iconFailed' });
  assert.match(statusIcon('Running').id, /~spin$/);
  assert.equal(jobContextValue({ status: 'Running' }), 'job;status=Running;active');
  assert.equal(jobContextValue({ status: 'Completed' }), 'job;status=Completed;terminal;outputs');
  assert.equal(jobContextValue({ status: 'Canceled' }), 'job;status=Canceled;terminal');
  // the manifest's menu regexes: cancel only on active jobs, rerun only on finished ones
  assert.match(jobContextValue({ status: 'Queued' }), /^job;.*;active/);
  assert.doesNotMatch(jobContextValue({ status: 'Failed' }), /^job;.*;active/);
  assert.match(jobContextValue({ status: 'Failed' }), /^job;.*;terminal/);
});

test('the Jobs tree groups by experiment, most recent experiment first, newest job first', () => {
  const nodes = jobsTree(
    [
      job('old-a', { experiment: 'alpha', createdAt: '2025-01-01T08:00:00Z' }),
      job('new-b', { experiment: 'beta', createdAt: '2025-01-01T11:00:00Z', status: 'Running', startedAt: '2025-01-01T11:00:00Z', displayName: 'training run' }),
      job('new-a', { experiment: 'alpha', createdAt: '2025-01-01T09:00:00Z', status: 'Failed', reason: 'exit code 1' }),
    ],
    NOW,
  );
  assert.deepEqual(nodes.map((n) => n.label), ['beta', 'alpha']);
  assert.deepEqual(nodes[1]!.children!.map((n) => n.label), ['new-a', 'old-a']);
  assert.equal(nodes[0]!.description, '1 jobs · 1 active');
  assert.equal(nodes[1]!.description, '2 jobs');
  const running = nodes[0]!.children![0]!;
  assert.equal(running.label, 'training run');
  assert.equal(running.description, 'Running · 1 h 0 min');
  assert.deepEqual(running.resource, { type: 'job', job: 'new-b', status: 'Running' });
  assert.equal(running.id, 'job:new-b', 'ids are stable across refreshes');
});

test('a Jobs tree of 1,000 jobs groups them by experiment', () => {
  const jobs = Array.from({ length: 1000 }, (_, i) => job(`job-${i}`, { experiment: `exp-${i % 20}`, createdAt: new Date(NOW - i * 1000).toISOString() }));
  const nodes = jobsTree(jobs, NOW);
  assert.equal(nodes.length, 20);
  assert.equal(nodes.reduce((sum, n) => sum + n.children!.length, 0), 1000);
});

function asset(kind: AssetSummary['kind'], name: string, version: string, overrides: Partial<AssetSummary> = {}): AssetSummary {
  return { kind, name, version, createdAt: `2025-01-0${version || 1}T00:00:00Z`, archived: false, sourcePath: `/ws/${name}.yml`, ...overrides };
}

test('asset views group versions under the name, newest first, with lineage to the producing job', () => {
  const nodes = assetsTree('model', [asset('model', 'clf', '1'), asset('model', 'clf', '10', { job: 'train_1', sourcePath: undefined }), asset('model', 'clf', '2'), asset('data', 'iris', '1')]);
  assert.equal(nodes.length, 1, 'only the view kind');
  const clf = nodes[0]!;
  assert.equal(clf.label, 'clf');
  assert.equal(clf.description, 'latest v10 · from job train_1');
  assert.deepEqual(clf.children!.map((n) => n.label), ['v10', 'v2', 'v1']);
  const v10 = clf.children![0]!;
  assert.equal(v10.contextValue, 'asset;kind=model;versioned;archivable', 'no spec file: no "open spec" menu');
  assert.equal(v10.children![0]!.label, 'produced by job train_1');
  assert.deepEqual(v10.children![0]!.resource, { type: 'job', job: 'train_1', status: '' });
  assert.equal(clf.children![1]!.contextValue, 'asset;kind=model;spec;versioned;archivable');
});

test('compute rows show the queue: running over capacity, queued jobs with their reasons', () => {
  const queue: ComputeQueue = { compute: 'cpu', capacity: 2, running: ['a', 'b'], queued: [{ job: 'c', reason: 'waiting for a free instance of cpu (2/2 busy), 0 ahead' }] };
  const [node] = assetsTree('compute', [asset('compute', 'cpu', '')], () => queueExtras(queue));
  assert.equal(node!.label, 'cpu');
  assert.equal(node!.description, '2/2 running · 1 queued');
  assert.equal(node!.contextValue, 'asset;kind=compute;spec;archivable');
  assert.deepEqual(node!.children!.map((n) => `${n.label} ${n.description}`), ['a running', 'b running', 'c #1 · waiting for a free instance of cpu (2/2 busy), 0 ahead']);
});

test('environment rows show where the image comes from', () => {
  assert.equal(environmentExtras({ image: 'localtest/python:3-bookworm' }).description, 'localtest/python:3-bookworm');
  assert.equal(environmentExtras({ image: 'base:1', conda_file: 'conda.yml' }).description, 'base:1 + conda');
  const inline = environmentExtras({ image: 'base:1', conda_file: { dependencies: ['python'] } });
  assert.deepEqual([inline.description, inline.tooltip], ['base:1 + conda', 'Image: base:1\nConda file: inline in the spec']);
  assert.equal(environmentExtras({ build: { path: './docker' } }).description, 'build ./docker');
  assert.deepEqual(environmentExtras(undefined), {});
  const built = environmentExtras({ build: { path: './docker' } }, { image: 'mlw-env:0123456789abcdef01234567', hash: 'ab', built: true, building: false });
  assert.equal(built.description, 'build ./docker · built');
  assert.match(built.tooltip!, /Cached image: mlw-env:0123456789abcdef01234567/);
  assert.equal(environmentExtras({ image: 'base:1', conda_file: 'c.yml' }, { image: 'mlw-env:1', built: false, building: false }).description, 'base:1 + conda · not built');
  assert.equal(environmentExtras({ image: 'base:1', conda_file: 'c.yml' }, { image: 'mlw-env:1', built: false, building: true }).description, 'base:1 + conda · building');
  const unknown = environmentExtras({ image: 'base:1' }, 'Docker engine not reachable at /var/run/docker.sock');
  assert.deepEqual([unknown.description, unknown.tooltip], ['base:1 · state unknown', 'Image: base:1\nDocker engine not reachable at /var/run/docker.sock']);
});
