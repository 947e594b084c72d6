import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import type { JobEvent } from '../../core/vocabulary';
import { COMMAND_SCHEMA, logText, startPlane, statuses, workspace } from '../support/control-plane';
import { waitFor } from '../support/docker';
import { mlflowCall, mlflowReady, runPython } from '../support/mlflow';

const EXAMPLE = path.join(__dirname, '../../examples/mlflow');
const CLI = path.join(__dirname, '../../out/cli.js');
const execFileAsync = promisify(execFile);

function exampleFiles(): Record<string, string> {
  return {
    'mlflow/job.yml': fs.readFileSync(path.join(EXAMPLE, 'job.yml'), 'utf8'),
    'mlflow/src/train.py': fs.readFileSync(path.join(EXAMPLE, 'src/train.py'), 'utf8'),
  };
}

const READ_BACK = `
import json, os, sys, tempfile
from mlflow import MlflowClient
run_id, experiment_id = sys.argv[1], sys.argv[2]
client = MlflowClient()
history = client.get_metric_history(run_id, "loss")
found = client.search_runs([experiment_id], "metrics.test_accuracy > 0.5 and params.epochs = '20'", order_by=["metrics.test_accuracy DESC"])
folder = client.download_artifacts(run_id, "summary", tempfile.mkdtemp())
summary = json.load(open(os.path.join(folder, "summary.json")))
version = client.get_latest_versions("iris-classifier")[0]
print(json.dumps({"steps": [m.step for m in history], "losses": [m.value for m in history], "found": [r.info.run_id for r in found],
                  "summary": summary, "model_run": version.run_id, "model_source": version.source}))
`;

