import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Hover, Location, Position, WorkspaceEdit } from 'vscode-languageserver';
import { SpecDocument } from '../../core/language';
import { MlwLanguageService } from '../../server/service/language-service';
import { pathToUri } from '../../server/service/uri';
import { caret, lspFixtures, openWithCaret, SCHEMA } from '../support/lsp-service';

const fixtures = path.resolve(import.meta.dirname, '../fixtures');
const hoverText = (h: Hover | null) => (h && typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value : '');
const lineOf = (text: string, needle: string, column = 0): Position => {
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes(needle));
  return { line, character: lines[line]!.indexOf(needle) + column };
};

const PIPELINE = `$schema: ${SCHEMA}pipelineJob.schema.json
type: pipeline
experiment_name: e
inputs:
  raw: {type: uri_folder, path: ./src}
jobs:
  prep:
    type: command
    environment: azureml:sklearn-env:1
    command: python prep.py --in \${{inputs.source}} --out \${{outputs.cleaned}}
    inputs:
      source: \${{parent.inputs.raw}}
    outputs:
      cleaned: {type: uri_folder}
  train:
    type: command
    environment: azureml:sklearn-env:1
    command: python train.py --in \${{inputs.data}}
    inputs:
      data: \${{parent.jobs.prep.outputs.cleaned}}
      again: \${{parent.jobs.prep.outputs.cleaned}}
  score:
    component: ./components/step.yml
    inputs:
      data: \${{parent.jobs.train.outputs.missing}}
`;

describe('hover', () => {
  it('documents a field from the schema', async () => {
    const { service, uri, position } = await openWithCaret(`$schema: ${SCHEMA}commandJob.schema.json\ntype: command\ncommand: echo\nresources:\n  insta|nce_type: Standard_DS3_v2\n`);
    assert.match(hoverText(service.hover(uri, position)), /^`instance_type`: Instance type \(VM size\)/);
  });

  it('summarises the asset a reference resolves to', async () => {
    const { service, uri, position } = await openWithCaret(`$schema: ${SCHEMA}commandJob.schema.json\ntype: command\ncommand: echo\nenvironment: azureml:pytorch-e|nv@latest\n`);
    const text = hoverText(service.hover(uri, position));
    assert.match(text, /\*\*environment\*\* `pytorch-env`, version 2/);
    assert.match(text, /defined in `\.\.\/_workspace\/environments\/pytorch-env\.yml`/);
  });

  it('shows the declaration a binding resolves to', async () => {
    const { service, uri, text } = await openWithCaret(PIPELINE);
    const text2 = hoverText(service.hover(uri, lineOf(text, 'inputs.source', 8)));
    assert.match(text2, /\*\*input\*\* `source`/);
    assert.match(text2, /source: \$\{\{parent\.inputs\.raw\}\}/);
  });
});

describe('go to definition', () => {
  it('goes from a file path to the file and from `component: ./x.yml` to the component', async () => {
    const { service, uri, text } = await openWithCaret(PIPELINE);
    const [component] = service.definition(uri, lineOf(text, './components/step.yml', 3)) ?? [];
    assert.equal(component?.uri, pathToUri(path.join(lspFixtures, 'components/step.yml')));
  });

  it('goes from `azureml:name:version` to the spec that defines it', async () => {
    const { service, uri, text } = await openWithCaret(PIPELINE);
    const [env] = service.definition(uri, lineOf(text, 'sklearn-env:1', 2)) ?? [];
    assert.deepEqual(env, { uri: pathToUri(path.join(fixtures, '_workspace/environments/sklearn-env.yml')), range: { start: { line: 1, character: 6 }, end: { line: 1, character: 17 } } });
  });

  it('goes from ${{inputs.x}} to the input and from parent.jobs.<step> to the step', async () => {
    const { service, uri, text } = await openWithCaret(PIPELINE);
    const [input] = service.definition(uri, lineOf(text, 'inputs.source', 8)) ?? [];
    assert.deepEqual(input?.range.start, lineOf(text, 'source:'));
    const [step] = service.definition(uri, lineOf(text, 'jobs.prep.outputs', 6)) ?? [];
    assert.deepEqual(step?.range.start, lineOf(text, 'prep:'));
    const [port] = service.definition(uri, lineOf(text, 'again: ${{parent.jobs.prep.outputs.cleaned', 40)) ?? [];
    assert.deepEqual(port?.range.start, lineOf(text, 'cleaned: {'));
    const [parentInput] = service.definition(uri, lineOf(text, 'parent.inputs.raw', 15)) ?? [];
    assert.deepEqual(parentInput?.range.start, lineOf(text, 'raw: {'));
  });

  it('finds nothing for an unknown port', async () => {
    const { service, uri, text } = await openWithCaret(PIPELINE);
    assert.equal(service.definition(uri, lineOf(text, 'outputs.missing', 9)), null);
  });
});

