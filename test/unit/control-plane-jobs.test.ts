import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { commandJob, logText, startPlane, statuses, workspace } from '../support/control-plane';
import { waitFor } from '../support/docker';

test('a command job on local compute goes through the whole lifecycle and its output is streamed', async (t) => {
  const root = await workspace(t, {
    'hello/job.yml': commandJob('python3 hello.py "${{inputs.greeting}}"', 'code: ./src\ninputs:\n  greeting: hi there\nexperiment_name: greetings\n'),
    'hello/src/hello.py': 'import sys, os\nprint("said", sys.argv[1])\nprint("cwd has", sorted(os.listdir(".")))\nprint("run", os.environ["AZUREML_RUN_ID"])\n',
  });
  const plane = await startPlane(t, root);
  const job = await plane.submit('hello/job.yml');
  assert.equal(job.experiment, 'greetings');
  const events = await plane.events(job.name);
  assert.deepEqual(statuses(events), ['Queued', 'Preparing', 'Running', 'Finalizing', 'Completed']);
  const log = logText(events);
  assert.match(log, /said hi there\n/);
  assert.match(log, /cwd has \['hello.py'\]/);
  assert.ok(log.includes(`run ${job.name}`));
  const seqs = events.map((e) => e.seq);
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'events arrive in sequence order');
  const detail = await plane.client.jobs.get(job.name);
  assert.equal(detail.status, 'Completed');
  assert.equal(detail.exitCode, 0);
  assert.ok(detail.snapshot, 'the code folder was snapshotted');
  const userLog = fs.readFileSync(path.join(root, '.mlw/runs', job.name, 'user_logs/std_log.txt'), 'utf8');
  assert.match(userLog, /^said hi there\n/, 'the user log holds only what the run printed');
  assert.ok(log.includes(userLog));
  assert.match(fs.readFileSync(path.join(root, '.mlw/runs', job.name, 'system_logs/lifecycle.txt'), 'utf8'), /running on local/);
});

test('inputs and outputs are substituted; outputs land in the default datastore and download through the API', async (t) => {
  const root = await workspace(t, {
    'job.yml': commandJob('echo "n=${{inputs.n}} flag=${{inputs.flag}}" > ${{outputs.result}}/result.txt && cat ${{inputs.data}}/a.txt $[[--never ${{inputs.missing}}]]', [
      'inputs:',
      '  n: 42',
      '  flag: true',
      '  data:',
      '    type: uri_folder',
      '    path: ./data',
      '  missing:',
      '    type: string',
      '    optional: true',
      'outputs:',
      '  result:',
      '',
    ].join('\n')),
    'data/a.txt': 'from the data folder\n',
  });
  const plane = await startPlane(t, root);
  const job = await plane.submit('job.yml');
  const events = await plane.events(job.name);
  assert.equal(statuses(events).pop(), 'Completed', logText(events));
  assert.match(logText(events), /from the data folder/);
  assert.doesNotMatch(logText(events), /--never/);
  const detail = await plane.client.jobs.get(job.name);
  const output = detail.outputs.find((o) => o.name === 'result')!;
  assert.equal(output.uri, `azureml://datastores/workspaceblobstore/paths/azureml/${job.name}/result/`);
  assert.deepEqual(output.files, ['result.txt']);
  const onDisk = path.join(root, '.mlw/datastores/workspaceblobstore/azureml', job.name, 'result/result.txt');
  assert.equal(fs.readFileSync(onDisk, 'utf8'), 'n=42 flag=true\n');
  const downloaded = await plane.client.jobs.outputFile(job.name, 'result', 'result.txt');
  assert.equal(downloaded.toString(), 'n=42 flag=true\n');
  await assert.rejects(plane.http.download(`/api/jobs/${job.name}/outputs/result/files/..%2F..%2F..%2Fmlw.db`), /outside the output folder|no file/);
});

test('a failing command ends Failed with its exit code and last log lines', async (t) => {
  const root = await workspace(t, { 'job.yml': commandJob('echo preparing data; echo something broke >&2; exit 3') });
  const plane = await startPlane(t, root);
  const job = await plane.submit('job.yml');
  const events = await plane.events(job.name);
  const last = events.filter((e) => e.type === 'status').pop()!;
  assert.equal(last.type === 'status' && last.status, 'Failed');
  assert.match(last.type === 'status' ? last.reason ?? '' : '', /^exit code 3; last log lines:[\s\S]*something broke/);
  const detail = await plane.client.jobs.get(job.name);
  assert.equal(detail.exitCode, 3);
});

test('cancel stops a running job; a timeout cancels with the reason', async (t) => {
  const root = await workspace(t, {
    'long.yml': commandJob('echo started; sleep 60'),
    'timeout.yml': commandJob('echo started; sleep 60', 'limits:\n  timeout: 1\n'),
  });
  const plane = await startPlane(t, root);
  const job = await plane.submit('long.yml');
  const logFile = path.join(root, '.mlw/runs', job.name, 'user_logs/std_log.txt');
  await waitFor('the job to start', () => fs.existsSync(logFile) && fs.readFileSync(logFile, 'utf8').includes('started'));
  const pid = Number(fs.readFileSync(path.join(root, '.mlw/runs', job.name, 'state/pid'), 'utf8'));
  const canceled = await plane.client.jobs.cancel(job.name);
  assert.equal(canceled.status, 'Canceled');
  assert.throws(() => process.kill(pid, 0), 'the process is gone');
  const timed = await plane.submit('timeout.yml');
  const events = await plane.events(timed.name);
  const last = events.filter((e) => e.type === 'status').pop()!;
  assert.deepEqual(last.type === 'status' && [last.status, last.reason], ['Canceled', 'exceeded limits.timeout of 1 s']);
});