test('a job on local compute logs through the real MLflow client into its own run, and everything reads back', async (t) => {
  if (!mlflowReady(t)) return;
  const root = await workspace(t, exampleFiles());
  const plane = await startPlane(t, root);
  const { port, token } = plane.daemon.info;
  const job = await plane.submit('mlflow/job.yml');
  const events = await plane.events(job.name);
  const finalStatus = statuses(events).pop();
  assert.equal(finalStatus, 'Completed', events.map((e) => (e.type === 'log' ? e.text : '')).join(''));

  // The job's stream carried every per-step metric point before its terminal status.
  const metricEvents = events.filter((e): e is Extract<JobEvent, { type: 'metric' }> => e.type === 'metric');
  const lossSteps = metricEvents.filter((e) => e.key === 'loss').map((e) => e.step);
  assert.deepEqual(lossSteps, Array.from({ length: 20 }, (_, i) => i));
  assert.ok(metricEvents.some((e) => e.key === 'test_accuracy'));
  assert.ok(events.findIndex((e) => e.type === 'metric') < events.findIndex((e) => e.type === 'status' && e.status === 'Completed'));

  // The job is the run: same id, the job's experiment, one run only (start_run resumed it), finished.
  const run = (await mlflowCall(port, token, 'GET', 'runs/get', { run_id: job.name })).body.run;
  assert.equal(run.info.run_id, job.name);
  assert.equal(run.info.status, 'FINISHED');
  assert.ok(run.info.end_time >= run.info.start_time);
  const experiment = (await mlflowCall(port, token, 'GET', 'experiments/get-by-name', { experiment_name: 'mlflow-iris' })).body.experiment;
  assert.equal(run.info.experiment_id, experiment.experiment_id);
  const all = (await mlflowCall(port, token, 'POST', 'runs/search', { experiment_ids: [experiment.experiment_id] })).body.runs;
  assert.deepEqual(all.map((r: { info: { run_id: string } }) => r.info.run_id), [job.name]);
  const params = Object.fromEntries(run.data.params.map((p: { key: string; value: string }) => [p.key, p.value]));
  assert.equal(params.epochs, '20');
  assert.equal(params.alpha_arg, '0.001');
  assert.equal(params.loss, 'log_loss', 'autolog logged the estimator params');
  const tags = Object.fromEntries(run.data.tags.map((p: { key: string; value: string }) => [p.key, p.value]));
  assert.equal(tags.framework, 'scikit-learn');
  assert.equal(tags['mlflow.runName'], 'mlflow-iris');
  const metrics = Object.fromEntries(run.data.metrics.map((m: { key: string; value: number; step: number }) => [m.key, m]));
  assert.equal(metrics.loss.step, 19);
  assert.ok(metrics.test_accuracy.value > 0.5);
  assert.ok('training_accuracy_score' in metrics, 'autolog logged training metrics');
  const history = (await mlflowCall(port, token, 'GET', 'metrics/get-history', { run_id: job.name, metric_key: 'loss' })).body.metrics;
  assert.equal(history.length, 20);

  const listed = (await mlflowCall(port, token, 'GET', 'artifacts/list', { run_id: job.name })).body;
  assert.equal(listed.root_uri, `mlflow-artifacts:/${experiment.experiment_id}/${job.name}/artifacts`);
  const listedPaths = listed.files.map((f: { path: string }) => f.path);
  for (const expected of ['model', 'notes.txt', 'summary', 'training_confusion_matrix.png']) assert.ok(listedPaths.includes(expected), `${expected} in ${listedPaths}`);
  const stored = path.join(root, '.mlw/datastores/workspaceartifactstore', experiment.experiment_id, job.name, 'artifacts');
  assert.ok(fs.existsSync(path.join(stored, 'model/MLmodel')), 'the model is in the workspace artifact datastore');

  // The registered model is an mlw model asset whose lineage names the job.
  const registered = (await mlflowCall(port, token, 'GET', 'registered-models/get', { name: 'iris-classifier' })).body.registered_model;
  assert.equal(registered.latest_versions[0].run_id, job.name);
  const asset = await plane.client.assets.get('model', 'iris-classifier');
  assert.equal(asset.job, job.name);
  assert.equal(asset.version, registered.latest_versions[0].version);
  assert.match(String(asset.spec.path), new RegExp(`^azureml://datastores/workspaceartifactstore/paths/${experiment.experiment_id}/${job.name}/artifacts/model$`));

  // And the real client reads it all back.
  const read = JSON.parse(await runPython(READ_BACK, { MLFLOW_TRACKING_URI: `http://127.0.0.1:${port}`, MLFLOW_TRACKING_TOKEN: token }, [job.name, experiment.experiment_id]));
  assert.deepEqual(read.steps, Array.from({ length: 20 }, (_, i) => i));
  assert.deepEqual(read.losses, history.map((m: { value: number }) => m.value));
  assert.deepEqual(read.found, [job.name]);
  assert.equal(read.summary.test_accuracy, metrics.test_accuracy.value);
  assert.equal(read.model_run, job.name);

  // The CLI: last values and params in `job show`, every point in `job metrics`, metric lines in `job stream`.
  const cli = async (...args: string[]) => (await execFileAsync(process.execPath, [CLI, ...args, '--workspace', root], { encoding: 'utf8' })).stdout;
  const shown = await cli('job', 'show', job.name);
  assert.match(shown, new RegExp(`metrics:[\\s\\S]*\\n  loss = ${metrics.loss.value}  \\(step 19\\)`));
  assert.match(shown, /params:[\s\S]*\n  epochs = 20\n/);
  const csv = (await cli('job', 'metrics', job.name, '--key', 'loss', '--format', 'csv')).trimEnd().split('\n');
  assert.equal(csv[0], 'key,step,value,timestamp');
  assert.deepEqual(csv.slice(1).map((line) => Number(line.split(',')[1])), Array.from({ length: 20 }, (_, i) => i));
  assert.equal(Number(csv[20]!.split(',')[2]), metrics.loss.value);
  const json = JSON.parse(await cli('job', 'metrics', job.name, '--format', 'json')) as { key: string }[];
  assert.ok(json.filter((m) => m.key === 'accuracy').length === 20 && json.some((m) => m.key === 'test_loss'));
  const streamed = await cli('job', 'stream', job.name).catch((error: { stdout: string }) => error.stdout);
  assert.match(streamed, /^step 19  (\S+=\S+  )*loss=[\d.]+(  \S+=\S+)*$/m);
});

