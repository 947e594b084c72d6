import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { eventsUntil } from '../support/http';
import { COMMAND_SCHEMA, findingLines, type Plane, refusal, startPlane, workspace } from '../support/control-plane';
import { tempDir } from '../support/temp';

const S = 'https://azuremlschemas.azureedge.net/latest/';
const CLI = path.resolve(import.meta.dirname, '../../out/cli.js');
const SECRET = 'S3cr3tAccountKeyThatMustNeverBeShown0123456789abcdef==';

const job = (extra: string) => `${COMMAND_SCHEMA}\ntype: command\ncommand: echo hi\nenvironment:\n  image: localtest/python:3-bookworm\ncompute: azureml:hold\n${extra}`;
const holdCompute = 'name: hold\ntype: local\nmax_instances: 1\n';

/** A plane with a local compute `hold` for the jobs. */
async function holdingPlane(t: Parameters<typeof startPlane>[0], root: string): Promise<Plane> {
  const plane = await startPlane(t, root);
  await plane.client.assets.register('compute', { path: path.join(root, 'hold.yml'), text: holdCompute });
  return plane;
}

test('a job name that leaves the runs folder is refused before anything is written', async (t) => {
  const outer = await tempDir(t, 'mlw-names-');
  const root = path.join(outer, 'a', 'b', 'ws');
  fs.mkdirSync(path.join(root, '.mlw'), { recursive: true });
  const plane = await holdingPlane(t, root);
  const outsideWorkspace = () => (fs.readdirSync(outer, { recursive: true }) as string[]).filter((f) => !`${f}/`.startsWith('a/b/ws/')).sort();
  const before = outsideWorkspace();
  for (const name of ['../../../../OUTSIDE', '"../../../escape"', 'a/b', '".."']) {
    const error = await refusal(plane.client.jobs.submit({ path: path.join(root, 'job.yml'), text: job(`name: ${name}\n`) }));
    assert.equal(error.status, 400, name);
    assert.match(findingLines(error).join('\n'), /invalid-name job name .* must start with a letter or digit and contain only letters, digits, `-` and `_`/);
  }
  assert.deepEqual(outsideWorkspace(), before);
  assert.equal(fs.existsSync(path.join(root, '.mlw', 'runs')) && fs.readdirSync(path.join(root, '.mlw', 'runs')).length, false);
  assert.deepEqual(await plane.client.jobs.list(), []);
  // --set goes through the same validation.
  fs.writeFileSync(path.join(root, 'job.yml'), job('experiment_name: e\n'));
  const viaSet = await refusal(plane.submit('job.yml', ['name=../../../../OUTSIDE']));
  assert.equal(viaSet.status, 400);
  assert.match(findingLines(viaSet).join('\n'), /invalid-name/);
});

test('a NUL in a name never reaches the store: no asset is replaced, no job is filed under a cut name', async (t) => {
  const root = await workspace(t);
  const plane = await holdingPlane(t, root);
  const dock = (name: string, instances: number) => `name: ${JSON.stringify(name)}\ntype: docker\nmax_instances: ${instances}\n`;
  await plane.client.assets.register('compute', { path: path.join(root, 'dock2.yml'), text: dock('dock2', 2) });
  const error = await refusal(plane.client.assets.register('compute', { path: path.join(root, 'shadow.yml'), text: dock('dock2\u0000shadow', 9) }));
  assert.equal(error.status, 400);
  assert.match(findingLines(error).join('\n'), /control character \(U\+0000 at position 6\)/);
  const kept = await plane.client.assets.get('compute', 'dock2');
  assert.equal((kept.spec as { max_instances: number }).max_instances, 2);

  const nul = await refusal(plane.client.jobs.submit({ path: path.join(root, 'job.yml'), text: job('experiment_name: "exp\\0nul"\n') }));
  assert.equal(nul.status, 400);
  const long = await refusal(plane.client.jobs.submit({ path: path.join(root, 'job.yml'), text: job(`experiment_name: ${'e'.repeat(100_000)}\n`) }));
  assert.equal(long.status, 400);
  assert.match(findingLines(long).join('\n'), /has 100000 characters; .*at most 255 characters/);
  const version = await refusal(plane.client.assets.register('data', { path: path.join(root, 'd.yml'), text: `$schema: ${S}data.schema.json\nname: d\nversion: "1\\u00002"\ntype: uri_file\npath: https://example.com/x.csv\n` }));
  assert.equal(version.status, 400);
  assert.deepEqual(await plane.client.jobs.list(), []);
});

