import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { stringify } from 'yaml';
import { parseReference, SpecDocument } from '../../core/language';
import { buildPipelineGraph, jobOutputUri, PipelineGraphError, reuseKey, stepJobSpec, type ComponentLoader, type LoadedComponent, type PipelineGraph } from '../../core/engine/kinds/pipeline';
import { tempDir, writeTree } from '../support/temp';

const EXAMPLE = path.resolve(__dirname, '../../examples/pipeline');

/** Reads a spec with the real parser, as the control plane does. */
function parseSpec(file: string): unknown {
  const doc = SpecDocument.parse(file, fs.readFileSync(file, 'utf8'));
  assert.equal(doc.valueError, undefined);
  return doc.value;
}

/** Component files relative to the pipeline's folder; `azureml:` references from `registered`. */
function loader(registered: Record<string, LoadedComponent> = {}, calls: string[] = []): ComponentLoader {
  return (reference, specDir) => {
    calls.push(reference);
    const parsed = parseReference(reference);
    if (parsed?.form === 'file') {
      const file = path.resolve(specDir, parsed.path);
      return fs.existsSync(file) ? { spec: parseSpec(file), dir: path.dirname(file) } : undefined;
    }
    return registered[reference];
  };
}

/** A pipeline written as YAML into a fresh folder (with `files` next to it), parsed and turned into a graph. */
async function graphOf(t: TestContext, pipeline: Record<string, unknown>, files: Record<string, string> = {}, registered: Record<string, LoadedComponent> = {}): Promise<{ graph: PipelineGraph; dir: string }> {
  const dir = await tempDir(t, 'mlw-pipeline-');
  await writeTree(dir, { 'pipeline.yml': stringify({ type: 'pipeline', ...pipeline }), ...files });
  return { graph: buildPipelineGraph(parseSpec(path.join(dir, 'pipeline.yml')), { specDir: dir, loadComponent: loader(registered) }), dir };
}

function graphError(run: () => unknown): PipelineGraphError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof PipelineGraphError, String(error));
    return error;
  }
  assert.fail('expected a PipelineGraphError');
}

async function graphErrorOf(t: TestContext, pipeline: Record<string, unknown>, files: Record<string, string> = {}): Promise<PipelineGraphError> {
  const dir = await tempDir(t, 'mlw-pipeline-');
  await writeTree(dir, { 'pipeline.yml': stringify({ type: 'pipeline', ...pipeline }), ...files });
  const spec = parseSpec(path.join(dir, 'pipeline.yml'));
  return graphError(() => buildPipelineGraph(spec, { specDir: dir, loadComponent: loader() }));
}

const step = (graph: PipelineGraph, name: string) => graph.steps.find((s) => s.name === name)!;
const childJob = (stepName: string, output: string) => jobOutputUri(`run-1_${stepName}`, output);

const COMPONENT = stringify({
  $schema: 'https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json',
  name: 'scale',
  version: 3,
  type: 'command',
  inputs: { data: { type: 'uri_folder' }, factor: { type: 'number', default: 2 }, note: { type: 'string', optional: true } },
  outputs: { scaled: { type: 'uri_folder', mode: 'upload' } },
  code: './src',
  environment: 'azureml:py:1',
  environment_variables: { FROM_COMPONENT: 'set', SHARED: 'component' },
  command: 'python scale.py --data ${{inputs.data}} --factor ${{inputs.factor}} $[[--note ${{inputs.note}}]] --out ${{outputs.scaled}}',
});

