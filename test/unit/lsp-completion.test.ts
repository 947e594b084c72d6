import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CompletionItem } from 'vscode-languageserver';
import { openWithCaret, SCHEMA } from '../support/lsp-service';

async function complete(marked: string, marker?: string): Promise<CompletionItem[]> {
  const { service, uri, position } = await openWithCaret(marked, marker ? { marker } : {});
  return service.completion(uri, position)?.items ?? [];
}
const labels = (items: CompletionItem[]) => items.map((i) => i.label);
const edit = (items: CompletionItem[], label: string) => {
  const item = items.find((i) => i.label === label);
  assert.ok(item, `no item ${label} in ${labels(items).join(', ')}`);
  return item.textEdit && 'range' in item.textEdit ? item.textEdit : undefined;
};

const JOB = `$schema: ${SCHEMA}commandJob.schema.json\ntype: command\n`;
const PIPELINE = `$schema: ${SCHEMA}pipelineJob.schema.json
type: pipeline
inputs:
  raw: {type: uri_folder, path: ./src}
outputs:
  final: {type: uri_folder}
jobs:
  prep:
    type: command
    command: python prep.py \${{inputs.source}} \${{outputs.cleaned}}
    inputs:
      source: \${{parent.inputs.raw}}
    outputs:
      cleaned: {type: uri_folder}
  score:
    component: ./components/step.yml
  train:
    type: command
    command: echo
    inputs:
`;

describe('completion', () => {
  it('offers the keys valid at the cursor for the detected kind, without those already present', async () => {
    const items = await complete(`${JOB}command: echo\nresources:\n  instance_count: 1\n  |\n`);
    assert.ok(labels(items).includes('instance_type'));
    assert.ok(!labels(items).includes('instance_count'));
    assert.ok(!labels(items).includes('command'));
    assert.match(items.find((i) => i.label === 'instance_type')!.documentation ? JSON.stringify(items.find((i) => i.label === 'instance_type')!.documentation) : '', /VM size/);
  });

  it('writes a snippet with the required keys of a block', async () => {
    const items = await complete(`$schema: ${SCHEMA}sweepJob.schema.json\ntype: sweep\n|\n`);
    assert.equal(edit(items, 'objective')?.newText, 'objective:\n  primary_metric: $1\n  goal: $2');
    assert.equal(items.find((i) => i.label === 'trial')?.detail, 'required');
  });

  it('offers enum values and the type discriminators of a union', async () => {
    const goal = await complete(`$schema: ${SCHEMA}sweepJob.schema.json\ntype: sweep\nobjective:\n  goal: |\n`);
    assert.deepEqual(labels(goal).sort(), ['maximize', 'minimize']);
    const distribution = await complete(`${JOB}command: echo\ndistribution:\n  type: |\n`);
    assert.deepEqual(labels(distribution).sort(), ['mpi', 'pytorch', 'ray', 'tensorflow']);
    const stepType = await complete(`${PIPELINE}  extra:\n    type: |\n`);
    assert.deepEqual(labels(stepType).sort(), ['automl', 'command', 'do_while', 'if_else', 'import', 'parallel', 'parallel_for', 'pipeline', 'spark', 'sweep']);
  });

  it('lists assets of the expected kind with versions and @latest right after `azureml:`', async () => {
    const items = await complete(`${JOB}command: echo\nenvironment: azureml:|\n`);
    assert.ok(labels(items).includes('sklearn-env:1'));
    assert.ok(labels(items).includes('pytorch-env:2'));
    assert.ok(labels(items).includes('pytorch-env@latest'));
    assert.ok(!labels(items).some((l) => l.startsWith('cpu-cluster')), 'computes are not environments');
    assert.deepEqual(edit(items, 'sklearn-env:1')?.range, { start: { line: 3, character: 21 }, end: { line: 3, character: 21 } });
    const computes = await complete(`${JOB}command: echo\ncompute: azureml:|\n`);
    assert.ok(labels(computes).includes('cpu-cluster'));
    assert.ok(labels(computes).includes('local'));
  });

  it('completes ${{ bindings with the declared names', async () => {
    const inputs = await complete(`${JOB}inputs:\n  lr: 0.1\n  epochs: 3\noutputs:\n  model: {type: uri_folder}\ncommand: python t.py \${{inputs.|}}\n`);
    assert.deepEqual(labels(inputs), ['lr', 'epochs']);
    assert.equal(edit(inputs, 'lr')?.newText, 'lr');
    const roots = await complete(`${JOB}outputs:\n  model: {type: uri_folder}\ncommand: python t.py \${{|\n`);
    assert.deepEqual(labels(roots), ['inputs', 'outputs']);
    const outputs = await complete(`${JOB}outputs:\n  model: {type: uri_folder}\ncommand: python t.py \${{outputs.|\n`);
    assert.equal(edit(outputs, 'model')?.newText, 'model}}');
  });

  it('completes search_space. in a sweep trial command', async () => {
    const items = await complete(`$schema: ${SCHEMA}sweepJob.schema.json\ntype: sweep\nsearch_space:\n  lr: {type: uniform, min_value: 0.01, max_value: 0.1}\ntrial:\n  command: python t.py --lr \${{search_space.|\n`);
    assert.deepEqual(labels(items), ['lr']);
  });

  it('completes parent.jobs.<step>.outputs. with the step ports, from the component file when the step uses one', async () => {
    const steps = await complete(`${PIPELINE}      data: \${{parent.jobs.|\n`);
    assert.deepEqual(labels(steps).sort(), ['prep', 'score']);
    const inline = await complete(`${PIPELINE}      data: \${{parent.jobs.prep.outputs.|\n`);
    assert.deepEqual(labels(inline), ['cleaned']);
    const component = await complete(`${PIPELINE}      data: \${{parent.jobs.score.outputs.|\n`);
    assert.deepEqual(labels(component), ['scored']);
    const parent = await complete(`${PIPELINE}      data: \${{parent.inputs.|\n`);
    assert.deepEqual(labels(parent), ['raw']);
  });

  it('completes relative file paths for code, path, conda_file and component', async () => {
    const code = await complete(`${JOB}command: echo\ncode: |\n`);
    assert.ok(labels(code).includes('src/'));
    assert.equal(edit(code, 'src/')?.newText, './src/');
    const nested = await complete(`${JOB}command: echo\ncode: ./src/|\n`);
    assert.deepEqual(labels(nested), ['train.py']);
    const component = await complete(`${PIPELINE}  more:\n    component: ./components/|\n`);
    assert.deepEqual(labels(component), ['step.yml']);
    const conda = await complete(`$schema: ${SCHEMA}environment.schema.json\nname: e\nversion: 1\nimage: localtest/python:3-bookworm\nconda_file: ./|\n`);
    assert.ok(labels(conda).includes('conda.yml'));
    assert.ok(!labels(conda).some((l) => l.endsWith('.py')));
  });

  it('offers $schema URLs, and $schema/type keys in a document of no kind yet', async () => {
    const urls = await complete('$schema: |\n');
    assert.ok(labels(urls).includes(`${SCHEMA}commandJob.schema.json`));
    const keys = await complete('|\n');
    assert.deepEqual(labels(keys), ['$schema', 'type']);
  });

  it('offers the keys of a new list item (conda dependencies)', async () => {
    const items = await complete(`$schema: ${SCHEMA}environment.schema.json\nname: e\nversion: 1\nimage: localtest/python:3-bookworm\nconda_file:\n  dependencies:\n    - python=3.11\n    - |\n`);
    assert.deepEqual(labels(items), ['pip']);
  });
});
