import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver';
import { pathToUri } from '../../server/service/uri';
import { lspFixtures, openWithCaret, SCHEMA } from '../support/lsp-service';

const PIPELINE = `$schema: ${SCHEMA}pipelineJob.schema.json
type: pipeline
inputs:
  raw: {type: uri_folder, path: ./src}
jobs:
  prep:
    code: ./src/train.py
    command: >-
      python prep.py
      --in \${{inputs.source}}
    environment:
      image: localtest/python:3-bookworm
      conda_file: ./conda.yml
    inputs:
      source: \${{parent.inputs.raw}}
    outputs:
      cleaned: {type: uri_folder}
  score:
    component: ./components/step.yml
`;

describe('document symbols', () => {
  it('outlines jobs, steps, inputs and outputs', async () => {
    const { service, uri } = await openWithCaret(PIPELINE);
    const symbols = service.documentSymbols(uri);
    const names = (list: DocumentSymbol[] | undefined) => (list ?? []).map((s) => s.name);
    assert.deepEqual(names(symbols), ['$schema', 'type', 'inputs', 'jobs']);
    const jobs = symbols.find((s) => s.name === 'jobs')!;
    assert.equal(jobs.kind, SymbolKind.Module);
    assert.deepEqual(names(jobs.children), ['prep', 'score']);
    const prep = jobs.children![0]!;
    assert.equal(prep.kind, SymbolKind.Function);
    assert.deepEqual([prep.range.start, prep.range.end.line], [{ line: 5, character: 2 }, 16]);
    const inputs = prep.children!.find((s) => s.name === 'inputs')!;
    assert.deepEqual(inputs.children!.map((s) => [s.name, s.kind]), [['source', SymbolKind.Variable]]);
  });
});

describe('document links', () => {
  it('links the paths that name existing files, not folders or missing files', async () => {
    const { service, uri } = await openWithCaret(PIPELINE + '  more:\n    code: ./missing.py\n');
    const links = service.documentLinks(uri).map((l) => [l.range.start.line, l.target]);
    assert.deepEqual(links, [
      [6, pathToUri(path.join(lspFixtures, 'src/train.py'))],
      [12, pathToUri(path.join(lspFixtures, 'conda.yml'))],
      [18, pathToUri(path.join(lspFixtures, 'components/step.yml'))],
    ]);
  });
});

describe('folding ranges', () => {
  it('folds every multi-line map, list and block scalar from the YAML structure', async () => {
    const { service, uri } = await openWithCaret(PIPELINE);
    const ranges = (service.foldingRanges(uri) ?? []).map((r) => `${r.startLine}-${r.endLine}`);
    assert.deepEqual(ranges, ['2-3', '4-18', '5-16', '7-9', '10-12', '13-14', '15-16', '17-18']);
  });

  it('leaves folding to the YAML extension when told to', async () => {
    const { service, uri } = await openWithCaret(PIPELINE, { settings: { leaveToYamlExtension: new Set(['folding']) } });
    assert.equal(service.foldingRanges(uri), null);
  });
});