test('examples/pipeline/pipeline.yml becomes prep → train with its component files, bindings and defaults', () => {
  const calls: string[] = [];
  const graph = buildPipelineGraph(parseSpec(path.join(EXAMPLE, 'pipeline.yml')), { specDir: EXAMPLE, loadComponent: loader({}, calls) });
  assert.deepEqual(calls, ['./prep.yml', 'file:./train.yml']);
  assert.deepEqual(graph.steps.map((s) => [s.name, s.dependsOn]), [['prep', []], ['train', ['prep']]]);
  const [prep, train] = graph.steps as [PipelineGraph['steps'][0], PipelineGraph['steps'][0]];
  assert.deepEqual({ ...prep.definition, command: undefined, inputs: undefined, outputs: undefined }, {
    source: 'file', reference: './prep.yml', name: 'prep_iris', version: '1', command: undefined, code: path.join(EXAMPLE, 'src'), environment: 'azureml:sklearn-env:1', dir: EXAMPLE, inputs: undefined, outputs: undefined,
  });
  assert.equal(train.definition.source, 'file');
  assert.equal(train.definition.name, 'train_logreg');
  for (const s of graph.steps) {
    assert.equal(s.compute, 'cpu-cluster');
    assert.equal(s.forceRerun, false);
    assert.equal(s.isDeterministic, true);
  }
  assert.deepEqual(prep.inputs, {
    raw_data: { kind: 'pipeline-input', input: 'raw_data', data: { type: 'uri_file', path: 'azureml:iris:1' } },
    test_size: { kind: 'literal', value: 0.25 },
    seed: { kind: 'literal', value: 42 },
  });
  assert.deepEqual(train.inputs, {
    train_data: { kind: 'step-output', step: 'prep', output: 'train_data', type: 'uri_folder' },
    learning_rate: { kind: 'pipeline-input', input: 'learning_rate', value: 0.05 },
    max_iter: { kind: 'literal', value: 300 },
  });
  assert.deepEqual(prep.outputs, { train_data: { type: 'uri_folder' }, test_data: { type: 'uri_folder' } });
  assert.deepEqual(train.outputs, { model_output: { type: 'mlflow_model', mode: 'upload', pipelineOutput: 'trained_model' } });
  assert.deepEqual(graph.outputs, { trained_model: { step: 'train', output: 'model_output' } });

  const spec = stepJobSpec(train, { pipelineInputs: graph.inputs, stepOutputUri: childJob });
  assert.deepEqual(spec, {
    type: 'command',
    command: train.definition.command,
    code: path.join(EXAMPLE, 'src'),
    environment: 'azureml:sklearn-env:1',
    compute: 'azureml:cpu-cluster',
    inputs: { train_data: { type: 'uri_folder', path: 'azureml://jobs/run-1_prep/outputs/train_data' }, learning_rate: 0.05, max_iter: 300 },
    outputs: { model_output: { type: 'mlflow_model', mode: 'upload' } },
  });
  assert.match(spec.command, /--train-data \$\{\{inputs\.train_data\}\}/);
  // The URI is one the runner's datastore resolver reads.
  assert.deepEqual(parseReference((spec.inputs!.train_data as { path: string }).path), { form: 'job-output', job: 'run-1_prep', output: 'train_data', path: '' });
  assert.deepEqual(stepJobSpec(prep, { pipelineInputs: graph.inputs, stepOutputUri: childJob }).inputs, { raw_data: { type: 'uri_file', path: 'azureml:iris:1' }, test_size: 0.25, seed: 42 });
});

