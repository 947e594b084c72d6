import fs from 'node:fs';
import path from 'node:path';
import { Database, type BindValues, type QueryResult, type Statement } from 'node-sqlite3-wasm';
import { MIGRATIONS } from './migrations';

export type Row = Record<string, string | number | bigint | Uint8Array | null>;

/**
 * The workspace database (`.mlw/mlw.db`). Only the daemon opens it for writing; every state change runs inside
 * `transaction()`. The API is synchronous (node-sqlite3-wasm), which also makes each transaction atomic with
 * respect to the event loop.
 */
export class Store {
  private readonly db: Database;
  private readonly committed: (() => void)[] = [];

  private constructor(db: Database) {
    this.db = db;
  }

  /**
   * Opens the database for its single writer. `exclusive` (the daemon, which holds `serve.lock`) keeps SQLite's lock
   * for the life of the process and writes through a WAL: a commit then costs an append instead of a journal sync.
   * SQLite's lock here is a `<file>.lock` folder, which a killed daemon leaves behind; the caller that knows it is the
   * only writer passes `exclusive` to clear it.
   */
  static open(file: string, options: { exclusive?: boolean } = {}): Store {
    if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
    if (options.exclusive && file !== ':memory:') fs.rmSync(`${file}.lock`, { recursive: true, force: true });
    const store = new Store(new Database(file === ':memory:' ? undefined : file));
    // A WAL database can only be read without shared memory (which this SQLite build lacks) in exclusive mode,
    // so that comes before anything touches the file.
    if (options.exclusive) store.db.exec('PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = WAL;');
    store.db.exec('PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;');
    store.migrate();
    return store;
  }

  get schemaVersion(): number {
    return Number((this.db.get('PRAGMA user_version') as Row).user_version);
  }

  private migrate(): void {
    const current = this.schemaVersion;
    if (current > MIGRATIONS.length) {
      throw new Error(`the workspace database has schema version ${current}, newer than this mlw (${MIGRATIONS.length}); upgrade mlw`);
    }
    for (let version = current; version < MIGRATIONS.length; version++) {
      this.transaction(() => {
        this.db.exec(MIGRATIONS[version]);
        this.db.exec(`PRAGMA user_version = ${version + 1}`);
      });
    }
    // A migration may mask secrets (with secure_delete): their old page images stay in the database file until the
    // WAL is checkpointed, and would stay in the -wal file until it is truncated.
    if (current < MIGRATIONS.length) this.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  }

  transaction<T>(work: () => T): T {
    if (this.db.inTransaction) return work();
    this.db.exec('BEGIN IMMEDIATE');
    let result: T;
    try {
      result = work();
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      this.committed.length = 0;
      throw error;
    }
    // Every hook runs even if one throws: the write is committed either way, so the first error is reported after.
    let failure: unknown;
    for (const hook of this.committed.splice(0)) {
      try {
        hook();
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
    return result;
  }

  /** Runs `hook` once the current transaction commits (at once outside one); dropped when it rolls back. */
  onCommit(hook: () => void): void {
    if (this.db.inTransaction) this.committed.push(hook);
    else hook();
  }

  run(sql: string, values?: BindValues): { changes: number; lastInsertRowid: number } {
    const result = this.db.run(sql, values);
    return { changes: result.changes, lastInsertRowid: Number(result.lastInsertRowid) };
  }

  all<T = Row>(sql: string, values?: BindValues): T[] {
    return this.db.all(sql, values) as QueryResult[] as T[];
  }

  get<T = Row>(sql: string, values?: BindValues): T | undefined {
    return (this.db.get(sql, values) as T | null) ?? undefined;
  }

  /**
   * A statement compiled once for a hot path. Read its results to the end (`all`): a statement paused after its
   * first row keeps the read lock. `close()` (sqlite3_close_v2) releases statements still open.
   */
  prepare(sql: string): Statement {
    return this.db.prepare(sql);
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