test('a reconnect with Last-Event-ID resumes the stream without gaps or repeats', async (t) => {
  const root = await workspace(t, { 'job.yml': commandJob('for i in 1 2 3 4 5; do echo line $i; done') });
  const plane = await startPlane(t, root);
  const job = await plane.submit('job.yml');
  const all = await plane.events(job.name);
  assert.ok(all.length >= 6);
  const cut = all[2]!.seq;
  const rest = await plane.events(job.name, cut);
  assert.deepEqual(rest, all.slice(3));
});

test('a compute runs at most max_instances jobs at once and says why the others wait', async (t) => {
  const root = await workspace(t, {
    'two.yml': 'name: two\ntype: local\nmax_instances: 2\n',
    'job.yml': commandJob('while [ ! -f "$GATE" ]; do sleep 0.05; done; echo through', 'compute: azureml:two\nenvironment_variables:\n  GATE: __GATE__\n'),
  });
  const gate = path.join(root, 'gate');
  fs.writeFileSync(path.join(root, 'job.yml'), fs.readFileSync(path.join(root, 'job.yml'), 'utf8').replace('compute: azureml:local\n', '').replace('__GATE__', gate));
  const plane = await startPlane(t, root);
  await plane.client.assets.register('compute', { path: path.join(root, 'two.yml') });
  const jobs = [];
  for (let i = 0; i < 5; i++) jobs.push(await plane.submit('job.yml'));
  await waitFor('two jobs running', async () => (await plane.client.jobs.list()).filter((j) => j.status === 'Running').length === 2);
  const listed = await plane.client.jobs.list();
  const queued = listed.filter((j) => j.status === 'Queued').sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  assert.equal(queued.length, 3);
  assert.deepEqual(queued.map((j) => j.reason), [0, 1, 2].map((ahead) => `waiting for a free instance of two: 2/2 busy, ${ahead} ahead`));
  fs.writeFileSync(gate, '');
  let maxRunning = 0;
  const unsubscribe = plane.daemon.plane.events.subscribe(() => (maxRunning = Math.max(maxRunning, plane.daemon.plane.activeJobs)));
  for (const job of jobs) assert.equal(await plane.finalStatus(job.name), 'Completed');
  unsubscribe();
  assert.ok(maxRunning <= 2, `at most 2 active, saw ${maxRunning}`);
});

test('a job that starts at once carries no waiting reason; one that waits says why', async (t) => {
  const root = await workspace(t, {
    'one.yml': 'name: one\ntype: local\nmax_instances: 1\n',
    'job.yml': commandJob('while [ ! -f "$GATE" ]; do sleep 0.05; done', 'environment_variables:\n  GATE: __GATE__\n').replace('compute: azureml:local\n', 'compute: azureml:one\n'),
  });
  const gate = path.join(root, 'gate');
  fs.writeFileSync(path.join(root, 'job.yml'), fs.readFileSync(path.join(root, 'job.yml'), 'utf8').replace('__GATE__', gate));
  const plane = await startPlane(t, root);
  await plane.client.assets.register('compute', { path: path.join(root, 'one.yml') });
  const first = await plane.submit('job.yml');
  assert.deepEqual([first.status, first.reason], ['Queued', undefined]);
  const second = await plane.submit('job.yml');
  assert.deepEqual([second.status, second.reason], ['Queued', 'waiting for a free instance of one: 1/1 busy, 0 ahead']);
  const firstEvents = await plane.client.jobs.get(first.name);
  assert.equal(firstEvents.events[0]!.type === 'status' && firstEvents.events[0]!.reason, undefined, 'no reason recorded with Queued');
  fs.writeFileSync(gate, '');
  assert.equal(await plane.finalStatus(first.name), 'Completed');
  assert.equal(await plane.finalStatus(second.name), 'Completed');
});

test('named outputs become data and model assets whose lineage is the job', async (t) => {
  const root = await workspace(t, {
    'job.yml': commandJob('echo model > ${{outputs.model}}/model.txt && echo rows > ${{outputs.features}}/f.csv', 'outputs:\n  model:\n    type: custom_model\n    name: classifier\n  features:\n    type: uri_folder\n    name: features\n    version: "7"\n  scratch:\n'),
  });
  const plane = await startPlane(t, root);
  const job = await plane.submit('job.yml');
  assert.equal(await plane.finalStatus(job.name), 'Completed');
  const model = await plane.client.assets.get('model', 'classifier');
  assert.deepEqual([model.version, model.job, model.spec.type], ['1', job.name, 'custom_model']);
  assert.equal(model.spec.path, `azureml://datastores/workspaceblobstore/paths/azureml/${job.name}/model/`);
  const data = await plane.client.assets.get('data', 'features');
  assert.deepEqual([data.version, data.job], ['7', job.name]);
  const again = await plane.submit('job.yml');
  const events = await plane.events(again.name);
  const last = events.filter((e) => e.type === 'status').pop()!;
  assert.equal(last.type === 'status' && last.status, 'Failed');
  assert.match(last.type === 'status' ? last.reason ?? '' : '', /data features:7 already exists with different content/);
  const models = await plane.client.assets.list({ kind: 'model', name: 'classifier' });
  assert.equal(models.length, 1, 'no output of the failed registration was kept');
  const third = await plane.submit('job.yml', ['outputs.features.version=8']);
  assert.match(logText(await plane.events(third.name)), /output features registered as data features:8\n\[mlw\] output model registered as model classifier:2\n/);
});
