import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { CLI, ok, runCli, type CliRun } from '../support/cli';
import { commandJob, startPlane, workspace } from '../support/control-plane';

const mlw = (root: string, ...args: string[]): Promise<CliRun> => runCli(root, args);

const DATA = '$schema: https://azuremlschemas.azureedge.net/latest/data.schema.json\nname: from-file\nversion: 1\ntype: uri_folder\npath: ./files\n';
const ENV = '$schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json\nname: py\nversion: 1\nimage: localtest/python:3-bookworm\n';
const COMPUTE = '$schema: https://azuremlschemas.azureedge.net/latest/amlCompute.schema.json\nname: cpu\ntype: amlcompute\nmax_instances: 4\n';

before(() => assert.ok(fs.existsSync(CLI), 'run `npm run build` first (npm test does)'));

test('the program version is -V/--version at the root only', async (t) => {
  const root = await workspace(t);
  const version = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8')).version as string;
  assert.equal(ok(await mlw(root, '--version')), `${version}\n`);
  assert.equal(ok(await mlw(root, '-V')), `${version}\n`);
});

test('asset verbs take --name/-n, --version/-v, --file/-f and --set as az ml does', async (t) => {
  const root = await workspace(t, { 'data.yml': DATA, 'files/a.txt': 'a\n' });
  await startPlane(t, root);
  assert.match(ok(await mlw(root, 'data', 'create', '--name', 'customers', '--version', '3', '--file', path.join(root, 'data.yml'))), /^created data customers:3\n  files uploaded to azureml:\/\/datastores\/workspaceblobstore\/paths\/LocalUpload\/[0-9a-f]{64}\/files\/\n$/);
  assert.match(ok(await mlw(root, 'data', 'create', '-n', 'customers', '-v', '1.10', '-f', path.join(root, 'data.yml'), '--set', 'description=tuned', '--set', 'version=9')), /^created data customers:1\.10\n  files already uploaded as azureml:/, '--version wins over --set version=');
  const shown = JSON.parse(ok(await mlw(root, 'data', 'show', 'customers', '--version', '3', '--json'))) as { name: string; version: string };
  const text = ok(await mlw(root, 'data', 'show', 'customers', '--version', '3'));
  assert.match(text, new RegExp(`\\nuploaded_from: ${path.join(root, 'files').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n`));
  assert.match(text, /\n {2}path: azureml:\/\/datastores\/workspaceblobstore\/paths\/LocalUpload\/[0-9a-f]{64}\/files\/\n/);
  assert.match(ok(await mlw(root, 'datastore', 'list')), /datastore +workspaceblobstore .*\ndatastore +workspacefilestore /s);
  assert.match(ok(await mlw(root, 'datastore', 'show', 'workspaceblobstore')), /^name: workspaceblobstore\n[^]*\n {2}type: local\n {2}path: \.mlw\/datastores\/workspaceblobstore\n/);
  assert.deepEqual([shown.name, shown.version], ['customers', '3']);
  const byFlags = JSON.parse(ok(await mlw(root, 'data', 'show', '--name', 'customers', '-v', '1.10', '--json'))) as { version: string; spec: { description: string } };
  assert.deepEqual([byFlags.version, byFlags.spec.description], ['1.10', 'tuned']);
  const latest = JSON.parse(ok(await mlw(root, 'data', 'show', '-n', 'customers', '--label', 'latest', '--json'))) as { version: string };
  assert.equal(latest.version, '1.10');
  assert.match(ok(await mlw(root, 'data', 'list', '-n', 'customers', '--max-results', '1')), /^KIND +NAME +VERSION.*\ndata +customers +3 /);
  assert.equal(ok(await mlw(root, 'data', 'archive', '--name', 'customers', '--version', '3')), 'archived 1 version of data customers\n');
  const twoNames = await mlw(root, 'data', 'show', 'customers', '--name', 'other');
  assert.equal(twoNames.code, 1);
  assert.match(twoNames.stderr, /two data names given: customers and --name other/);
  const noName = await mlw(root, 'data', 'archive');
  assert.equal(noName.code, 1);
  assert.match(noName.stderr, /which data\? give its name/);
});

test('create says created, updated or unchanged; a version stays immutable', async (t) => {
  const root = await workspace(t, { 'c.yml': COMPUTE, 'env.yml': ENV });
  await startPlane(t, root);
  const compute = (...args: string[]) => mlw(root, 'compute', 'create', '-f', path.join(root, 'c.yml'), ...args);
  assert.equal(ok(await compute()), 'created compute cpu\n');
  assert.equal(ok(await compute()), 'unchanged compute cpu\n');
  assert.equal(ok(await compute('--set', 'max_instances=3')), 'updated compute cpu\n');
  assert.match(ok(await mlw(root, 'compute', 'show', 'cpu')), /max_instances: 3\n[\s\S]*queue: 0\/3 running/);
  assert.equal(ok(await mlw(root, 'environment', 'create', '-f', path.join(root, 'env.yml'))), 'created environment py:1\n');
  assert.equal(ok(await mlw(root, 'environment', 'create', '-f', path.join(root, 'env.yml'))), 'unchanged environment py:1\n');
  const changed = await mlw(root, 'environment', 'create', '-f', path.join(root, 'env.yml'), '--set', 'image=localtest/busybox:full');
  assert.equal(changed.code, 1);
  assert.match(changed.stderr, /environment py:1 already exists with different content; versions are immutable/);
});

test('job verbs take --name/-n as az ml does', async (t) => {
  const root = await workspace(t, { 'job.yml': commandJob('echo hello from the job') });
  await startPlane(t, root);
  const created = ok(await mlw(root, 'job', 'create', '-f', path.join(root, 'job.yml'), '--name', 'first-run', '-s'));
  assert.match(created, /^first-run {2}Queued\n[\s\S]*hello from the job\n[\s\S]*Completed\n$/);
  assert.match(ok(await mlw(root, 'job', 'show', '-n', 'first-run')), /^name: +first-run\nstatus: +Completed/);
  assert.match(ok(await mlw(root, 'job', 'stream', '--name', 'first-run')), /hello from the job\n[\s\S]*Completed\n$/);
  assert.equal(ok(await mlw(root, 'job', 'cancel', '--name', 'first-run')), 'first-run  Completed\n');
  const target = path.join(root, 'downloads');
  assert.match(ok(await mlw(root, 'job', 'download', '-n', 'first-run', '-p', target)), /downloaded 1 file to/);
  assert.match(fs.readFileSync(path.join(target, 'first-run/user_logs/std_log.txt'), 'utf8'), /hello from the job/);
  assert.equal(ok(await mlw(root, 'job', 'metrics', '-n', 'first-run')), 'KEY  STEP  VALUE  TIME\n');
  ok(await mlw(root, 'job', 'create', '-f', path.join(root, 'job.yml'), '-n', 'second-run'));
  assert.match(ok(await mlw(root, 'job', 'list', '-r', '1')), /^NAME.*\nsecond-run +\w+ +local /);
  assert.match((await mlw(root, 'job', 'list', '-r', '0')).stderr, /--max-results.*positive whole number/);
});
