import assert from 'node:assert/strict';
import { Database } from 'node-sqlite3-wasm';
import { MIGRATIONS } from '../../core/store/migrations';

/** A database file as the version before the migration that includes `marker` left it; the caller writes and closes it. */
export function databaseBefore(file: string, marker: string): Database {
  const version = MIGRATIONS.findIndex((migration) => migration.includes(marker));
  assert.ok(version > 0, `no migration after the first includes ${marker}`);
  const old = new Database(file);
  for (let applied = 0; applied < version; applied++) old.exec(MIGRATIONS[applied]!);
  old.exec(`PRAGMA user_version = ${version}`);
  return old;
}
