import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { JobDetail } from '../../core/vocabulary';
import { refusal, startPlane, workspace, type Plane } from '../support/control-plane';
import { readServeInfo } from '../../core/api/connect';
import { kill, startDaemonProcess, submit } from '../support/daemon-process';
import { waitFor } from '../support/docker';
import { banditSweepLines } from '../support/sweeps';

const SWEEP_SCHEMA = '$schema: https://azuremlschemas.azureedge.net/latest/sweepJob.schema.json';
/** The real MLflow client, as a trial logs with it. */
const PYTHON = 'PYTHONPATH=/opt/mlflow-src /usr/bin/python3';

function sweep(lines: string[]): string {
  return [SWEEP_SCHEMA, 'type: sweep', 'experiment_name: sweeps', 'compute: azureml:local', ...lines, ''].join('\n');
}

/** The bandit sweep of `banditSweepLines`, its trials running `command` in ./src. */
function banditSweep(command: string, concurrentTrials: number, timing: string[]): string {
  return sweep(banditSweepLines({ code: './src', command, image: 'localtest/python:3-bookworm' }, concurrentTrials, timing));
}

async function finished(plane: Plane, name: string): Promise<JobDetail> {
  await plane.events(name);
  return plane.client.jobs.get(name);
}

test('a grid sweep runs every combination as a trial, reads the primary metric from tracking and names the best trial', async (t) => {
  const root = await workspace(t, {
    's/sweep.yml': sweep([
      'trial:',
      '  code: ./src',
      `  command: ${PYTHON} trial.py \${{search_space.x}} \${{inputs.offset}}`,
      '  environment:',
      '    image: localtest/python:3-bookworm',
      'inputs:',
      '  offset: 3',
      'sampling_algorithm: grid',
      'search_space:',
      '  x:',
      '    type: choice',
      '    values: [1, 2, 3, 4, 5]',
      'objective:',
      '  primary_metric: score',
      '  goal: maximize',
      'limits:',
      '  max_total_trials: 10',
      '  max_concurrent_trials: 2',
    ]),
    's/src/trial.py': 'import sys, mlflow\nx, offset = float(sys.argv[1]), float(sys.argv[2])\nmlflow.log_metric("score", -(x - offset) ** 2)\nprint("x", x)\n',
  });
  const plane = await startPlane(t, root);
  const job = await plane.submit('s/sweep.yml');
  assert.equal(job.type, 'sweep');
  const detail = await finished(plane, job.name);
  assert.equal(detail.status, 'Completed', detail.reason);
  const summary = detail.sweep!;
  assert.equal(summary.trials.length, 5, 'the grid has 5 combinations, fewer than max_total_trials');
  assert.deepEqual(summary.trials.map((trial) => trial.params.x).sort(), [1, 2, 3, 4, 5]);
  assert.ok(summary.trials.every((trial) => trial.status === 'Completed'));
  assert.equal(summary.best?.params.x, 3);
  assert.equal(Math.abs(summary.best!.metric), 0);
  const children = await plane.client.jobs.list({ parent: job.name });
  assert.deepEqual(children.map((c) => c.step), ['1', '2', '3', '4', '5']);
  const starts = summary.trials.map((trial) => [Date.parse(trial.startedAt!), Date.parse(trial.endedAt!)] as const);
  const overlapping = Math.max(...starts.map(([s]) => starts.filter(([a, b]) => a <= s && s < b).length));
  assert.ok(overlapping <= 2, `at most max_concurrent_trials run at once (saw ${overlapping})`);
});

test('the bandit policy cancels a trial that falls behind the best as soon as it reports', async (t) => {
  const root = await workspace(t, {
    's/sweep.yml': banditSweep(`${PYTHON} trial.py \${{search_space.quality}}`, 1, ['  evaluation_interval: 1', '  delay_evaluation: 0']),
    // A good trial finishes at once; a bad one reports, then would train for a minute more.
    's/src/trial.py': 'import sys, time, mlflow\nq = float(sys.argv[1])\nmlflow.log_metric("accuracy", q, step=0)\nif q < 0.5:\n    time.sleep(60)\n    mlflow.log_metric("accuracy", q, step=1)\n',
  });
  const plane = await startPlane(t, root);
  const started = Date.now();
  const detail = await finished(plane, (await plane.submit('s/sweep.yml')).name);
  assert.ok(Date.now() - started < 45_000, 'the bad trial did not run its minute');
  assert.equal(detail.status, 'Completed', detail.reason);
  const [good, bad] = detail.sweep!.trials;
  assert.equal(good!.status, 'Completed');
  assert.equal(bad!.status, 'Canceled');
  assert.match(bad!.reason ?? '', /^Bandit policy: at interval 1/);
  assert.equal(detail.sweep!.best?.params.quality, 0.9);
});