describe('references and rename', () => {
  const sorted = (ls: Location[] | null) => (ls ?? []).map((l) => `${l.range.start.line}:${l.range.start.character}`).sort();

  it('finds every binding of a step output, with or without its declaration', async () => {
    const { service, uri, text } = await openWithCaret(PIPELINE);
    const at = lineOf(text, 'cleaned: {');
    assert.equal(sorted(service.references(uri, at, true)).length, 4);
    assert.equal(sorted(service.references(uri, at, false)).length, 3);
  });

  it('renames a pipeline step in its key and every parent.jobs binding', async () => {
    const { service, uri, text } = await openWithCaret(PIPELINE);
    const doc = SpecDocument.parse('/x.yml', text);
    assert.deepEqual(service.prepareRename(uri, lineOf(text, 'jobs.prep.', 6)), { range: { start: lineOf(text, 'prep.outputs'), end: lineOf(text, 'prep.outputs', 4) }, placeholder: 'prep' });
    const edit = service.rename(uri, lineOf(text, 'prep:'), 'clean') as WorkspaceEdit;
    const renamed = MlwLanguageService.applyEdits(doc, edit.changes![uri]!);
    assert.equal(renamed, text.replace('  prep:', '  clean:').replaceAll('jobs.prep.', 'jobs.clean.'));
  });

  it('renames an input in its declaration and the command that uses it', async () => {
    const { service, uri, text } = await openWithCaret(PIPELINE);
    const edit = service.rename(uri, lineOf(text, 'inputs.source', 8), 'src') as WorkspaceEdit;
    const renamed = MlwLanguageService.applyEdits(SpecDocument.parse('/x.yml', text), edit.changes![uri]!);
    assert.equal(renamed, text.replace('${{inputs.source}}', '${{inputs.src}}').replace('source: ${{', 'src: ${{'));
  });

  it('renames a pipeline output in its declaration and the parent.outputs binding of a step', async () => {
    const marked = `$schema: ${SCHEMA}pipelineJob.schema.json\ntype: pipeline\noutputs:\n  fin|al: {type: uri_folder}\njobs:\n  a:\n    command: echo \${{outputs.o}}\n    outputs:\n      o: \${{parent.outputs.final}}\n`;
    const { service, uri, position, text } = await openWithCaret(marked);
    const edit = service.rename(uri, position, 'result') as WorkspaceEdit;
    assert.equal(MlwLanguageService.applyEdits(SpecDocument.parse('/x.yml', text), edit.changes![uri]!), text.replaceAll('final', 'result'));
  });

  it('refuses names that are not identifiers and places that declare nothing', async () => {
    const { service, uri, text } = await openWithCaret(PIPELINE);
    assert.throws(() => service.rename(uri, lineOf(text, 'prep:'), 'two words'), /not a valid name/);
    assert.equal(service.prepareRename(uri, lineOf(text, 'experiment_name')), null);
  });

  it('uses caret markers that other tests rely on', () => {
    assert.deepEqual(caret('a: |b', '|').position, { line: 0, character: 3 });
  });
});
