import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { Store } from '../../core/store/database';
import { OPEN_NESTED_RUNS, RunRepository } from '../../core/tracking/runs';
import { databaseBefore } from '../support/store';
import { tempDir } from '../support/temp';

test('a database written before the open-runs index gets it, and a job that ends finds its open nested runs through it', async (t) => {
  const file = path.join(await tempDir(t, 'mlw-store-'), 'mlw.db');
  const old = databaseBefore(file, 'mlflow_runs_open_nested');
  old.run("INSERT INTO mlflow_experiments (experiment_id, name, artifact_location, creation_time, last_update_time) VALUES (0, 'Default', 'mlflow-artifacts:/0', 0, 0)");
  // [uuid, status, job, parent run]
  const rows: [string, string, string | null, string | null][] = [
    ['job1', 'RUNNING', 'job1', null],
    ['child', 'RUNNING', null, 'job1'],
    ['grandchild', 'SCHEDULED', null, 'child'],
    ['ended', 'FINISHED', null, 'job1'],
    ['job2', 'RUNNING', 'job2', 'job1'],
    ['child-of-job2', 'RUNNING', null, 'job2'],
  ];
  rows.forEach(([uuid, status, job, parent], index) => {
    old.run("INSERT INTO mlflow_runs (id, run_uuid, experiment_id, name, status, start_time, artifact_uri, job_name) VALUES (?, ?, 0, ?, ?, 0, 'x', ?)", [index + 1, uuid, uuid, status, job]);
    if (parent) old.run("INSERT INTO mlflow_tags (run, key, value) VALUES (?, 'mlflow.parentRunId', ?)", [index + 1, parent]);
  });
  old.close();

  const store = Store.open(file, { exclusive: true });
  t.after(() => store.close());
  const plan = store.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${OPEN_NESTED_RUNS}`).map((row) => row.detail);
  assert.match(plan.join('\n'), /USING INDEX mlflow_runs_open_nested\b/, plan.join('\n'));

  const runs = new RunRepository(store);
  runs.endOpenNested(runs.require('job1'), 'FAILED', 5);
  const state = (uuid: string) => {
    const run = runs.require(uuid);
    return `${run.status} ${run.end_time}`;
  };
  assert.deepEqual(Object.fromEntries(rows.map(([uuid]) => [uuid, state(uuid)])), {
    job1: 'RUNNING null',
    child: 'FAILED 5',
    grandchild: 'FAILED 5',
    ended: 'FINISHED null',
    job2: 'RUNNING null',
    'child-of-job2': 'RUNNING null',
  });
  assert.deepEqual(store.all(OPEN_NESTED_RUNS).map((row) => row.run_uuid), ['child-of-job2']);
});
