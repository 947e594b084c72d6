import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { JobDetail, JobEvent } from '../../core/vocabulary';
import { findingLines, refusal, startPlane, workspace, type Plane } from '../support/control-plane';

const PIPELINE_SCHEMA = '$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json';
const COMPONENT_SCHEMA = '$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json';

/** A pipeline of two components in their own files: `split` writes a folder, `count` reads it. */
const TWO_STEPS = {
  'p/pipeline.yml': [
    PIPELINE_SCHEMA,
    'type: pipeline',
    'experiment_name: pipes',
    'settings:',
    '  default_compute: azureml:local',
    'inputs:',
    '  words: alpha beta gamma',
    'outputs:',
    '  counted:',
    '    type: uri_folder',
    'jobs:',
    '  split:',
    '    type: command',
    '    component: ./split.yml',
    '    inputs:',
    '      text: ${{parent.inputs.words}}',
    '  count:',
    '    type: command',
    '    component: file:./count.yml',
    '    inputs:',
    '      parts: ${{parent.jobs.split.outputs.parts}}',
    '    outputs:',
    '      result: ${{parent.outputs.counted}}',
    '',
  ].join('\n'),
  'p/split.yml': [
    COMPONENT_SCHEMA,
    'name: split_words',
    'version: 1',
    'type: command',
    'inputs:',
    '  text:',
    '    type: string',
    'outputs:',
    '  parts:',
    '    type: uri_folder',
    'code: ./src',
    'environment:',
    '  image: localtest/python:3-bookworm',
    'command: python3 split.py "${{inputs.text}}" ${{outputs.parts}}',
    '',
  ].join('\n'),
  'p/count.yml': [
    COMPONENT_SCHEMA,
    'name: count_words',
    'version: 1',
    'type: command',
    'inputs:',
    '  parts:',
    '    type: uri_folder',
    'outputs:',
    '  result:',
    '    type: uri_folder',
    'environment:',
    '  image: localtest/python:3-bookworm',
    'command: ls ${{inputs.parts}} | wc -l > ${{outputs.result}}/count.txt && echo counted',
    '',
  ].join('\n'),
  'p/src/split.py': 'import sys, os\nfor i, w in enumerate(sys.argv[1].split()):\n    open(os.path.join(sys.argv[2], f"{i}.txt"), "w").write(w)\nprint("split", len(sys.argv[1].split()))\n',
};

async function finished(plane: Plane, name: string): Promise<JobDetail> {
  await plane.events(name);
  return plane.client.jobs.get(name);
}

test('a pipeline of two components in their own files runs its steps in order as child jobs and binds its output', async (t) => {
  const root = await workspace(t, TWO_STEPS);
  const plane = await startPlane(t, root);
  const job = await plane.submit('p/pipeline.yml');
  assert.equal(job.type, 'pipeline');
  assert.equal(job.status, 'Running');
  const detail = await finished(plane, job.name);
  assert.equal(detail.status, 'Completed', detail.reason);
  assert.deepEqual(detail.steps!.map((s) => [s.name, s.status, s.dependsOn]), [['split', 'Completed', []], ['count', 'Completed', ['split']]]);
  const [split, count] = detail.steps!;
  assert.ok(Date.parse(split!.endedAt!) <= Date.parse(count!.startedAt!), 'count starts after split ended');
  const children = await plane.client.jobs.list({ parent: job.name });
  assert.deepEqual(children.map((c) => c.step).sort(), ['count', 'split']);
  assert.ok(children.every((c) => c.experiment === 'pipes'));
  const output = detail.outputs.find((o) => o.name === 'counted');
  assert.ok(output, 'the pipeline output is bound to the step output');
  const counted = await plane.client.jobs.outputFile(job.name, 'counted', 'count.txt');
  assert.equal(counted.toString().trim(), '3');
});