const SEED_SCRIPT = `import mlflow
from sklearn.linear_model import LogisticRegression
from sklearn.datasets import load_iris
mlflow.autolog()
X, y = load_iris(return_X_y=True)
model = LogisticRegression(max_iter=200).fit(X, y)
mlflow.log_metric("accuracy", model.score(X, y))
`;

const NESTED_SCRIPT = `import mlflow
with mlflow.start_run():
    mlflow.log_param("outer", "yes")
    with mlflow.start_run(nested=True, run_name="inner"):
        mlflow.log_metric("inner_loss", 0.5)
mlflow.log_metric("after", 2.0)
`;

function scriptJob(name: string): string {
  return `${COMMAND_SCHEMA}\ntype: command\nexperiment_name: ${name}\ncode: ./${name}\ncommand: PYTHONPATH=/opt/mlflow-src /usr/bin/python3 train.py\nenvironment:\n  image: localtest/mlflow-client:2.12.2\ncompute: azureml:local\n`;
}

test('autolog, nested runs and logging after the run ended all land in the job\'s run with the real client', async (t) => {
  if (!mlflowReady(t)) return;
  const root = await workspace(t, { 'seed.yml': scriptJob('seed'), 'seed/train.py': SEED_SCRIPT, 'nested.yml': scriptJob('nested'), 'nested/train.py': NESTED_SCRIPT });
  const plane = await startPlane(t, root);
  const { port, token } = plane.daemon.info;
  const runsOf = async (experiment: string) => {
    const id = (await mlflowCall(port, token, 'GET', 'experiments/get-by-name', { experiment_name: experiment })).body.experiment.experiment_id;
    return (await mlflowCall(port, token, 'POST', 'runs/search', { experiment_ids: [id] })).body.runs as { info: { run_id: string; status: string }; data: { metrics?: { key: string; value: number }[]; params?: { key: string; value: string }[]; tags?: { key: string; value: string }[] } }[];
  };
  const valuesOf = (entries: { key: string; value: unknown }[] | undefined) => Object.fromEntries((entries ?? []).map((e) => [e.key, e.value]));

  const seed = await plane.submit('seed.yml');
  const seedEvents = await plane.events(seed.name);
  assert.equal(statuses(seedEvents).pop(), 'Completed', logText(seedEvents));
  const [seedRun, ...strays] = await runsOf('seed');
  assert.deepEqual(strays, [], 'autolog and the later log_metric made no other run');
  assert.equal(seedRun!.info.run_id, seed.name);
  assert.equal(seedRun!.info.status, 'FINISHED');
  const seedMetrics = valuesOf(seedRun!.data.metrics);
  assert.ok(Number(seedMetrics.training_accuracy_score) > 0.9, JSON.stringify(seedMetrics));
  assert.equal(seedMetrics.accuracy, seedMetrics.training_accuracy_score);
  assert.equal(valuesOf(seedRun!.data.params).max_iter, '200');
  const shown = (await execFileAsync(process.execPath, [CLI, 'job', 'show', seed.name, '--workspace', root], { encoding: 'utf8' })).stdout;
  assert.match(shown, /\n {2}accuracy = 0\.9\d*/);
  assert.match(shown, /\n {2}training_accuracy_score = 0\.9\d*/);

  const nested = await plane.submit('nested.yml');
  const nestedEvents = await plane.events(nested.name);
  assert.equal(statuses(nestedEvents).pop(), 'Completed', logText(nestedEvents));
  const runs = await runsOf('nested');
  assert.equal(runs.length, 2, JSON.stringify(runs.map((r) => r.info)));
  const jobRun = runs.find((r) => r.info.run_id === nested.name)!;
  const child = runs.find((r) => r.info.run_id !== nested.name)!;
  assert.equal(valuesOf(child.data.tags)['mlflow.parentRunId'], nested.name, 'the nested run is a child of the job\'s run');
  assert.equal(valuesOf(child.data.tags)['mlflow.runName'], 'inner');
  assert.equal(child.info.status, 'FINISHED');
  assert.equal(valuesOf(child.data.metrics).inner_loss, 0.5);
  assert.equal(valuesOf(jobRun.data.params).outer, 'yes');
  assert.equal(valuesOf(jobRun.data.metrics).after, 2, 'a log_metric after the run ended resumes the job\'s run');
  assert.equal(jobRun.info.status, 'FINISHED');
});

