import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobEvent } from '../../core/vocabulary';
import { completionMessage, formatMetricValue, jobLogLines } from '../../client/jobs/job-log-lines';
import { MetricSeriesSet } from '../../client/jobs/metric-series';
import { commandJob, startPlane, workspace } from '../support/control-plane';

const at = '2025-01-01T12:00:00.000Z';

test('lifecycle lines carry the status, the reason and the event time; failures are errors', () => {
  assert.deepEqual(jobLogLines({ seq: 1, job: 'j', type: 'status', time: at, status: 'Queued', reason: 'waiting for a free instance of local, 2 ahead' }), [
    { level: 'info', text: `▶ Queued — waiting for a free instance of local, 2 ahead (at ${at})` },
  ]);
  assert.deepEqual(jobLogLines({ seq: 2, job: 'j', type: 'status', time: at, status: 'Failed', reason: 'exit code 3' }), [{ level: 'error', text: `▶ Failed — exit code 3 (at ${at})` }]);
  assert.equal(jobLogLines({ seq: 3, job: 'j', type: 'status', time: at, status: 'Canceled' })[0]!.level, 'warn');
});

test('log chunks become one line each, without an empty trailing line', () => {
  assert.deepEqual(jobLogLines({ seq: 1, job: 'j', type: 'log', time: at, text: 'epoch 1\r\nepoch 2\n' }).map((l) => l.text), ['epoch 1', 'epoch 2']);
  assert.deepEqual(jobLogLines({ seq: 2, job: 'j', type: 'log', time: at, text: 'partial' }).map((l) => l.text), ['partial']);
});

test('metric lines show key, value and step; values stay readable', () => {
  assert.deepEqual(jobLogLines({ seq: 1, job: 'j', type: 'metric', time: at, key: 'accuracy', value: 0.9333333333333333, step: 4 }), [{ level: 'info', text: 'metric accuracy=0.9333333333 step=4' }]);
  assert.equal(formatMetricValue(3), '3');
  assert.equal(formatMetricValue(1.5e-7), '1.500000e-7');
  assert.equal(completionMessage('j', 'Completed'), 'Job j completed.');
  assert.equal(completionMessage('j', 'Failed', 'exit code 1'), 'Job j failed: exit code 1');
});

test('metric series keep step order and the last value of a repeated step', () => {
  const set = new MetricSeriesSet();
  const metric = (key: string, step: number, value: number): JobEvent => ({ seq: 0, job: 'j', type: 'metric', time: at, key, value, step });
  for (const event of [metric('loss', 0, 1), metric('loss', 2, 0.5), metric('loss', 1, 0.7), metric('loss', 2, 0.4), metric('acc', 0, 0.1), metric('acc', 1, Number.NaN)]) set.add(event);
  assert.deepEqual(set.all(), [
    { key: 'acc', steps: [0], values: [0.1] },
    { key: 'loss', steps: [0, 1, 2], values: [1, 0.7, 0.4] },
  ]);
  assert.equal(set.add({ seq: 0, job: 'j', type: 'log', time: at, text: 'x' }), undefined);
});

test("a real job's event stream reads as lifecycle, output and metric lines, in order and resumable without gaps", async (t) => {
  const root = await workspace(t, { 'job.yml': commandJob('python3 -c "print(\'epoch 1\'); print(\'epoch 2\')"', 'experiment_name: lines\n') });
  const plane = await startPlane(t, root);
  const job = await plane.submit('job.yml');
  const first = await plane.events(job.name);
  // Metric points are stored events like any other (the tracking API appends them the same way).
  plane.daemon.plane.events.append(job.name, { type: 'metric', key: 'accuracy', value: 0.75, step: 1 });
  const all = [...first, ...plane.daemon.plane.events.since(first.at(-1)!.seq, job.name)];
  const lines = all.flatMap(jobLogLines).map((l) => l.text);
  const lifecycle = lines.filter((l) => l.startsWith('▶')).map((l) => l.split(' ')[1]);
  assert.deepEqual(lifecycle, ['Queued', 'Preparing', 'Running', 'Finalizing', 'Completed']);
  assert.ok(lines.indexOf('epoch 1') > lines.findIndex((l) => l.startsWith('▶ Running')), lines.join('\n'));
  assert.ok(lines.indexOf('epoch 2') > lines.indexOf('epoch 1'));
  assert.equal(lines.at(-1), 'metric accuracy=0.75 step=1');
  // A follower that lost its connection after some event resumes after it: together the two parts are the whole.
  const cut = all[Math.floor(all.length / 2)]!.seq;
  const resumed = plane.daemon.plane.events.since(cut, job.name);
  assert.deepEqual([...all.filter((e) => e.seq <= cut), ...resumed].map((e) => e.seq), all.map((e) => e.seq));
});
