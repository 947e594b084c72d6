import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { CLI, ok, runCli, type CliRun } from '../support/cli';
import { commandJob, startPlane, workspace } from '../support/control-plane';

/** `mlw <args>`; `token`: sent as MLW_TOKEN (else the CLI uses the owner's token from serve.json). */
const mlw = (root: string, token: string | undefined, ...args: string[]): Promise<CliRun> => runCli(root, args, { MLW_TOKEN: token ?? '' });

function refused(run: CliRun, message: RegExp): void {
  assert.equal(run.code, 1, run.stdout);
  assert.match(run.stderr, message);
}

const COMPUTE = '$schema: https://azuremlschemas.azureedge.net/latest/amlCompute.schema.json\nname: cpu\ntype: amlcompute\nmax_instances: 2\n';
const ENV = '$schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json\nname: py\nversion: 1\nimage: localtest/python:3-bookworm\n';

before(() => assert.ok(fs.existsSync(CLI), 'run `npm run build` first (npm test does)'));

test('mlw token create, list and revoke; MLW_TOKEN acts with its role', async (t) => {
  const root = await workspace(t, { 'compute.yml': COMPUTE, 'env.yml': ENV, 'job.yml': commandJob('echo hi') });
  await startPlane(t, root);

  const created = await mlw(root, undefined, 'token', 'create', '--role', 'data-scientist', '--name', 'alice');
  const alice = ok(created).trim();
  assert.match(alice, /^mlwtok_[\w-]{43}$/);
  assert.match(created.stderr, /token alice \(data-scientist\) created; it is not shown again/);
  const reader = ok(await mlw(root, undefined, 'token', 'create', '--role', 'reader', '--name', 'rob')).trim();
  refused(await mlw(root, undefined, 'token', 'create', '--role', 'admin', '--name', 'eve'), /argument 'admin' is invalid\. Allowed choices are owner, data-scientist, reader/);
  refused(await mlw(root, undefined, 'token', 'create', '--role', 'reader', '--name', 'alice'), /a token named alice exists; revoke it first/);

  const listed = ok(await mlw(root, undefined, 'token', 'list'));
  assert.match(listed, /^NAME +ROLE +CREATED\nalice +data-scientist +\d{4}-.*\nrob +reader +\d{4}-/);
  assert.ok(!listed.includes(alice) && !listed.includes(reader), 'list never shows a secret');

  // The data scientist registers environments and is refused compute and token management.
  assert.equal(ok(await mlw(root, alice, 'environment', 'create', '-f', path.join(root, 'env.yml'))), 'created environment py:1\n');
  refused(await mlw(root, alice, 'compute', 'create', '-f', path.join(root, 'compute.yml')), /^mlw: data scientists cannot create compute; ask an administrator\n$/);
  refused(await mlw(root, alice, 'datastore', 'archive', 'workspaceblobstore'), /data scientists cannot archive datastore; ask an administrator/);
  refused(await mlw(root, alice, 'token', 'list'), /data scientists cannot list tokens; ask an administrator/);
  // The reader reads and is refused submitting.
  assert.match(ok(await mlw(root, reader, 'environment', 'list')), /environment +py +1/);
  refused(await mlw(root, reader, 'job', 'create', '-f', path.join(root, 'job.yml')), /readers cannot submit jobs; ask an administrator/);
  // The owner (serve.json's token) creates compute.
  assert.equal(ok(await mlw(root, undefined, 'compute', 'create', '-f', path.join(root, 'compute.yml'))), 'created compute cpu\n');

  assert.equal(ok(await mlw(root, undefined, 'token', 'revoke', 'alice')), 'revoked token alice\n');
  refused(await mlw(root, alice, 'environment', 'list'), /mlw serve refused the token given \(MLW_TOKEN\): it is wrong or was revoked/);
  refused(await mlw(root, undefined, 'token', 'revoke', 'alice'), /no token named alice/);
  assert.doesNotMatch(ok(await mlw(root, undefined, 'token', 'list')), /alice/);
});
