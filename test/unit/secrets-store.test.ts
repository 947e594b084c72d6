import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { SecretsStore, SecretsStoreError } from '../../core/secrets/store';
import { tempDir } from '../support/temp';

const SECRET = 'RoundTripAccountKey0123456789abcdefABCDEF+/==';
const REF = 'secret:datastores/archive/account_key';

const mode = (file: string) => fs.statSync(file).mode & 0o777;
const storeIn = (dir: string) => new SecretsStore(path.join(dir, 'secrets.json'), { keyring: null });

test('a secret put into the store reads back, is sealed in a private file and goes when deleted', async (t) => {
  const dir = await tempDir(t, 'mlw-secrets-');
  const store = storeIn(dir);
  assert.equal(store.get(REF), undefined);
  store.put(REF, SECRET);
  store.put('secret:datastores/other/sas_token', 'sv=2022-11-02&sig=abc');
  assert.equal(store.get(REF), SECRET);
  // Another instance (the next daemon) reads it with the key file beside the store.
  assert.equal(storeIn(dir).get(REF), SECRET);
  assert.deepEqual(storeIn(dir).references('secret:datastores/archive/'), [REF]);
  assert.equal(mode(store.file), 0o600);
  assert.equal(mode(store.keyFile), 0o600);
  for (const file of fs.readdirSync(dir)) assert.ok(!fs.readFileSync(path.join(dir, file)).includes(SECRET), `${file} holds the secret`);
  // A fresh IV for every value: the same value sealed twice differs.
  const sealed = () => JSON.parse(fs.readFileSync(store.file, 'utf8')).secrets[REF];
  const first = sealed();
  store.put(REF, SECRET);
  assert.notEqual(sealed().iv, first.iv);
  assert.equal(Buffer.from(first.iv, 'base64').length, 12);
  assert.equal(store.delete(REF), true);
  assert.equal(store.get(REF), undefined);
  assert.equal(store.delete(REF), false);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['secrets.json', 'secrets.key'], 'no temporary file is left');
});

test('a changed value, a value moved to another reference and a corrupted file are clear errors naming the file', async (t) => {
  const dir = await tempDir(t, 'mlw-secrets-');
  const store = storeIn(dir);
  store.put(REF, SECRET);
  store.put('secret:datastores/other/account_key', 'another key');
  const original = fs.readFileSync(store.file, 'utf8');
  const edit = (change: (content: { secrets: Record<string, { data: string }> }) => void) => {
    const content = JSON.parse(original);
    change(content);
    fs.writeFileSync(store.file, JSON.stringify(content));
  };
  const refused = (pattern: RegExp, reference = REF) =>
    assert.throws(() => storeIn(dir).get(reference), (error: Error) => error instanceof SecretsStoreError && error.message.includes(store.file) && pattern.test(error.message));

  edit((content) => {
    const data = Buffer.from(content.secrets[REF]!.data, 'base64');
    data[0]! ^= 1;
    content.secrets[REF]!.data = data.toString('base64');
  });
  refused(/account_key fails its integrity check/);
  edit((content) => (content.secrets[REF] = content.secrets['secret:datastores/other/account_key']!));
  refused(/fails its integrity check/);
  fs.writeFileSync(store.file, original.slice(0, original.length / 2));
  refused(/is not a readable secrets store/);
  fs.writeFileSync(store.file, '{"format":"something else"}');
  refused(/is not a readable secrets store/);
  fs.writeFileSync(store.file, original);
  assert.equal(storeIn(dir).get(REF), SECRET);
});

test('a store opened with another key, or without its key, is a clear error and is left as it is', async (t) => {
  const dir = await tempDir(t, 'mlw-secrets-');
  const store = storeIn(dir);
  store.put(REF, SECRET);
  const content = fs.readFileSync(store.file);
  const key = fs.readFileSync(store.keyFile);
  fs.writeFileSync(store.keyFile, Buffer.alloc(32, 7));
  assert.throws(() => storeIn(dir).get(REF), new RegExp(`${store.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} was sealed with another key than .*secrets\\.key`));
  assert.throws(() => storeIn(dir).put('secret:datastores/x/account_key', 'v'), SecretsStoreError);
  fs.rmSync(store.keyFile);
  assert.throws(() => storeIn(dir).get(REF), /the key file .*secrets\.key of the secrets store .* cannot be read/);
  assert.deepEqual(fs.readFileSync(store.file), content, 'a refused store is not rewritten');
  fs.writeFileSync(store.keyFile, key);
  assert.equal(storeIn(dir).get(REF), SECRET);
  // A store whose key was kept in an OS keyring cannot be opened where there is none.
  const sealed = JSON.parse(content.toString());
  fs.writeFileSync(store.file, JSON.stringify({ ...sealed, key: 'keyring' }));
  assert.throws(() => storeIn(dir).get(REF), /is in the OS keyring, which does not answer here/);
});
