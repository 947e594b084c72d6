import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { decodeSpecBytes, SpecDocument, validateFiles } from '../../core/language';
import { check, rules } from '../support/validate';

const JOB = '$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json\ntype: command\nexperiment_name: e\nenvironment: {image: localtest/python:3-bookworm}\n';

describe('bad input', () => {
  it('reports a YAML syntax error at its position and keeps going', () => {
    const result = check(JOB + 'command: echo hi\nenvironment_variables: {A: 1\nexperiment_name: x\n');
    const syntax = result.filter((d) => d.rule === 'yaml-syntax');
    assert.deepEqual(syntax.map((d) => `${d.at} ${d.message}`), ['7:1 Flow map in block collection must be sufficiently indented and end with a }']);
  });

  it('reports duplicate keys on the second occurrence', () => {
    const result = check(JOB + 'command: a\ncommand: b\n');
    const dup = result.find((d) => d.rule === 'duplicate-key');
    assert.equal(dup?.at, '6:1');
    assert.match(dup!.message, /first defined on line 5/);
  });

  it('reports tab indentation', () => {
    const result = check(JOB + 'command: a\nresources:\n\tinstance_count: 1\n');
    assert.ok(result.some((d) => d.rule === 'yaml-tab' && d.at === '7:1'), JSON.stringify(result));
  });

  it('validates the first document of a multi-document file and flags the rest', () => {
    // Information (the `local` compute does not use the image) aside.
    const result = check(JOB + 'command: a\n---\nfoo: bar\n').filter((d) => d.severity !== 'information');
    assert.deepEqual(rules(result), ['multiple-documents']);
    assert.equal(result[0]!.at, '6:1');
  });

  it('resolves anchors, aliases and << merges, and points errors into the anchor', () => {
    const text = JOB + 'command: echo ${{inputs.a}}\ninputs:\n  base: &base {type: uri_file, mode: rw_mnt}\n  a:\n    <<: *base\n    path: ./src/train.py\n';
    const result = check(text, 'command-job/valid/x.yml');
    const invalid = result.filter((d) => d.rule === 'invalid-value');
    assert.ok(invalid.length >= 1, JSON.stringify(result));
    assert.ok(invalid.every((d) => d.at === '7:38'), JSON.stringify(invalid));
    assert.ok(!result.some((d) => d.rule === 'unknown-property'), 'merged keys are not unknown properties');
  });

  it('refuses an alias bomb instead of expanding it', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++) lines.push(`a${i}: &a${i} [*a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}]`);
    const started = performance.now();
    const result = check(JOB + 'command: a\ntags:\n  bomb: *a11\n' + lines.join('\n') + '\n');
    assert.ok(performance.now() - started < 5000);
    assert.deepEqual(rules(result), ['alias-expansion']);
  });

  it('gives an empty file and a comment-only file no diagnostics', () => {
    assert.deepEqual(check(''), []);
    assert.deepEqual(check('# nothing here\n'), []);
  });

  it('refuses a 10 MB file quickly with one error', () => {
    const big = JOB + 'command: a\ntags:\n' + '  k: vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv\n'.repeat(110_000);
    assert.ok(big.length > 10_000_000);
    const started = performance.now();
    const result = check(big);
    assert.ok(performance.now() - started < 1000, 'bounded time');
    assert.deepEqual(rules(result), ['file-too-large']);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlw-big-'));
    try {
      const file = path.join(dir, 'big.yml');
      fs.writeFileSync(file, big);
      const [fromDisk] = validateFiles([file], dir);
      assert.deepEqual(fromDisk!.diagnostics.map((d) => d.rule), ['file-too-large']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses binary and non-UTF-8 content with the position of the first bad byte', () => {
    assert.deepEqual(decodeSpecBytes(Buffer.from('type: command\n\0\0')), { error: 'file is binary (it contains NUL bytes), not YAML text', offset: 14 });
    const latin1 = Buffer.concat([Buffer.from('type: command\nname: caf'), Buffer.from([0xe9]), Buffer.from('\n')]);
    const decoded = decodeSpecBytes(latin1);
    assert.ok('error' in decoded && decoded.offset === 23, JSON.stringify(decoded));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlw-bin-'));
    try {
      fs.writeFileSync(path.join(dir, 'latin1.yml'), latin1);
      const [result] = validateFiles([path.join(dir, 'latin1.yml')], dir);
      assert.deepEqual(result!.diagnostics.map((d) => `${d.line}:${d.column} ${d.rule}`), ['2:10 not-text']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('strips a UTF-8 byte order mark', () => {
    const decoded = decodeSpecBytes(Buffer.from('\ufefftype: command\n'));
    assert.deepEqual(decoded, { text: 'type: command\n' });
  });

  it('gives a $schema of an unsupported kind one information message', () => {
    const result = check('$schema: https://azuremlschemas.azureedge.net/latest/dataTransferJob.schema.json\ntype: data_transfer\nfoo: [\n');
    assert.deepEqual(result.map((d) => `${d.at} ${d.severity} ${d.rule}`), ['1:10 information unsupported-kind']);
    assert.match(result[0]!.message, /datatransferjob/);
  });

  it('does not treat conda files or unrelated YAML as specs', () => {
    assert.deepEqual(check('name: env\nchannels: [conda-forge]\ndependencies: [numpy]\n'), []);
    assert.deepEqual(check('version: "3"\nservices:\n  web: {image: nginx}\n'), []);
    assert.equal(SpecDocument.parse('/x.yml', 'on: push\njobs: {}\n').kind, undefined);
  });

  it('reports a spec (by modeline) whose root is not a mapping', () => {
    const result = check('# yaml-language-server: $schema=https://azuremlschemas.azureedge.net/latest/commandJob.schema.json\n- a\n- b\n');
    assert.deepEqual(result.map((d) => `${d.at} ${d.rule}`), ['2:1 not-a-mapping']);
  });
});
