import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { eventsUntil } from '../support/http';
import { commandJob, refusal, startPlane, workspace } from '../support/control-plane';

const S = 'https://azuremlschemas.azureedge.net/latest/';
const KEY = 'Blob4ccountKeyNeverShown0123456789abcdefABCDEFghij+/==';
const ROTATED = 'R0tatedBlobKeyNeverShown0123456789abcdefABCDEFghij+/==';
const SAS = 'sv=2022-11-02&ss=b&sig=NeverShownSasSignature0123456789';
const REF = 'secret:datastores/archive/account_key';

const blob = (credentials: string) => `$schema: ${S}azureBlob.schema.json\nname: archive\ntype: azure_blob\naccount_name: acct\ncontainer_name: c\ncredentials:\n${credentials}`;

/** Every file under `dir` holding one of `secrets` in clear. */
function filesHolding(dir: string, secrets: string[]): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((file) => {
    const full = path.join(dir, file);
    return fs.statSync(full).isFile() && secrets.some((secret) => fs.readFileSync(full).includes(secret));
  });
}

test('a datastore credential goes into the secrets store: the database, its WAL, logs, events and answers never hold it', async (t) => {
  const root = await workspace(t, { 'archive.yml': blob(`  account_key: ${KEY}\n`), 'job.yml': commandJob('ls', 'inputs:\n  raw:\n    type: uri_folder\n    path: azureml://datastores/archive/paths/raw/\n') });
  const plane = await startPlane(t, root);
  const created = await plane.client.assets.register('datastore', { path: path.join(root, 'archive.yml') });
  assert.equal(created.created, true);
  assert.deepEqual((created.asset.spec as { credentials: unknown }).credentials, { account_key: REF });
  assert.deepEqual(plane.daemon.plane.datastoreRecord('archive')?.credentials, { account_key: KEY });

  // The same key again is no change; a new key (as a SAS token, the key dropped) replaces the stored secret.
  assert.equal((await plane.client.assets.register('datastore', { path: path.join(root, 'archive.yml') })).updated, false);
  fs.writeFileSync(path.join(root, 'rotated.yml'), blob(`  account_key: ${ROTATED}\n`));
  assert.equal((await plane.client.assets.register('datastore', { path: path.join(root, 'rotated.yml') })).updated, true);
  assert.deepEqual(plane.daemon.plane.datastoreRecord('archive')?.credentials, { account_key: ROTATED });
  const answers = [JSON.stringify(created), JSON.stringify(await plane.client.assets.get('datastore', 'archive')), JSON.stringify(await plane.client.assets.list({ kind: 'datastore' }))];
  fs.writeFileSync(path.join(root, 'sas.yml'), blob(`  sas_token: "${SAS}"\n`));
  answers.push(JSON.stringify(await plane.client.assets.register('datastore', { path: path.join(root, 'sas.yml'), text: blob(`  sas_token: "${SAS}"\n`) })));
  assert.deepEqual(plane.daemon.plane.datastoreRecord('archive')?.credentials, { sas_token: SAS });
  assert.deepEqual(plane.daemon.plane.secrets.references(), ['secret:datastores/archive/sas_token'], 'the key no longer used is gone from the store');

  // A job reading from the datastore writes its logs; whatever it ends as, they hold no secret.
  const job = await plane.submit('job.yml');
  await plane.finalStatus(job.name);
  answers.push(JSON.stringify(await plane.client.jobs.get(job.name)), await plane.http.request<string>('GET', `/api/jobs/${job.name}/logs`));
  answers.push(await eventsUntil(plane.daemon.info.port, plane.daemon.info.token, (text) => text.includes(`"${job.name}"`) && /"status":"(Completed|Failed)"/.test(text)));
  for (const text of answers) assert.deepEqual([KEY, ROTATED, SAS].filter((secret) => text.includes(secret)), [], text.slice(0, 300));
  const mlw = path.join(root, '.mlw');
  assert.ok(fs.existsSync(path.join(mlw, 'mlw.db-wal')), 'the store writes through a WAL');
  assert.ok(fs.existsSync(path.join(mlw, 'runs', job.name)));
  assert.deepEqual(filesHolding(mlw, [KEY, ROTATED, SAS]), []);

  // Archived, the datastore's secrets leave the store; a spec referring to one must give the credential again.
  await plane.client.assets.archive('datastore', 'archive');
  assert.deepEqual(plane.daemon.plane.secrets.references(), []);
  const gone = await refusal(plane.client.assets.register('datastore', { path: path.join(root, 'sas.yml'), text: blob(`  sas_token: secret:datastores/archive/sas_token\n`) }));
  assert.equal(gone.status, 400);
  assert.match(gone.message, /refers to secret:datastores\/archive\/sas_token, which the workspace's secrets store does not hold .*give the credential again/);
  const masked = await refusal(plane.client.assets.register('datastore', { path: path.join(root, 'sas.yml'), text: blob('  account_key: "***"\n') }));
  assert.match(masked.message, /credentials\.account_key is \*\*\* \(a masked value, not the credential\)/);
  const foreign = await refusal(plane.client.assets.register('datastore', { path: path.join(root, 'sas.yml'), text: blob('  account_key: secret:datastores/other/account_key\n') }));
  assert.match(foreign.message, /datastore archive can use only its own secret secret:datastores\/archive\/account_key/);
});

test('the secret route keeps a credential for the quick fix, and the spec then registers with the reference', async (t) => {
  const root = await workspace(t);
  const plane = await startPlane(t, root);
  assert.deepEqual(await plane.client.secrets.storeDatastoreCredential('archive', 'account_key', KEY), { reference: REF });
  const registered = await plane.client.assets.register('datastore', { path: path.join(root, 'archive.yml'), text: blob(`  account_key: ${REF}\n`) });
  assert.deepEqual(registered.warnings, [], 'a reference draws no secret-in-spec warning');
  assert.deepEqual(plane.daemon.plane.datastoreRecord('archive')?.credentials, { account_key: KEY });
  // The same key written in clear is the same content.
  assert.equal((await plane.client.assets.register('datastore', { path: path.join(root, 'archive.yml'), text: blob(`  account_key: ${KEY}\n`) })).updated, false);
  for (const [name, key, value, pattern] of [
    ['archive', 'account_name', 'acct', /account_name is not a secret credential field/],
    ['archive', 'account_key', '***', /is not a credential/],
    ['archive', 'account_key', REF, /is not a credential/],
    ['bad name!', 'account_key', KEY, /datastore name "bad name!" is not valid/],
  ] as const) {
    const error = await refusal(plane.client.secrets.storeDatastoreCredential(name, key, value));
    assert.equal(error.status, 400, `${name} ${key}`);
    assert.match(error.message, pattern);
  }
  const empty = await refusal(plane.http.request('POST', '/api/secrets/datastores/archive/account_key', { value: '' }));
  assert.equal(empty.status, 400);
  const anonymous = await fetch(`http://127.0.0.1:${plane.daemon.info.port}/api/secrets/datastores/archive/account_key`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value: 'x' }) });
  assert.equal(anonymous.status, 401);
  assert.equal(plane.daemon.plane.datastoreRecord('archive')?.credentials?.account_key, KEY, 'refused requests change nothing');
});

