import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { workspace } from '../support/control-plane';
import { ended, kill, reaches, startDaemonProcess, submit } from '../support/daemon-process';

const held = (mark: string) => `echo ran >> "$MARKS/${mark}"; while [ -f "$HOLD" ]; do sleep 0.05; done`;
const runs = (marks: string, mark: string) => (fs.existsSync(path.join(marks, mark)) ? fs.readFileSync(path.join(marks, mark), 'utf8').split('\n').filter(Boolean).length : 0);

/** A workspace whose jobs wait while the file `HOLD` exists and count their runs in `MARKS/`. */
async function heldWorkspace(t: Parameters<typeof workspace>[0], files: Record<string, string>): Promise<{ root: string; marks: string; hold: string; env: Record<string, string> }> {
  const root = await workspace(t, files);
  const marks = path.join(root, 'marks');
  const hold = path.join(root, 'hold');
  fs.mkdirSync(marks);
  fs.writeFileSync(hold, '');
  return { root, marks, hold, env: { MARKS: marks, HOLD: hold } };
}

test('a pipeline whose daemon was killed mid-step goes on with the next daemon; no step runs twice', async (t) => {
  const { root, marks, hold, env } = await heldWorkspace(t, {
    'p.yml': [
      '$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json',
      'type: pipeline',
      'jobs:',
      '  first:',
      '    type: command',
      `    command: ${JSON.stringify(held('first'))}`,
      '    outputs:',
      '      o:',
      '        type: uri_folder',
      '  second:',
      '    type: command',
      '    command: echo ran >> "$MARKS/second"',
      '    inputs:',
      '      i: ${{parent.jobs.first.outputs.o}}',
      '',
    ].join('\n'),
  });
  const daemon = await startDaemonProcess(t, root, env);
  const pipeline = await submit(daemon.client, root, 'p.yml');
  await reaches(daemon.client, pipeline, (d) => d.steps?.[0]?.status === 'Running');
  await kill(daemon);
  fs.rmSync(hold);
  const next = await startDaemonProcess(t, root, env);
  const done = await reaches(next.client, pipeline, ended);
  assert.equal(done.status, 'Completed', done.reason);
  assert.deepEqual(done.steps!.map((s) => s.status), ['Completed', 'Completed']);
  assert.deepEqual([runs(marks, 'first'), runs(marks, 'second')], [1, 1]);
});

test('a sweep whose daemon was killed mid-trial samples on with the next daemon up to its limit', async (t) => {
  const { root, marks, hold, env } = await heldWorkspace(t, {
    's.yml': [
      '$schema: https://azuremlschemas.azureedge.net/latest/sweepJob.schema.json',
      'type: sweep',
      'trial:',
      `  command: ${JSON.stringify(held('trial-${{search_space.x}}'))}`,
      '  environment:',
      '    image: localtest/python:3-bookworm',
      'sampling_algorithm: grid',
      'search_space:',
      '  x:',
      '    type: choice',
      '    values: [1, 2, 3]',
      'objective:',
      '  primary_metric: m',
      '  goal: maximize',
      'limits:',
      '  max_total_trials: 3',
      '  max_concurrent_trials: 1',
      '',
    ].join('\n'),
  });
  const daemon = await startDaemonProcess(t, root, env);
  const sweep = await submit(daemon.client, root, 's.yml');
  await reaches(daemon.client, sweep, (d) => d.sweep?.trials[0]?.status === 'Running');
  await kill(daemon);
  fs.rmSync(hold);
  const next = await startDaemonProcess(t, root, env);
  const done = await reaches(next.client, sweep, ended);
  assert.equal(done.status, 'Completed', done.reason);
  assert.deepEqual(done.sweep!.trials.map((trial) => [trial.params.x, trial.status]), [[1, 'Completed'], [2, 'Completed'], [3, 'Completed']]);
  assert.deepEqual([1, 2, 3].map((x) => runs(marks, `trial-${x}`)), [1, 1, 1]);
});