test('inline command steps and inline components run with their own code, environment and settings', async (t) => {
  const { graph, dir } = await graphOf(t, {
    settings: { default_compute: 'azureml:cpu-cluster', force_rerun: true },
    inputs: { rows: 10, label: 'run' },
    jobs: {
      make: {
        command: 'python make.py --rows ${{inputs.rows}} --out ${{outputs.table}}',
        code: './src',
        environment: { image: 'localtest/python:3-bookworm', conda_file: './conda.yml' },
        compute: 'azureml:big',
        environment_variables: { MODE: 'fast' },
        resources: { shm_size: '1g' },
        limits: { timeout: 60 },
        inputs: { rows: '${{parent.inputs.rows}}', tag: 'tag-${{parent.inputs.label}}-x' },
        outputs: { table: { type: 'uri_file', mode: 'upload' } },
      },
      check: {
        type: 'command',
        component: {
          command: 'python check.py --table ${{inputs.table}} --strict ${{inputs.strict}}',
          code: './checks',
          environment: 'azureml:py:2',
          is_deterministic: false,
          inputs: { table: { type: 'uri_file', mode: 'download' }, strict: { type: 'boolean', default: true } },
        },
        inputs: { table: '${{parent.jobs.make.outputs.table}}' },
      },
    },
  });
  const make = step(graph, 'make');
  assert.equal(make.definition.source, 'inline-command');
  assert.equal(make.definition.code, path.join(dir, 'src'));
  assert.equal(make.compute, 'big');
  assert.equal(make.forceRerun, true);
  assert.deepEqual(make.inputs, { rows: { kind: 'pipeline-input', input: 'rows', value: 10 }, tag: { kind: 'literal', value: 'tag-run-x' } });
  const makeSpec = stepJobSpec(make, { stepOutputUri: childJob });
  assert.deepEqual(makeSpec.environment, { image: 'localtest/python:3-bookworm', conda_file: path.join(dir, 'conda.yml') });
  assert.deepEqual([makeSpec.compute, makeSpec.environment_variables, makeSpec.resources, makeSpec.limits], ['azureml:big', { MODE: 'fast' }, { shm_size: '1g' }, { timeout: 60 }]);
  assert.deepEqual(makeSpec.outputs, { table: { type: 'uri_file', mode: 'upload' } });

  const check = step(graph, 'check');
  assert.equal(check.definition.source, 'inline-component');
  assert.equal(check.definition.code, path.join(dir, 'checks'));
  assert.equal(check.compute, 'cpu-cluster');
  assert.equal(check.isDeterministic, false);
  assert.deepEqual(check.dependsOn, ['make']);
  assert.deepEqual(stepJobSpec(check, { stepOutputUri: childJob }).inputs, {
    table: { type: 'uri_file', path: 'azureml://jobs/run-1_make/outputs/table', mode: 'download' },
    strict: true,
  });
});

test('azureml: components come from the loader, with their own folder', async (t) => {
  const elsewhere = '/srv/components/scale';
  const component = (version: number): LoadedComponent => ({ spec: { ...(parseYaml(COMPONENT) as object), version }, dir: elsewhere });
  const registered = { 'azureml:scale:3': component(3), 'azureml:scale@latest': component(4), 'azureml:scale': component(4) };
  const { graph } = await graphOf(t, {
    inputs: { data: { type: 'uri_folder', path: 'azureml://datastores/workspaceblobstore/paths/raw' } },
    jobs: Object.fromEntries(Object.keys(registered).map((reference, i) => [`s${i}`, { component: reference, inputs: { data: '${{parent.inputs.data}}' } }])),
  }, {}, registered);
  assert.deepEqual(graph.steps.map((s) => [s.definition.source, s.definition.reference, s.definition.version, s.definition.code]), [
    ['asset', 'azureml:scale:3', '3', path.join(elsewhere, 'src')],
    ['asset', 'azureml:scale@latest', '4', path.join(elsewhere, 'src')],
    ['asset', 'azureml:scale', '4', path.join(elsewhere, 'src')],
  ]);
  assert.equal(graph.steps[0]!.compute, 'local');
  assert.deepEqual(graph.steps[0]!.environmentVariables, { FROM_COMPONENT: 'set', SHARED: 'component' });

  const missing = await graphErrorOf(t, { jobs: { fit: { component: 'azureml:nowhere:1' } } });
  assert.equal(missing.step, 'fit');
  assert.match(missing.message, /step `fit`: component azureml:nowhere:1 not found/);
});