/** Starts the job's run, a nested run and one nested under that, then ends as `argv[1]` says. */
const DYING_SCRIPT = `import os, signal, sys, time
import mlflow
from mlflow import MlflowClient
how, job_run = sys.argv[1], os.environ["MLFLOW_RUN_ID"]
mlflow.start_run()
mlflow.start_run(nested=True, run_name="child")
mlflow.start_run(nested=True, run_name="grandchild")
if how == "complete":
    mlflow.end_run("KILLED")
    mlflow.end_run("FAILED")
    # A run the script leaves open: the job's end finishes it.
    MlflowClient().create_run(os.environ["MLFLOW_EXPERIMENT_ID"], run_name="left-open", tags={"mlflow.parentRunId": job_run})
    sys.exit(0)
if how == "kill":
    os.kill(os.getpid(), signal.SIGKILL)
if how == "exit":
    os._exit(3)
time.sleep(120)
`;

test('the end of a job ends the runs its script left running under its run, with the job\'s status and end time', async (t) => {
  if (!mlflowReady(t)) return;
  const how = ['kill', 'exit', 'cancel', 'complete'] as const;
  const files: Record<string, string> = {};
  for (const name of how) {
    files[`${name}.yml`] = scriptJob(name).replace('train.py', `train.py ${name}`);
    files[`${name}/train.py`] = DYING_SCRIPT;
  }
  const root = await workspace(t, files);
  const plane = await startPlane(t, root);
  const { port, token } = plane.daemon.info;
  const jobs = Object.fromEntries(await Promise.all(how.map(async (name) => [name, await plane.submit(`${name}.yml`)] as const)));
  const runsOf = async (experimentName: string) => {
    const experiment = (await mlflowCall(port, token, 'GET', 'experiments/get-by-name', { experiment_name: experimentName })).body.experiment;
    if (!experiment) return [];
    return ((await mlflowCall(port, token, 'POST', 'runs/search', { experiment_ids: [experiment.experiment_id] })).body.runs ?? []) as { info: { run_id: string; run_name: string; status: string; end_time?: number } }[];
  };
  await waitFor('the canceled job\'s script to start its nested runs', async () => (await runsOf('cancel')).length === 3 || undefined, 60_000);
  await plane.client.jobs.cancel(jobs.cancel.name);

  const expected = { kill: ['Failed', 'FAILED'], exit: ['Failed', 'FAILED'], cancel: ['Canceled', 'KILLED'], complete: ['Completed', 'FINISHED'] } as const;
  for (const name of how) {
    const job = jobs[name];
    const events = await plane.events(job.name);
    assert.equal(statuses(events).pop(), expected[name][0], `${name}: ${logText(events)}`);
    const endedAt = Date.parse((await plane.client.jobs.get(job.name)).endedAt!);
    const runs = await runsOf(name);
    const byName = Object.fromEntries(runs.map((run) => [run.info.run_id === job.name ? 'job' : run.info.run_name, run.info]));
    if (name === 'complete') {
      assert.deepEqual(Object.fromEntries(Object.entries(byName).map(([run, info]) => [run, info.status])), { job: 'FINISHED', child: 'FAILED', grandchild: 'KILLED', 'left-open': 'FINISHED' }, 'the statuses the client set stay');
      assert.equal(byName['left-open']!.end_time, endedAt);
      continue;
    }
    assert.deepEqual(Object.keys(byName).sort(), ['child', 'grandchild', 'job'], name);
    for (const [run, info] of Object.entries(byName)) {
      assert.equal(info.status, expected[name][1], `${name}: the ${run} run`);
      assert.equal(info.end_time, endedAt, `${name}: the ${run} run ended when the job did`);
    }
  }
});
