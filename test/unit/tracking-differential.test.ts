import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { startPlane, workspace } from '../support/control-plane';
import { mlflowReady, runPython } from '../support/mlflow';
import { startRealMlflowServer } from '../support/mlflow-server';

const SEQUENCE = fs.readFileSync(path.join(__dirname, '../support/mlflow_sequence.py'), 'utf8');

test('the same client calls against the real mlflow server and mlw serve return the same objects', async (t) => {
  if (!mlflowReady(t)) return;
  const [reference, plane] = await Promise.all([startRealMlflowServer(t), workspace(t).then((root) => startPlane(t, root))]);
  const ours = `http://127.0.0.1:${plane.daemon.info.port}`;
  const [expected, actual] = await Promise.all([
    runPython(SEQUENCE, { MLFLOW_TRACKING_URI: reference.url, MLFLOW_TRACKING_TOKEN: 'unused-by-the-reference' }),
    runPython(SEQUENCE, { MLFLOW_TRACKING_URI: ours, MLFLOW_TRACKING_TOKEN: plane.daemon.info.token }),
  ]).then((outputs) => outputs.map((text) => JSON.parse(text) as Record<string, unknown>));
  assert.deepEqual(Object.keys(actual), Object.keys(expected));
  const differing = Object.keys(expected).filter((key) => JSON.stringify(actual[key]) !== JSON.stringify(expected[key]));
  const pick = (source: Record<string, unknown>) => Object.fromEntries(differing.map((key) => [key, source[key]]));
  assert.deepEqual(pick(actual), pick(expected), `differs from the real server: ${differing.join(', ')}`);
});
