import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Store } from '../../core/store/database';
import { databaseBefore } from '../support/store';
import { tempDir } from '../support/temp';

const SECRET = 'OldClearAccountKeyFromBeforeMasking0123456789abcdefABCDEF==';

test('opening a workspace database that holds a datastore key in clear masks it and leaves no trace in the file', async (t) => {
  const file = path.join(await tempDir(t, 'mlw-store-'), 'mlw.db');
  // The database as the version before masking left it.
  const old = databaseBefore(file, 'secure_delete = ON');
  const spec = { name: 'archive', type: 'azure_blob', account_name: 'acct', container_name: 'c', credentials: { account_key: SECRET } };
  old.run("INSERT INTO assets (kind, name, version, seq, spec, content_hash, created_at) VALUES ('datastore', 'archive', '', 1, ?, 'h', 0)", [JSON.stringify(spec)]);
  old.close();
  assert.ok(fs.readFileSync(file).includes(SECRET));

  const store = Store.open(file, { exclusive: true });
  const row = store.get<{ spec: string }>("SELECT spec FROM assets WHERE name = 'archive'")!;
  assert.deepEqual(JSON.parse(row.spec).credentials, { account_key: '***' });
  const noTrace = (when: string) => {
    for (const name of fs.readdirSync(path.dirname(file))) {
      const full = path.join(path.dirname(file), name);
      if (fs.statSync(full).isFile()) assert.ok(!fs.readFileSync(full).includes(SECRET), `${name} still holds the key ${when}`);
    }
  };
  // The daemon keeps the database open: the old page images must be gone from the -wal file and the database now.
  assert.ok(fs.existsSync(`${file}-wal`), 'the store writes through a WAL');
  noTrace('while the store is open');
  store.close();
  noTrace('after the store closed');
});
