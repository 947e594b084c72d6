import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeJob } from '../../cli/commands/job-show';
import { childJobRows, EventPrinter, table } from '../../cli/format';
import type { JobDetail, JobEvent } from '../../core/vocabulary';

const time = '2026-11-26T00:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(time) + seconds * 1000).toISOString();

const job: JobDetail = { name: 'pipe', type: 'pipeline', experiment: 'exp', status: 'Running', compute: 'local', createdAt: time, specPath: 'p.yml', spec: {}, outputs: [], events: [] };

test('job show prints a pipeline\'s steps: status or Reused, duration, compute, depends on', () => {
  const text = describeJob({
    ...job,
    steps: [
      { name: 'prep', job: 'pipe-prep', status: 'Completed', compute: 'local', dependsOn: [], reusedFrom: 'old-prep' },
      { name: 'train', job: 'pipe-train', status: 'Completed', compute: 'cpu', dependsOn: ['prep'], startedAt: at(0), endedAt: at(65) },
      { name: 'score', job: 'pipe-score', status: 'Failed', reason: 'exit code 1\nlast lines', compute: 'local', dependsOn: ['prep', 'train'], startedAt: at(70), endedAt: at(72.5) },
      { name: 'report', job: 'pipe-report', status: 'NotStarted', compute: 'local', dependsOn: ['score'] },
    ],
  });
  const steps = text.slice(text.indexOf('steps:'), text.indexOf('history:'));
  assert.equal(steps, [
    'steps:',
    '  STEP    STATUS      DURATION  COMPUTE  DEPENDS ON',
    '  prep    Reused      -         local    -',
    '  train   Completed   1m 05s    cpu      prep',
    '  score   Failed      2.5s      local    prep, train',
    '  report  NotStarted  -         local    score',
    '  prep reused the outputs of old-prep',
    '  score failed: exit code 1',
    '',
  ].join('\n'));
});

test('job show prints a sweep\'s objective, trials with params and primary metric, and the best trial', () => {
  const text = describeJob({
    ...job,
    type: 'sweep',
    sweep: {
      primaryMetric: 'accuracy', goal: 'maximize', samplingAlgorithm: 'random', maxTotalTrials: 4, maxConcurrentTrials: 2,
      trials: [
        { job: 'sw-1', status: 'Completed', params: { lr: 0.01, opt: 'adam' }, metric: 0.91, startedAt: at(0), endedAt: at(12) },
        { job: 'sw-2', status: 'Running', params: { lr: 0.1, opt: 'sgd' } },
      ],
      best: { job: 'sw-1', params: { lr: 0.01, opt: 'adam' }, metric: 0.91 },
    },
  });
  const sweep = text.slice(text.indexOf('sweep:'), text.indexOf('history:'));
  assert.equal(sweep, [
    'sweep:       maximize accuracy (random sampling, 2 of at most 4 trials, 2 at a time)',
    'trials:',
    '  TRIAL  STATUS     ACCURACY  DURATION  PARAMS',
    '  sw-1   Completed  0.91      12s       lr=0.01 opt=adam',
    '  sw-2   Running    -         -         lr=0.1 opt=sgd',
    'best:        sw-1  accuracy=0.91  lr=0.01 opt=adam',
    '',
  ].join('\n'));
});

test('a single job is shown as before: no steps, no sweep', () => {
  const text = describeJob({ ...job, type: 'command' });
  assert.doesNotMatch(text, /steps:|sweep:|trials:/);
  assert.equal(text, ['name:        pipe', 'status:      Running', 'experiment:  exp', 'compute:     local', 'spec:        p.yml', `created:     ${time}`, 'history:', ''].join('\n'));
});

test('job list --parent names each child\'s step, and Reused for a reused step', () => {
  const rows = childJobRows([
    { name: 'pipe-prep', type: 'command', experiment: 'exp', status: 'Completed', compute: 'local', createdAt: time, parent: 'pipe', step: 'prep', reusedFrom: 'old' },
    { name: 'pipe-train', type: 'command', experiment: 'exp', status: 'Queued', compute: 'cpu', createdAt: time, parent: 'pipe', step: 'train' },
  ]);
  assert.equal(table(rows), [
    'STEP   NAME        STATUS  COMPUTE  CREATED',
    `prep   pipe-prep   Reused  local    ${time}`,
    `train  pipe-train  Queued  cpu      ${time}`,
    '',
  ].join('\n'));
});

test('a child job\'s status, log and metric lines start with its step name; the job\'s own do not', () => {
  const out: string[] = [];
  const printer = new EventPrinter((text) => out.push(text), (name) => (name === 'pipe' ? '' : `[${name.slice(5)}] `));
  const events: JobEvent[] = [
    { seq: 1, job: 'pipe', type: 'status', time, status: 'Running' },
    { seq: 2, job: 'pipe-prep', type: 'status', time, status: 'Running', parent: 'pipe' },
    { seq: 3, job: 'pipe-prep', type: 'log', time, text: 'line one\nline two\n' },
    { seq: 4, job: 'pipe-prep', type: 'metric', time, key: 'loss', value: 0.5, step: 1 },
    { seq: 5, job: 'pipe-train', type: 'metric', time, key: 'loss', value: 0.7, step: 1 },
    { seq: 6, job: 'pipe', type: 'status', time, status: 'Completed' },
  ];
  events.forEach((event) => printer.print(event));
  assert.deepEqual(out, [
    `[${time}] Running\n`,
    `[prep] [${time}] Running\n`,
    '[prep] line one\n[prep] line two\n',
    '[prep] step 1  loss=0.5\n',
    '[train] step 1  loss=0.7\n',
    `[${time}] Completed\n`,
  ]);
});