test('an unchanged pipeline submitted again reuses every step; a changed input or force_rerun runs again', async (t) => {
  const root = await workspace(t, TWO_STEPS);
  const plane = await startPlane(t, root);
  const first = await finished(plane, (await plane.submit('p/pipeline.yml')).name);
  assert.equal(first.status, 'Completed', first.reason);
  const again = await finished(plane, (await plane.submit('p/pipeline.yml')).name);
  assert.equal(again.status, 'Completed', again.reason);
  assert.deepEqual(again.steps!.map((s) => s.reusedFrom), first.steps!.map((s) => s.job));
  const counted = await plane.client.jobs.outputFile(again.name, 'counted', 'count.txt');
  assert.equal(counted.toString().trim(), '3');
  const changed = await finished(plane, (await plane.submit('p/pipeline.yml', ['inputs.words=one two'])).name);
  assert.deepEqual(changed.steps!.map((s) => s.reusedFrom), [undefined, undefined], 'a changed input changes split, and split\'s new output changes count');
  assert.equal((await plane.client.jobs.outputFile(changed.name, 'counted', 'count.txt')).toString().trim(), '2');
  const forced = await finished(plane, (await plane.submit('p/pipeline.yml', ['settings.force_rerun=true'])).name);
  assert.deepEqual(forced.steps!.map((s) => s.reusedFrom), [undefined, undefined]);
});

test('a failing step fails the pipeline with its name and reason; the steps after it do not run', async (t) => {
  const root = await workspace(t, { ...TWO_STEPS, 'p/src/split.py': 'import sys\nprint("no split today")\nsys.exit(3)\n' });
  const plane = await startPlane(t, root);
  const detail = await finished(plane, (await plane.submit('p/pipeline.yml')).name);
  assert.equal(detail.status, 'Failed');
  assert.match(detail.reason ?? '', /^step split failed: exit code 3/);
  assert.match(detail.reason ?? '', /no split today/);
  const count = detail.steps!.find((s) => s.name === 'count')!;
  assert.equal(count.status, 'Canceled');
  assert.match(count.reason ?? '', /^not run: /);
});