test('component defaults apply, optional inputs may stay unset, and a required input without a value is refused', async (t) => {
  const files = { 'scale.yml': COMPONENT };
  const { graph } = await graphOf(t, {
    inputs: { data: { type: 'uri_folder', path: './raw' }, factor: { type: 'number', optional: true } },
    jobs: {
      scale: {
        component: './scale.yml',
        inputs: { data: '${{parent.inputs.data}}', factor: '${{parent.inputs.factor}}' },
        environment_variables: { SHARED: 'step' },
      },
    },
  }, files);
  const scale = step(graph, 'scale');
  assert.deepEqual(scale.inputs, {
    data: { kind: 'pipeline-input', input: 'data', data: { type: 'uri_folder', path: './raw' } },
    factor: { kind: 'literal', value: 2, isDefault: true },
  });
  assert.deepEqual(scale.environmentVariables, { FROM_COMPONENT: 'set', SHARED: 'step' });
  assert.deepEqual(stepJobSpec(scale, { stepOutputUri: childJob }).inputs, { data: { type: 'uri_folder', path: './raw' }, factor: 2 });

  const unset = await graphErrorOf(t, { jobs: { scale: { component: './scale.yml', inputs: { factor: 3 } } } }, files);
  assert.equal(unset.step, 'scale');
  assert.match(unset.message, /step `scale`: the required input `data` has no value/);
  const boundToNothing = await graphErrorOf(t, { inputs: { data: { type: 'uri_folder' } }, jobs: { scale: { component: './scale.yml', inputs: { data: '${{parent.inputs.data}}' } } } }, files);
  assert.match(boundToNothing.message, /required input `data` has no value/);
});

test('a cycle is refused with the steps in it, and steps other than command and sweep steps are refused by name and type', async (t) => {
  const reads = (from: string) => ({ command: 'run ${{inputs.x}} ${{outputs.y}}', inputs: { x: `\${{parent.jobs.${from}.outputs.y}}` }, outputs: { y: null } });
  const cycle = await graphErrorOf(t, { jobs: { start: { command: 'echo', outputs: { y: null } }, a: reads('c'), b: reads('a'), c: reads('b') } });
  assert.match(cycle.message, /pipeline steps form a cycle: a → b → c → a$/);

  const sweep = await graphErrorOf(t, { jobs: { tune: { type: 'sweep', search_space: {}, sampling_algorithm: 'random', objective: { primary_metric: 'acc', goal: 'maximize' } } } });
  assert.equal(sweep.step, 'tune');
  assert.match(sweep.message, /step `tune` is a sweep step without a `trial`/);
  const nested = await graphErrorOf(t, { jobs: { inner: { type: 'pipeline', component: './inner.yml' } } });
  assert.match(nested.message, /step `inner` is a pipeline step/);
});

test('step outputs bound to pipeline outputs take their type, mode, path and name', async (t) => {
  const { graph } = await graphOf(t, {
    outputs: { report: { type: 'uri_file', mode: 'upload', path: 'azureml://datastores/workspaceblobstore/paths/reports/', name: 'report', version: 2 } },
    jobs: {
      scale: { component: './scale.yml', inputs: { data: { type: 'uri_folder', path: './raw', mode: 'download' } }, outputs: { scaled: '${{parent.outputs.report}}' } },
      own: { command: 'echo ${{outputs.o}}', outputs: { o: { type: 'mlflow_model', name: 'mine' } } },
      reader: { command: 'cat ${{inputs.i}}', inputs: { i: { path: '${{parent.jobs.scale.outputs.scaled}}', mode: 'direct' }, j: '${{parent.jobs.own.outputs.o}}' } },
    },
  }, { 'scale.yml': COMPONENT });
  assert.deepEqual(step(graph, 'scale').outputs, { scaled: { type: 'uri_file', mode: 'upload', path: 'azureml://datastores/workspaceblobstore/paths/reports/', name: 'report', version: '2', pipelineOutput: 'report' } });
  assert.deepEqual(graph.outputs, { report: { step: 'scale', output: 'scaled' } });
  assert.deepEqual(step(graph, 'scale').inputs.data, { kind: 'data', type: 'uri_folder', path: './raw', mode: 'download' });
  const reader = step(graph, 'reader');
  assert.deepEqual(reader.dependsOn, ['scale', 'own']);
  assert.deepEqual(stepJobSpec(reader, { stepOutputUri: childJob }).inputs, {
    i: { type: 'uri_file', path: 'azureml://jobs/run-1_scale/outputs/scaled', mode: 'direct' },
    j: { type: 'mlflow_model', path: 'azureml://jobs/run-1_own/outputs/o' },
  });
  // The inputs a pipeline job runs with come before what its spec held.
  const data = { type: 'uri_folder' as const, path: 'azureml://datastores/workspaceblobstore/paths/other' };
  const { graph: bound } = await graphOf(t, { inputs: { data: { type: 'uri_folder', path: './raw' } }, jobs: { scale: { component: './scale.yml', inputs: { data: '${{parent.inputs.data}}' } } } }, { 'scale.yml': COMPONENT });
  assert.deepEqual(stepJobSpec(bound.steps[0]!, { pipelineInputs: { data }, stepOutputUri: childJob }).inputs!.data, data);
});