test('a credential an earlier mlw kept only masked is a clear error where the datastore is used; a corrupted store is one too', async (t) => {
  const root = await workspace(t, { 'archive.yml': blob(`  account_key: ${KEY}\n`) });
  const plane = await startPlane(t, root);
  await plane.client.assets.register('datastore', { path: path.join(root, 'archive.yml') });
  const record = () => plane.daemon.plane.datastoreRecord('archive');
  fs.writeFileSync(plane.daemon.plane.secrets.file, '{ not json');
  assert.throws(record, (error: Error) => error.message.includes(plane.daemon.plane.secrets.file) && /is not a readable secrets store/.test(error.message));
  const refused = await refusal(plane.client.assets.register('datastore', { path: path.join(root, 'archive.yml') }));
  assert.equal(refused.status, 503);
  assert.match(refused.message, /secrets\.json is not a readable secrets store/);
  assert.equal((await plane.client.health()).workspace, root, 'the daemon serves on');
  // A row as the masking migration left it.
  plane.daemon.plane.store.run("UPDATE assets SET spec = json_set(spec, '$.credentials.account_key', '***') WHERE kind = 'datastore' AND name = 'archive'");
  assert.throws(record, /datastore archive: its credentials\.account_key was kept only as \*\*\* by an earlier mlw and is lost; register the datastore again with the credential/);
});
