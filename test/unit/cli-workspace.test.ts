import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { workspace } from '../support/control-plane';
import { stopDaemonAfter } from '../support/cli';

// These tests run the built CLI and daemon (`npm test` builds before testing).
const OUT = path.resolve(__dirname, '../../out');
const FIXTURES = path.resolve(__dirname, '../fixtures/workspace/valid');

function mlw(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [path.join(OUT, 'cli.js'), ...args], { encoding: 'utf8', cwd, env: { ...process.env, MLW_DAEMON_SCRIPT: path.join(OUT, 'daemon.js') } });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

test('mlw workspace create makes the store and default datastores, records the spec and says what stands for each backing resource; show prints it again', async (t) => {
  const root = await workspace(t, { 'workspace.yml': fs.readFileSync(path.join(FIXTURES, 'with-existing-resources.yml'), 'utf8') });
  const created = mlw(['workspace', 'create', '-f', 'workspace.yml', '--description', 'The team workspace', '--tags', 'stage=dev'], root);
  stopDaemonAfter(t, root);
  assert.equal(created.status, 0, created.stderr);
  assert.match(created.stdout, /^created workspace mlw-byo-prod in /);
  assert.match(created.stdout, /\ndescription: The team workspace\n/);
  assert.match(created.stdout, /\ntags: purpose=demonstration, cost-center=4711, stage=dev\n/);
  assert.match(created.stdout, /\nstore: \.mlw\/mlw\.db\n/);
  for (const name of ['workspaceartifactstore', 'workspaceblobstore', 'workspacefilestore', 'workspaceworkingdirectory']) {
    assert.match(created.stdout, new RegExp(`\\n  ${name} \\(local, \\.mlw/datastores/${name}\\)\\n`));
    assert.ok(fs.statSync(path.join(root, '.mlw/datastores', name)).isDirectory());
  }
  assert.ok(fs.existsSync(path.join(root, '.mlw/mlw.db')));
  assert.match(created.stdout, /\nsecrets store: created under \.mlw\/ when the first secret is stored\n/);
  assert.match(created.stdout, /\n  key_vault: \/subscriptions\/.*\/vaults\/mlw-prod-kv\n    mlw does not use this key vault/);
  assert.match(created.stdout, /\n  container_registry: \/subscriptions\/.*\n    mlw cannot reach this Azure registry/);
  const record = JSON.parse(fs.readFileSync(path.join(root, '.mlw/workspace.json'), 'utf8'));
  assert.equal(record.name, 'mlw-byo-prod');
  assert.equal(record.source, 'workspace.yml');
  assert.equal(record.spec.description, 'The team workspace');

  const shown = mlw(['workspace', 'show'], root);
  assert.equal(shown.status, 0, shown.stderr);
  assert.equal(shown.stdout, created.stdout.slice(created.stdout.indexOf('\n') + 1), 'show prints what create made');
  assert.match(mlw(['workspace', 'create', '-f', 'workspace.yml', '--description', 'The team workspace', '--tags', 'stage=dev'], root).stdout, /^unchanged workspace mlw-byo-prod/);
});

test('mlw workspace create from flags alone; a second workspace in the same folder and an invalid spec are refused with what is wrong', async (t) => {
  const root = await workspace(t, { 'bad.yml': '$schema: https://azuremlschemas.azureedge.net/latest/workspace.schema.json\nname: ok-name\nhbi_workspace: maybe\n' });
  const created = mlw(['workspace', 'create', '-n', 'team-ws', '-l', 'westeurope', '--key-vault', 'kv-1'], root);
  stopDaemonAfter(t, root);
  assert.equal(created.status, 0, created.stderr);
  assert.match(created.stdout, /^created workspace team-ws in [^\n]+\nname: team-ws\nlocation: westeurope\nspec: \(command line\)/);
  assert.match(created.stdout, /\n  key_vault: kv-1\n    mlw does not use this key vault/);
  assert.match(created.stdout, /\n  storage_account: the default datastores, folders under \.mlw\/datastores\/\n/);

  const other = mlw(['workspace', 'create', '-n', 'other-ws'], root);
  assert.equal(other.status, 1);
  assert.match(other.stderr, /is already the workspace team-ws .* a folder holds one workspace/);

  const invalid = mlw(['workspace', 'create', '-f', 'bad.yml'], root);
  assert.equal(invalid.status, 1);
  assert.match(invalid.stderr, /bad\.yml is not valid: 1 error\n  bad\.yml:3:16 error/);
  assert.equal(JSON.parse(fs.readFileSync(path.join(root, '.mlw/workspace.json'), 'utf8')).name, 'team-ws', 'nothing changed');
});
