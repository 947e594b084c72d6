import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

const repo = path.resolve(import.meta.dirname, '../..');
const cli = path.join(repo, 'out/cli.js');

function mlw(args: string[], cwd: string) {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('mlw validate', () => {
  let dir: string;
  before(() => {
    assert.ok(fs.existsSync(cli), 'run `npm run build` first (npm test does)');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlw-cli-'));
    fs.mkdirSync(path.join(dir, '.mlw'));
    fs.mkdirSync(path.join(dir, 'jobs/src'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'jobs/src/train.py'), 'print("hi")\n');
    fs.writeFileSync(path.join(dir, 'env.yml'), '$schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json\nname: py\nversion: 1\nimage: localtest/python:3-bookworm\n');
    fs.writeFileSync(
      path.join(dir, 'jobs/good.yml'),
      '$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json\ntype: command\nexperiment_name: demo\ncode: ./src\ncommand: python train.py\nenvironment: azureml:py:1\ncompute: azureml:local\n',
    );
    fs.writeFileSync(
      path.join(dir, 'jobs/bad.yaml'),
      '$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json\ntype: command\ncode: ./src\ncomand: python train.py\nenvironment: azureml:pyy:1\n',
    );
    fs.writeFileSync(path.join(dir, 'notes.yml'), 'just: some yaml\n');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints path:line:col severity rule message and a summary, exit 1 on errors', () => {
    const { code, stdout } = mlw(['validate', '.'], dir);
    assert.equal(code, 1);
    assert.deepEqual(stdout.trim().split('\n'), [
      'jobs/bad.yaml:2:1 error missing-property missing required property `command`',
      'jobs/bad.yaml:2:1 warning missing-experiment-name job has no `experiment_name`; its runs will be grouped under `jobs`',
      'jobs/bad.yaml:4:1 error unknown-property unknown property `comand`; did you mean `command`?',
      'jobs/bad.yaml:5:14 warning unknown-reference environment `pyy` is not defined in this workspace; did you mean `py`?',
      '4 files, 2 errors, 2 warnings',
    ]);
  });

  it('exits 0 when only clean files are given', () => {
    const { code, stdout } = mlw(['validate', 'jobs/good.yml', 'env.yml'], dir);
    assert.equal(code, 0);
    assert.equal(stdout.trim(), '2 files, 0 errors, 0 warnings');
  });

  it('expands globs', () => {
    const { stdout } = mlw(['validate', 'jobs/*.yml'], dir);
    assert.equal(stdout.trim(), '1 file, 0 errors, 0 warnings');
  });

  it('writes JSON with --format json', () => {
    const { code, stdout } = mlw(['validate', 'jobs', '--format', 'json'], dir);
    assert.equal(code, 1);
    const report = JSON.parse(stdout);
    assert.equal(report.files, 2);
    assert.equal(report.errors, 2);
    assert.deepEqual(report.diagnostics[2], { path: 'jobs/bad.yaml', line: 4, column: 1, endLine: 4, endColumn: 7, severity: 'error', rule: 'unknown-property', message: 'unknown property `comand`; did you mean `command`?', data: { property: 'comand', replacement: 'command' } });
  });

  it('names arguments that match nothing and fails', () => {
    const { code, stderr } = mlw(['validate', 'nope/*.yml'], dir);
    assert.equal(code, 1);
    assert.match(stderr, /nope\/\*\.yml: no such file/);
  });

  it('validates the shipped examples: no errors; the one warning each, in the endpoints, names the model a job registers when it runs', () => {
    const { code, stdout } = mlw(['validate', 'examples'], repo);
    assert.equal(code, 0, stdout);
    const lines = stdout.trim().split('\n');
    // The endpoints serve the model examples/mlflow registers when it runs: until then it is not in the workspace.
    assert.match(lines.pop()!, /^\d+ files, 0 errors, 2 warnings$/);
    const unregistered = lines.filter((line) => / warning /.test(line));
    assert.deepEqual(unregistered.map((line) => line.replace(/:\d+:\d+ .*/, '')), ['examples/endpoints/blue.yml', 'examples/endpoints/green.yml']);
    for (const line of unregistered) assert.match(line, /unknown-reference model `iris-classifier` is not defined in this workspace$/);
    // Examples keep Azure's fields and kinds; mlw says what it does not act on or run.
    for (const line of lines.filter((l) => !unregistered.includes(l))) assert.match(line, /^examples\/[\w/-]+\.yml:\d+:\d+ information (not-run-locally|not-runnable-yet) /);
  });
});