test('an experiment name taken from the folder is made valid, not refused', async (t) => {
  const root = await workspace(t);
  const plane = await holdingPlane(t, root);
  const submitted = await plane.client.jobs.submit({ path: path.join(root, 'my runs (v2)!', 'job.yml'), text: job('') });
  assert.equal(submitted.job.experiment, 'my_runs_v2_');
  assert.match(submitted.job.name, /^my_runs_v2_[0-9a-f]{10}$/);
});

/** Runs the built CLI against the workspace's running daemon (found through .mlw/serve.json). */
function cli(cwd: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args, '--workspace', cwd], { cwd });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

test('a datastore credential is kept in the secrets store, shown only as its reference, and never lands in the database file', async (t) => {
  const root = await workspace(t);
  const plane = await startPlane(t, root);
  const spec = `$schema: ${S}azureBlob.schema.json\nname: archive\ntype: azure_blob\naccount_name: acct\ncontainer_name: c\ncredentials:\n  account_key: ${SECRET}\n`;
  fs.writeFileSync(path.join(root, 'archive.yml'), spec);
  const created = await plane.client.assets.register('datastore', { path: path.join(root, 'archive.yml') });
  assert.match(created.warnings.join('\n'), /archive\.yml:7:16 warning secret-in-spec `account_key` is a secret written in clear/);
  const shown = await plane.client.assets.get('datastore', 'archive');
  assert.deepEqual((shown.spec as { credentials: unknown }).credentials, { account_key: 'secret:datastores/archive/account_key' });
  const answers = [JSON.stringify(created), JSON.stringify(shown), JSON.stringify(await plane.client.assets.list({ kind: 'datastore' }))];
  answers.push(await eventsUntil(plane.daemon.info.port, plane.daemon.info.token, (text) => text.includes('"archive"')));
  // The same spec again is unchanged; a new key replaces the stored secret.
  const again = await plane.client.assets.register('datastore', { path: path.join(root, 'archive.yml') });
  assert.equal(again.created, false);
  // The content hash cannot be matched offline against guesses of the key: only the spec with the reference is hashed in clear.
  const guessed = { ...shown.spec, credentials: { account_key: SECRET } };
  assert.notEqual(shown.contentHash, crypto.createHash('sha256').update(JSON.stringify(guessed)).digest('hex'));
  fs.writeFileSync(path.join(root, 'rotated.yml'), spec.replace(SECRET, `${SECRET.slice(0, -3)}x==`));
  const rotated = await plane.client.assets.register('datastore', { path: path.join(root, 'rotated.yml') });
  assert.equal(rotated.updated, true, 'a new key is still a change');
  assert.notEqual(rotated.asset.contentHash, shown.contentHash);
  fs.rmSync(path.join(root, 'rotated.yml'));
  assert.ok(fs.existsSync(CLI), 'run `npm run build` first (npm test does)');
  for (const args of [['datastore', 'create', '-f', 'archive.yml'], ['datastore', 'show', 'archive'], ['datastore', 'show', 'archive', '--json'], ['datastore', 'list']]) {
    const shownByCli = await cli(root, args);
    assert.equal(shownByCli.code, 0, shownByCli.output);
    answers.push(shownByCli.output);
  }
  assert.match(answers.at(-3)!, /account_key: "?secret:datastores\/archive\/account_key/);
  for (const text of answers) assert.ok(!text.includes(SECRET), text.slice(0, 200));
  const mlw = path.join(root, '.mlw');
  for (const file of fs.readdirSync(mlw, { recursive: true }) as string[]) {
    const full = path.join(mlw, file);
    if (fs.statSync(full).isFile()) assert.ok(!fs.readFileSync(full).includes(SECRET), `${file} holds the secret`);
  }
  assert.ok(fs.existsSync(path.join(mlw, 'mlw.db-wal')) || fs.existsSync(path.join(mlw, 'mlw.db')));
});

test('a placeholder inside a name does not let the name past the rules: submit and register refuse it', async (t) => {
  const root = await workspace(t);
  const plane = await holdingPlane(t, root);
  const bad = await refusal(plane.client.jobs.submit({ path: path.join(root, 'job.yml'), text: job('name: "bad name with spaces & <x> !!"\n') }));
  assert.equal(bad.status, 400);
  assert.match(findingLines(bad).join('\n'), /invalid-name job name `bad name with spaces & <x> !!` is not valid/);
  const asset = await refusal(plane.client.assets.register('data', { path: path.join(root, 'd.yml'), text: `$schema: ${S}data.schema.json\nname: "my data <x>"\ntype: uri_file\npath: https://example.com/x.csv\n` }));
  assert.equal(asset.status, 400);
  assert.match(findingLines(asset).join('\n'), /invalid-name data asset name `my data <x>` is not valid/);
  assert.deepEqual(await plane.client.jobs.list(), []);
  assert.deepEqual(await plane.client.assets.list({ kind: 'data' }), []);
});