test('a step may read another step\'s input; bindings to nothing are refused with the step and input', async (t) => {
  const files = { 'scale.yml': COMPONENT };
  const { graph } = await graphOf(t, {
    jobs: {
      // Reads an input of a step written after it, which itself reads a step output.
      audit: { command: 'audit ${{inputs.seen}}', inputs: { seen: '${{parent.jobs.scale.inputs.data}}' } },
      source: { command: 'make ${{outputs.out}}', outputs: { out: null } },
      scale: { component: './scale.yml', inputs: { data: '${{parent.jobs.source.outputs.out}}' } },
    },
  }, files);
  assert.deepEqual(step(graph, 'audit').inputs.seen, { kind: 'step-output', step: 'source', output: 'out', type: 'uri_folder' });
  assert.deepEqual(step(graph, 'audit').dependsOn, ['source']);

  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ jobs: { a: { command: 'x', inputs: { i: '${{parent.jobs.nope.outputs.o}}' } } } }, /step `a` input `i`: the pipeline has no step `nope`/],
    [{ jobs: { b: { command: 'x', outputs: { o: null } }, a: { command: 'x', inputs: { i: '${{parent.jobs.b.outputs.p}}' } } } }, /step `a` input `i`: step `b` has no output `p`/],
    [{ outputs: { o: null }, jobs: { a: { command: 'x', inputs: { i: '${{parent.outputs.o}}' } } } }, /step `a` input `i`: .* is a pipeline output/],
    [{ jobs: { a: { command: 'x', inputs: { i: '${{parent.inputs.missing}}' } } } }, /step `a` input `i`: the pipeline declares no input `missing`/],
    [{ inputs: { d: { type: 'uri_folder', path: './d' } }, jobs: { a: { command: 'x', inputs: { i: 'at ${{parent.inputs.d}}' } } } }, /step `a` input `i`: .* only when it is a literal pipeline input/],
    [{ jobs: { a: { component: './scale.yml', inputs: { data: './d', speed: 1 } } } }, /step `a`: its component declares no input `speed`/],
    [{ outputs: { o: null }, jobs: { a: { command: 'x', outputs: { p: '${{parent.outputs.o}}' } }, b: { command: 'x', outputs: { q: '${{parent.outputs.o}}' } } } }, /the pipeline output `o` is bound to two step outputs: a\.p and b\.q/],
    [{ jobs: { a: { environment: 'azureml:py:1' } } }, /step `a` has neither a `component` nor a `command`/],
  ];
  for (const [pipeline, expected] of cases) assert.match((await graphErrorOf(t, pipeline, files)).message, expected);
});

test('a fan-out/fan-in pipeline of 50 steps keeps the jobs: order and knows what each step waits for', async (t) => {
  const workers = Array.from({ length: 48 }, (_, i) => `w${String(i).padStart(2, '0')}`);
  const jobs: Record<string, unknown> = {
    // Written before the steps it reads: order is the jobs: order, dependencies come from bindings.
    merge: { command: 'merge', inputs: Object.fromEntries(workers.map((w) => [w, `\${{parent.jobs.${w}.outputs.part}}`])) },
    ...Object.fromEntries(workers.map((w) => [w, { command: `work ${w}`, inputs: { src: '${{parent.jobs.split.outputs.parts}}' }, outputs: { part: null } }])),
    split: { command: 'split', outputs: { parts: null } },
  };
  const { graph } = await graphOf(t, { jobs });
  assert.equal(graph.steps.length, 50);
  assert.deepEqual(graph.steps.map((s) => s.name), ['merge', ...workers, 'split']);
  assert.deepEqual(step(graph, 'merge').dependsOn, workers);
  for (const w of workers) assert.deepEqual(step(graph, w).dependsOn, ['split']);
  assert.deepEqual(step(graph, 'split').dependsOn, []);
});

