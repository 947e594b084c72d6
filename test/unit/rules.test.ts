import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpecDocument, WorkspaceIndex } from '../../core/language';
import { check } from '../support/validate';

const S = 'https://azuremlschemas.azureedge.net/latest/';
const COMPONENT = `$schema: ${S}commandComponent.schema.json\nname: c\nversion: 1\ntype: command\nenvironment: azureml:sklearn-env:1\ninputs:\n  seed: {type: integer, optional: true}\n`;
const JOB = `$schema: ${S}commandJob.schema.json\ntype: command\nexperiment_name: e\ncommand: echo\n`;
const show = (ds: ReturnType<typeof check>) => ds.map((d) => `${d.at} ${d.severity} ${d.rule} ${d.message}`);
/** Pipelines also carry the information that mlw does not run them yet. */
const runnable = (ds: ReturnType<typeof check>) => ds.filter((d) => d.rule !== 'not-runnable-yet');

describe('semantic rules', () => {
  it('reports an unclosed optional fragment once, without a false optional-input warning', () => {
    assert.deepEqual(show(check(COMPONENT + 'command: python t.py $[[--seed ${{inputs.seed}}]\n', 'inline/c.yml')), ['8:22 error unbalanced-fragment optional fragment `$[[` is never closed with `]]`']);
  });

  it('reports a stray ]] when the command uses fragments', () => {
    assert.deepEqual(show(check(COMPONENT + 'command: python t.py $[[--seed ${{inputs.seed}}]] ]]\n', 'inline/c.yml')).map((l) => l.split(' ').slice(0, 3).join(' ')), ['8:51 error unbalanced-fragment']);
    assert.deepEqual(check(COMPONENT + 'command: "[[ -f x ]] && python t.py"\n', 'inline/c.yml'), []);
  });

  it('reports only the syntax error when the YAML is broken', () => {
    const result = check(JOB + 'environment: azureml:sklearn-env:1\ninputs:\n  iris:\n    type: uri_file\n     path: ./x.csv\n');
    assert.deepEqual([...new Set(result.map((d) => d.rule))], ['yaml-syntax']);
  });

  it('reads YAML 1.1 booleans the way the Azure ML CLI does', () => {
    const pipeline = `$schema: ${S}pipelineJob.schema.json\ntype: pipeline\nexperiment_name: e\nsettings:\n  continue_on_step_failure: no\njobs:\n  a:\n    type: command\n    command: echo\n    environment: azureml:sklearn-env:1\n`;
    assert.deepEqual(show(runnable(check(pipeline))), []);
  });

  it('says at an amlcompute\'s min_instances and idle_time_before_scale_down that it holds no capacity, on a Swarm either', () => {
    const spec = `$schema: ${S}amlCompute.schema.json\nname: c1\ntype: amlcompute\nmin_instances: 1\nidle_time_before_scale_down: 300\n`;
    const infos = check(spec).filter((d) => d.severity === 'information');
    assert.deepEqual(infos.map((d) => d.at), ['4:1', '5:1']);
    for (const finding of infos) assert.match(finding.message, /service on its Swarm|nothing to scale down/), assert.match(finding.message, /no `resources` to reserve, so it holds no capacity on a Swarm either/);
  });

  it('keeps versions as written (1.10 is not 1.1)', () => {
    const env = `$schema: ${S}environment.schema.json\nname: decimal-env\nversion: 1.10\nimage: localtest/python:3-bookworm\n`;
    const index = new WorkspaceIndex('/w');
    index.updateFromDocument(SpecDocument.parse('/w/env.yml', env));
    assert.deepEqual(index.find('environment', 'decimal-env').map((a) => a.version), ['1.10']);
    assert.deepEqual(show(check(JOB + 'environment: azureml:decimal-env:1.10\n', 'inline/job.yml', index)), []);
  });

  it('shows a quoted value with its quotes', () => {
    const result = check(`$schema: ${S}amlCompute.schema.json\nname: c1\ntype: amlcompute\nmin_instances: "0"\n`);
    assert.deepEqual(show(result), ['4:16 error type-mismatch `min_instances` must be an integer; got `"0"`']);
  });

  it('wants exactly one of image and build in an environment', () => {
    const both = check(`$schema: ${S}environment.schema.json\nname: e\nversion: 1\nimage: localtest/python:3-bookworm\nbuild:\n  path: ../command-job/valid\n`, 'inline/env.yml');
    assert.deepEqual(both.map((d) => `${d.at} ${d.rule}`), ['5:1 environment-source']);
  });

  it('checks a local datastore folder and settings.default_environment', () => {
    assert.deepEqual(check('type: local\nname: files\npath: ./no-such-folder\n', 'inline/ds.yml').map((d) => d.rule), ['missing-path']);
    const pipeline = `$schema: ${S}pipelineJob.schema.json\ntype: pipeline\nexperiment_name: e\nsettings:\n  default_environment: azureml:nosuch-env:1\njobs:\n  a:\n    command: echo\n    environment: azureml:sklearn-env:1\n`;
    assert.deepEqual(runnable(check(pipeline)).map((d) => `${d.at} ${d.rule}`), ['5:24 unknown-reference']);
  });

  it('suggests the pin without a range specifier', () => {
    const env = `$schema: ${S}environment.schema.json\nname: e\nversion: 1\nimage: localtest/python:3-bookworm\nconda_file:\n  dependencies:\n    - numpy>=1.26\n    - pip:\n        - torchvision>=0.17\n`;
    const messages = check(env).map((d) => d.message);
    assert.deepEqual(messages, ['`numpy>=1.26` is not pinned to a version; write `numpy=<version>`', '`torchvision>=0.17` is not pinned to a version; write `torchvision==<version>`']);
  });

  it('suggests the azureml: prefix for a bare versioned name, and completes abbreviations', () => {
    assert.deepEqual(check(JOB + 'environment: sklearn-env:1\n').map((d) => d.message), ['`sklearn-env:1` is not a reference; did you mean `azureml:sklearn-env:1`?']);
    const result = check(JOB.replace('command: echo', 'command: echo ${{outputs.model}}') + 'environment: azureml:sklearn-env:1\noutputs:\n  model_output: {type: uri_folder}\n');
    assert.match(result[0]!.message, /did you mean `model_output`/);
  });
});
