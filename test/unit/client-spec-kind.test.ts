import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { specKindOfText, specNamesCompute } from '../../client/editor/spec-kind';
import { firstError } from '../../client/editor/spec-findings';
import type { SpecFinding } from '../../core/vocabulary';

const examples = path.resolve(import.meta.dirname, '../../examples');
const read = (file: string): string => fs.readFileSync(path.join(examples, file), 'utf8');

test('the CodeLens action follows the spec kind of the examples', () => {
  assert.deepEqual(specKindOfText(read('hello/job.yml')), { kind: 'job/command', action: 'submit' });
  assert.equal(specKindOfText(read('sweep/job.yml'))?.action, 'submit');
  assert.deepEqual(specKindOfText(read('compute/local.yml')), { kind: 'compute/local', action: 'create', assetKind: 'compute' });
  assert.equal(specKindOfText(read('data/iris.yml'))?.assetKind, 'data');
  assert.equal(specKindOfText(read('environments/sklearn/environment.yml'))?.assetKind, 'environment');
  assert.equal(specKindOfText(read('pipeline/prep.yml'))?.assetKind, 'component');
  assert.equal(specKindOfText(read('environments/sklearn-conda/conda.yml')), undefined, 'a conda file is not a spec');
});

test('detection reads top-level keys only, with quotes and comments', () => {
  assert.equal(specKindOfText('type: "command"  # a job\ncommand: echo\n')?.action, 'submit');
  assert.equal(specKindOfText('jobs:\n  x:\n    type: command\n'), undefined);
  assert.equal(specKindOfText('$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json\nname: e\n')?.action, 'validate-only');
  assert.equal(specKindOfText('plain: yaml\n'), undefined);
});

test('Submit asks for a compute only when the job names none', () => {
  assert.equal(specNamesCompute('type: command\n  compute: nested\ncompute: azureml:local\n'), true);
  assert.equal(specNamesCompute('type: command\ncommand: echo\n'), false);
  assert.equal(specNamesCompute('type: command\nresources:\n  compute: nested\n'), false);
  // a pipeline runs its steps on their own compute, else on `settings.default_compute`
  assert.equal(specNamesCompute(read('pipeline/pipeline.yml')), true);
  assert.equal(specNamesCompute('type: pipeline\nsettings: {default_compute: azureml:local}\njobs:\n  a:\n    command: echo\n'), true);
  const steps = (second: string): string => `type: pipeline\njobs:\n  a:\n    type: command\n    compute: azureml:gpu\n    command: |\n      echo\n  # the second step\n  b:\n    type: command\n${second}`;
  assert.equal(specNamesCompute(steps('    compute: local\n')), true);
  assert.equal(specNamesCompute(steps('    command: |\n      compute: not a key\n')), false);
  assert.equal(specNamesCompute('type: pipeline\nsettings:\n  continue_on_step_failure: true\njobs:\n  a:\n    command: echo\n'), false);
  assert.equal(specNamesCompute('type: pipeline\njobs: {}\n'), false);
});

test("the editor jumps to the first error among the control plane's findings", () => {
  const warning: SpecFinding = { file: 'x.yml', line: 1, column: 1, severity: 'warning', rule: 'unpinned', message: 'pkg' };
  const error: SpecFinding = { file: 'jobs/a b.yml', line: 4, column: 2, severity: 'error', rule: 'missing-field', message: 'needs command' };
  assert.equal(firstError([warning, error]), error);
  assert.equal(firstError([warning]), warning);
  assert.equal(firstError([]), undefined);
});