test('the reuse key follows the command, inputs, code and environment, not the step or pipeline job names', async (t) => {
  const files = { 'scale.yml': COMPONENT };
  const pipeline = (name: string, data: string, factor: number) => ({
    inputs: { data: { type: 'uri_folder', path: data } },
    jobs: {
      [name]: { component: './scale.yml', inputs: { data: '${{parent.inputs.data}}', factor } },
      [`${name}_next`]: { command: 'python next.py ${{inputs.scaled}}', inputs: { scaled: `\${{parent.jobs.${name}.outputs.scaled}}` } },
    },
  });
  const keyOf = async (spec: ReturnType<typeof pipeline>, index: number, options: { codeHash?: string; environmentHash?: string; uri?: (s: string, o: string) => string } = {}) => {
    const { graph } = await graphOf(t, spec, files);
    return reuseKey(stepJobSpec(graph.steps[index]!, { stepOutputUri: options.uri ?? ((_step, output) => jobOutputUri('earlier-run_scale', output)) }), { codeHash: options.codeHash ?? 'code-1', ...(options.environmentHash ? { environmentHash: options.environmentHash } : {}) });
  };
  const base = await keyOf(pipeline('scale', './raw', 3), 0);
  assert.match(base, /^[0-9a-f]{64}$/);
  assert.equal(await keyOf(pipeline('renamed', './raw', 3), 0), base);
  assert.notEqual(await keyOf(pipeline('scale', './raw', 4), 0), base);
  assert.notEqual(await keyOf(pipeline('scale', './other', 3), 0), base);
  assert.notEqual(await keyOf(pipeline('scale', './raw', 3), 0, { codeHash: 'code-2' }), base);
  assert.notEqual(await keyOf(pipeline('scale', './raw', 3), 0, { environmentHash: 'env-1' }), base);
  // The same local path with other content.
  const { graph: local } = await graphOf(t, pipeline('scale', './raw', 3), files);
  const localSpec = stepJobSpec(local.steps[0]!, { stepOutputUri: childJob });
  const withData = (hash: string) => reuseKey(localSpec, { codeHash: 'code-1', inputHashes: { data: hash } });
  assert.equal(withData('data-1'), withData('data-1'));
  assert.notEqual(withData('data-1'), withData('data-2'));
  const changed = await graphOf(t, pipeline('scale', './raw', 3), { 'scale.yml': COMPONENT.replace('python scale.py', 'python scale2.py') });
  assert.notEqual(reuseKey(stepJobSpec(changed.graph.steps[0]!, { stepOutputUri: childJob }), { codeHash: 'code-1' }), base);

  // A reader keeps its key while its upstream step is reused (same output URI) and gets a new one when that step reruns.
  const reader = await keyOf(pipeline('scale', './raw', 3), 1);
  assert.equal(await keyOf(pipeline('renamed', './raw', 3), 1), reader);
  assert.notEqual(await keyOf(pipeline('scale', './raw', 3), 1, { uri: (_s, o) => jobOutputUri('new-run_scale', o) }), reader);

  // Key order does not matter.
  const { graph } = await graphOf(t, pipeline('scale', './raw', 3), files);
  const spec = stepJobSpec(graph.steps[0]!, { stepOutputUri: childJob });
  const reordered = Object.fromEntries(Object.entries(spec).reverse()) as typeof spec;
  reordered.inputs = Object.fromEntries(Object.entries(spec.inputs!).reverse());
  assert.equal(reuseKey(reordered, { codeHash: 'code-1' }), reuseKey(spec, { codeHash: 'code-1' }));
});

function parseYaml(text: string): unknown {
  return SpecDocument.parse('component.yml', text).value;
}