test('independent steps run at the same time; canceling the pipeline stops its running steps and skips the rest', async (t) => {
  const waitForOther = (mine: string, other: string) => `python3 -c "import os,time; open('${mine}','w').close(); [time.sleep(0.05) for _ in range(400) if not os.path.exists('${other}')]; assert os.path.exists('${other}')"`;
  const root = await workspace(t, {
    'p/pipeline.yml': [
      PIPELINE_SCHEMA,
      'type: pipeline',
      'jobs:',
      '  left:',
      '    type: command',
      `    command: ${JSON.stringify(waitForOther('../../left.flag', '../../right.flag'))}`,
      '    outputs:',
      '      o:',
      '        type: uri_folder',
      '  right:',
      '    type: command',
      `    command: ${JSON.stringify(waitForOther('../../right.flag', '../../left.flag'))}`,
      '    outputs:',
      '      o:',
      '        type: uri_folder',
      '  after:',
      '    type: command',
      '    command: sleep 60',
      '    outputs:',
      '      o:',
      '        type: uri_folder',
      '    inputs:',
      '      x: ${{parent.jobs.left.outputs.o}}',
      '      y: ${{parent.jobs.right.outputs.o}}',
      '  last:',
      '    type: command',
      '    command: echo never',
      '    inputs:',
      '      y: ${{parent.jobs.after.outputs.o}}',
      '',
    ].join('\n'),
  });
  const plane = await startPlane(t, root);
  const job = await plane.submit('p/pipeline.yml');
  const running = async () => (await plane.client.jobs.get(job.name)).steps!.find((s) => s.name === 'after')!.status === 'Running';
  for (let i = 0; i < 400 && !(await running()); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  const detail = await plane.client.jobs.get(job.name);
  assert.deepEqual(detail.steps!.map((s) => s.status), ['Completed', 'Completed', 'Running', 'NotStarted'], 'left and right each waited for the other: they ran at once');
  await plane.client.jobs.cancel(job.name);
  const canceled = await finished(plane, job.name);
  assert.equal(canceled.status, 'Canceled');
  assert.deepEqual(canceled.steps!.map((s) => s.status), ['Completed', 'Completed', 'Canceled', 'Canceled']);
  assert.match(canceled.steps![3]!.reason ?? '', /^not run: the pipeline was canceled/);
});

test('a pipeline that cannot run is refused at submission with the step at fault', async (t) => {
  const root = await workspace(t, {
    ...TWO_STEPS,
    'p/pipeline.yml': TWO_STEPS['p/pipeline.yml'].replace('component: ./split.yml', 'component: ./missing.yml'),
  });
  const plane = await startPlane(t, root);
  const error = await refusal(plane.submit('p/pipeline.yml'));
  assert.match(findingLines(error).join('\n'), /pipeline\.yml:\d+:\d+ error .*missing\.yml/);
  assert.equal(fs.existsSync(path.join(root, '.mlw/runs')) ? fs.readdirSync(path.join(root, '.mlw/runs')).length : 0, 0);
});

/** The real MLflow client, as a sweep trial logs with it. */
const PYTHON = 'PYTHONPATH=/opt/mlflow-src /usr/bin/python3';

/** `prep` writes an offset, `tune` sweeps x over a choice (score -(x - offset)²) and writes x, `report` reads tune's output. */
function sweepPipeline(trialScript: string): Record<string, string> {
  return {
    'p/pipeline.yml': [
      PIPELINE_SCHEMA,
      'type: pipeline',
      'experiment_name: tuned',
      'settings:',
      '  default_compute: azureml:local',
      'outputs:',
      '  best_model:',
      '    type: uri_folder',
      'jobs:',
      '  prep:',
      '    type: command',
      '    command: echo 3 > ${{outputs.data}}/offset.txt',
      '    environment:',
      '      image: localtest/python:3-bookworm',
      '    outputs:',
      '      data:',
      '        type: uri_folder',
      '  tune:',
      '    type: sweep',
      '    trial: ./trial.yml',
      '    inputs:',
      '      data: ${{parent.jobs.prep.outputs.data}}',
      '    outputs:',
      '      model: ${{parent.outputs.best_model}}',
      '    sampling_algorithm: grid',
      '    search_space:',
      '      x:',
      '        type: choice',
      '        values: [1, 3, 5]',
      '    objective:',
      '      goal: maximize',
      '      primary_metric: score',
      '    limits:',
      '      max_total_trials: 3',
      '      max_concurrent_trials: 3',
      '  report:',
      '    type: command',
      '    command: cat ${{inputs.model}}/x.txt > ${{outputs.out}}/report.txt',
      '    environment:',
      '      image: localtest/python:3-bookworm',
      '    inputs:',
      '      model: ${{parent.jobs.tune.outputs.model}}',
      '    outputs:',
      '      out:',
      '        type: uri_folder',
      '',
    ].join('\n'),
    'p/trial.yml': [
      COMPONENT_SCHEMA,
      'name: trial',
      'type: command',
      'inputs:',
      '  data:',
      '    type: uri_folder',
      '  x:',
      '    type: number',
      'outputs:',
      '  model:',
      '    type: uri_folder',
      'code: ./src',
      'environment:',
      '  image: localtest/python:3-bookworm',
      `command: ${PYTHON} trial.py \${{inputs.data}} \${{inputs.x}} \${{outputs.model}}`,
      '',
    ].join('\n'),
    'p/src/trial.py': trialScript,
  };
}

test('a sweep step runs its trials as its own children once its inputs exist; the steps after it read the best trial\'s outputs', async (t) => {
  const root = await workspace(t, sweepPipeline('import sys, os, mlflow\noffset = float(open(os.path.join(sys.argv[1], "offset.txt")).read())\nx = float(sys.argv[2])\nmlflow.log_metric("score", -(x - offset) ** 2)\nopen(os.path.join(sys.argv[3], "x.txt"), "w").write(sys.argv[2])\n'));
  const plane = await startPlane(t, root);
  const job = await plane.submit('p/pipeline.yml');
  const detail = await finished(plane, job.name);
  assert.equal(detail.status, 'Completed', detail.reason);
  assert.deepEqual(detail.steps!.map((s) => [s.name, s.status, s.dependsOn]), [['prep', 'Completed', []], ['tune', 'Completed', ['prep']], ['report', 'Completed', ['tune']]]);
  const tune = await plane.client.jobs.get(detail.steps![1]!.job);
  assert.equal(tune.type, 'sweep');
  assert.equal(tune.sweep!.trials.length, 3);
  assert.ok(tune.sweep!.trials.every((trial) => trial.status === 'Completed'));
  assert.equal(tune.sweep!.best?.params.x, 3);
  assert.equal((await plane.client.jobs.outputFile(detail.steps![2]!.job, 'out', 'report.txt')).toString().trim(), '3');
  assert.equal((await plane.client.jobs.outputFile(job.name, 'best_model', 'x.txt')).toString().trim(), '3');
  const reruns = await finished(plane, (await plane.submit('p/pipeline.yml')).name);
  assert.equal(reruns.steps![1]!.reusedFrom, undefined, 'a sweep step is not reused');
});

test('canceling a pipeline while its sweep step runs cancels the sweep and its trials', async (t) => {
  const root = await workspace(t, sweepPipeline('import time\ntime.sleep(60)\n'));
  const plane = await startPlane(t, root);
  const job = await plane.submit('p/pipeline.yml');
  const tuneJob = `${job.name}_tune`;
  const trialsRun = async () => (await plane.client.jobs.list({ parent: tuneJob })).some((trial) => trial.status === 'Running');
  for (let i = 0; i < 1200 && !(await trialsRun()); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(await trialsRun(), 'a trial runs');
  await plane.client.jobs.cancel(job.name);
  const canceled = await finished(plane, job.name);
  assert.equal(canceled.status, 'Canceled');
  assert.deepEqual(canceled.steps!.map((s) => s.status), ['Completed', 'Canceled', 'Canceled']);
  const trials = await plane.client.jobs.list({ parent: tuneJob });
  assert.deepEqual(trials.map((trial) => trial.status), ['Canceled', 'Canceled', 'Canceled']);
});

test('a pipeline\'s stream with its steps resumes after any event without losing a step\'s lines', async (t) => {
  const root = await workspace(t, TWO_STEPS);
  const plane = await startPlane(t, root);
  const job = await plane.submit('p/pipeline.yml');
  const all: JobEvent[] = [];
  await plane.client.jobs.events(job.name, (event) => all.push(event), { children: true });
  const split = `${job.name}_split`;
  const running = all.find((e) => e.job === split && e.type === 'status' && e.status === 'Running')!;
  assert.ok(all.some((e) => e.job === split && e.type === 'log' && /split 3/.test(e.text)), 'the step\'s log is on the pipeline\'s stream');
  const resumed: JobEvent[] = [];
  await plane.client.jobs.events(job.name, (event) => resumed.push(event), { children: true, after: running.seq });
  assert.deepEqual(resumed.map((e) => e.seq), all.filter((e) => e.seq > running.seq).map((e) => e.seq));
});

test('continue_on_step_failure runs the independent steps, skips the ones reading a failed step, and fails the pipeline', async (t) => {
  const root = await workspace(t, {
    'p/pipeline.yml': [
      PIPELINE_SCHEMA,
      'type: pipeline',
      'settings:',
      '  continue_on_step_failure: true',
      'jobs:',
      '  broken:',
      '    type: command',
      '    command: echo bad; exit 4',
      '    outputs:',
      '      o:',
      '        type: uri_folder',
      '  fine:',
      '    type: command',
      '    command: echo fine',
      '  reader:',
      '    type: command',
      '    command: ls ${{inputs.i}}',
      '    inputs:',
      '      i: ${{parent.jobs.broken.outputs.o}}',
      '',
    ].join('\n'),
  });
  const plane = await startPlane(t, root);
  const detail = await finished(plane, (await plane.submit('p/pipeline.yml')).name);
  assert.equal(detail.status, 'Failed');
  assert.match(detail.reason ?? '', /^step broken failed: exit code 4/);
  assert.deepEqual(detail.steps!.map((s) => [s.name, s.status]), [['broken', 'Failed'], ['fine', 'Completed'], ['reader', 'Canceled']]);
  assert.match(detail.steps![2]!.reason ?? '', /^not run: it reads outputs of step broken/);
});

test('steps from a registered component write to settings.default_datastore, and their runs are child runs of the pipeline\'s', async (t) => {
  const root = await workspace(t, {
    ...TWO_STEPS,
    'p/shared.yml': 'name: shared\ntype: local\npath: ../shared-store\n',
    'shared-store/README': 'the shared datastore\n',
    'p/pipeline.yml': TWO_STEPS['p/pipeline.yml'].replace('component: ./split.yml', 'component: azureml:split_words:1').replace('  default_compute: azureml:local', '  default_compute: azureml:local\n  default_datastore: azureml:shared'),
  });
  const plane = await startPlane(t, root);
  await plane.client.assets.register('component', { path: path.join(root, 'p/split.yml') });
  await plane.client.assets.register('datastore', { path: path.join(root, 'p/shared.yml') });
  const detail = await finished(plane, (await plane.submit('p/pipeline.yml')).name);
  assert.equal(detail.status, 'Completed', detail.reason);
  const split = detail.steps![0]!.job;
  const parts = path.join(root, 'shared-store', 'azureml', split, 'parts');
  assert.deepEqual(fs.readdirSync(parts).sort(), ['0.txt', '1.txt', '2.txt'], 'the step output is in the pipeline\'s default datastore');
  const run = await plane.http.request<{ run: { data: { tags: { key: string; value: string }[] } } }>('GET', `/api/2.0/mlflow/runs/get?run_id=${split}`);
  assert.ok(run.run.data.tags.some((tag) => tag.key === 'mlflow.parentRunId' && tag.value === detail.name), JSON.stringify(run.run.data.tags));
});

test('a step reading a local folder is reused only while the folder\'s content is unchanged', async (t) => {
  const root = await workspace(t, {
    'p/data/words.txt': 'one two\n',
    'p/pipeline.yml': [
      PIPELINE_SCHEMA,
      'type: pipeline',
      'jobs:',
      '  count:',
      '    type: command',
      '    command: wc -w < ${{inputs.data}}/words.txt > ${{outputs.n}}/n.txt',
      '    inputs:',
      '      data:',
      '        type: uri_folder',
      '        path: ./data',
      '    outputs:',
      '      n:',
      '        type: uri_folder',
      '',
    ].join('\n'),
  });
  const plane = await startPlane(t, root);
  const count = async (detail: JobDetail) => (await plane.client.jobs.outputFile(detail.steps![0]!.job, 'n', 'n.txt')).toString().trim();
  const first = await finished(plane, (await plane.submit('p/pipeline.yml')).name);
  assert.equal(await count(first), '2');
  const same = await finished(plane, (await plane.submit('p/pipeline.yml')).name);
  assert.equal(same.steps![0]!.reusedFrom, first.steps![0]!.job);
  fs.writeFileSync(path.join(root, 'p/data/words.txt'), 'one two three\n');
  const changed = await finished(plane, (await plane.submit('p/pipeline.yml')).name);
  assert.equal(changed.steps![0]!.reusedFrom, undefined, 'the folder changed: the step runs again');
  assert.equal(await count(changed), '3');
});
