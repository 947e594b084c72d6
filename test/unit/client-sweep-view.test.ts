import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SweepSummary, SweepTrial } from '../../core/vocabulary';
import { sweepView } from '../../client/sweeps/sweep-table';

const NOW = Date.parse('2025-01-01T12:00:00Z');

function trial(n: number, overrides: Partial<SweepTrial> = {}): SweepTrial {
  return { job: `hp-${n}`, status: 'Completed', params: { lr: 0.1 * n, optimizer: n % 2 ? 'adam' : 'sgd' }, ...overrides };
}

function sweep(goal: SweepSummary['goal'], trials: SweepTrial[], best?: SweepSummary['best']): SweepSummary {
  return { primaryMetric: 'accuracy', goal, samplingAlgorithm: 'random', maxTotalTrials: 10, maxConcurrentTrials: 2, trials, ...(best ? { best } : {}) };
}

const trials = [
  trial(1, { metric: 0.7 }),
  trial(2, { metric: 0.9, startedAt: '2025-01-01T11:00:00Z', endedAt: '2025-01-01T11:00:12Z' }),
  trial(3, { status: 'Running', startedAt: '2025-01-01T11:59:55Z' }),
  trial(4, { metric: 0.8 }),
  trial(5, { status: 'Queued' }),
];

test('trials are sorted by the primary metric, best first for the goal; those without one last, by number', () => {
  const maximize = sweepView({ name: 'hp', status: 'Running' }, sweep('maximize', trials), NOW);
  assert.deepEqual(maximize.rows.map((r) => r.trial), [2, 4, 1, 3, 5]);
  const minimize = sweepView({ name: 'hp', status: 'Running' }, sweep('minimize', trials), NOW);
  assert.deepEqual(minimize.rows.map((r) => r.trial), [1, 4, 2, 3, 5]);
  assert.deepEqual(minimize.rows.filter((r) => r.best).map((r) => r.trial), [1], 'without a best from the control plane, the goal decides');
});

test('a row holds the trial, its status and duration, each parameter, the metric; the named best is highlighted', () => {
  const view = sweepView({ name: 'hp', status: 'Running' }, sweep('maximize', trials, { job: 'hp-2', params: trials[1]!.params, metric: 0.9 }), NOW);
  assert.deepEqual(view.params, ['lr', 'optimizer']);
  assert.equal(view.summary, 'random sampling · 5 of 10 trials · 2 at a time');
  const [best] = view.rows;
  assert.deepEqual(best, { trial: 2, job: 'hp-2', status: 'Completed', color: '--vscode-testing-iconPassed', detail: 'Completed · 12 s', params: [0.2, 'sgd'], metric: 0.9, best: true });
  assert.equal(view.rows.find((r) => r.trial === 3)!.detail, 'Running · 5 s');
  assert.equal(view.rows.filter((r) => r.best).length, 1);
});

test('the scatter has the metric per trial number, gaps before a trial logged it, and the best point alone', () => {
  const view = sweepView({ name: 'hp', status: 'Running' }, sweep('maximize', trials), NOW);
  assert.deepEqual(view.chart, { trials: [1, 2, 3, 4, 5], metric: [0.7, 0.9, null, 0.8, null], best: [null, 0.9, null, null, null] });
});

test('trials with parameters missing or non-finite metrics still show', () => {
  const view = sweepView({ name: 'hp', status: 'Completed' }, sweep('minimize', [{ job: 'a', status: 'Failed', params: { lr: 1 } }, { job: 'b', status: 'Completed', params: { depth: 3 }, metric: Number.NaN }]), NOW);
  assert.deepEqual(view.params, ['lr', 'depth']);
  assert.deepEqual(view.rows.map((r) => [r.params, r.metric, r.best]), [[[1, null], null, false], [[null, 3], null, false]]);
});