test('a sweep whose search space cannot be sampled is refused at submission', async (t) => {
  const root = await workspace(t, {
    's/sweep.yml': sweep([
      'trial:',
      '  command: echo ${{search_space.x}}',
      '  environment:',
      '    image: localtest/python:3-bookworm',
      'sampling_algorithm: grid',
      'search_space:',
      '  x:',
      '    type: uniform',
      '    min_value: 0',
      '    max_value: 1',
      'objective:',
      '  primary_metric: m',
      '  goal: minimize',
    ]),
  });
  const plane = await startPlane(t, root);
  const error = await refusal(plane.submit('s/sweep.yml'));
  assert.equal(error.status, 400);
  assert.match(error.message, /grid sampling takes only choice parameters; search_space\.x is uniform/);
  assert.deepEqual(await plane.client.jobs.list(), []);
});

test('limits.trial_timeout cancels a trial that runs too long; limits.timeout cancels the sweep and its trials', async (t) => {
  const spec = (limits: string[]) => sweep([
    'trial:',
    '  command: sleep 60 # ${{search_space.x}}',
    '  environment:',
    '    image: localtest/python:3-bookworm',
    'sampling_algorithm: grid',
    'search_space:',
    '  x:',
    '    type: choice',
    '    values: [1, 2]',
    'objective:',
    '  primary_metric: m',
    '  goal: maximize',
    'limits:',
    '  max_concurrent_trials: 1',
    ...limits,
  ]);
  const root = await workspace(t, { 's/trial-timeout.yml': spec(['  trial_timeout: 1']), 's/timeout.yml': spec(['  timeout: 2']) });
  const plane = await startPlane(t, root);
  const [perTrial, whole] = await Promise.all([plane.submit('s/trial-timeout.yml'), plane.submit('s/timeout.yml')]);
  const trialsTimedOut = await finished(plane, perTrial.name);
  assert.equal(trialsTimedOut.status, 'Failed');
  assert.deepEqual(trialsTimedOut.sweep!.trials.map((trial) => [trial.status, trial.reason]), [['Canceled', 'exceeded limits.timeout of 1 s'], ['Canceled', 'exceeded limits.timeout of 1 s']]);
  assert.match(trialsTimedOut.reason ?? '', /^no trial completed; trial 1 was canceled: exceeded limits.timeout of 1 s/);
  const sweepTimedOut = await finished(plane, whole.name);
  assert.equal(sweepTimedOut.status, 'Canceled');
  assert.equal(sweepTimedOut.reason, 'the sweep reached limits.timeout of 2 s');
  assert.ok(sweepTimedOut.sweep!.trials.every((trial) => trial.status === 'Canceled'));
});

test('a restarted daemon judges the trials with the reports they made before it started', async (t) => {
  // Both trials report once, wait for `go`, report again; the policy applies from interval 2 on.
  const root = await workspace(t, {
    's/src/trial.py': 'import os, sys, time, mlflow\nq, go = float(sys.argv[1]), sys.argv[2]\nmlflow.log_metric("accuracy", q, step=0)\nfor _ in range(2400):\n    if os.path.exists(go):\n        break\n    time.sleep(0.05)\nmlflow.log_metric("accuracy", q, step=1)\nif q < 0.5:\n    time.sleep(60)\n',
  });
  const go = path.join(root, 'go');
  fs.writeFileSync(path.join(root, 's/sweep.yml'), banditSweep(`${PYTHON} trial.py \${{search_space.quality}} ${go}`, 2, ['  delay_evaluation: 2']));
  const first = await startDaemonProcess(t, root);
  const job = await submit(first.client, root, 's/sweep.yml');
  await waitFor('both trials to report once', async () => {
    const trials = (await first.client.jobs.get(job)).sweep?.trials ?? [];
    return (trials.length === 2 && trials.every((trial) => trial.metric !== undefined && trial.status === 'Running')) || undefined;
  }, 60_000);
  // The daemon dies; its trials run on, and the next daemon listens where they log.
  const { port } = readServeInfo(root)!;
  await kill(first);

  const plane = await startPlane(t, root, port);
  fs.writeFileSync(go, '');
  const detail = await finished(plane, job);
  assert.equal(detail.status, 'Completed', detail.reason);
  const [good, bad] = detail.sweep!.trials;
  assert.equal(good!.status, 'Completed');
  assert.equal(bad!.status, 'Canceled');
  assert.equal(bad!.reason, 'Bandit policy: at interval 2 its best accuracy 0.1 is below 0.818182, the best 0.9 of 2 trials at that interval with slack_factor 0.1.');
});
