/** Schema migrations, applied in order; `PRAGMA user_version` records how many ran. Never edit a shipped one. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE assets (
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    seq INTEGER NOT NULL,
    spec TEXT NOT NULL,
    source_path TEXT,
    content_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    archived INTEGER NOT NULL DEFAULT 0,
    job_name TEXT,
    PRIMARY KEY (kind, name, version)
  );
  CREATE INDEX assets_by_name ON assets (kind, name, seq);

  CREATE TABLE jobs (
    name TEXT PRIMARY KEY,
    seq INTEGER NOT NULL UNIQUE,
    type TEXT NOT NULL,
    experiment TEXT NOT NULL,
    display_name TEXT,
    status TEXT NOT NULL,
    reason TEXT,
    compute TEXT NOT NULL,
    spec TEXT NOT NULL,
    spec_path TEXT NOT NULL,
    run_dir TEXT NOT NULL,
    snapshot_hash TEXT,
    image TEXT,
    driver_ref TEXT,
    exit_code INTEGER,
    log_offset INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    ended_at INTEGER
  );
  CREATE INDEX jobs_by_status ON jobs (status, seq);

  CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    job_name TEXT,
    type TEXT NOT NULL,
    time INTEGER NOT NULL,
    data TEXT NOT NULL
  );
  CREATE INDEX events_by_job ON events (job_name, seq);

  CREATE TABLE outputs (
    job_name TEXT NOT NULL REFERENCES jobs (name),
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    mode TEXT NOT NULL,
    uri TEXT NOT NULL,
    host_path TEXT NOT NULL,
    PRIMARY KEY (job_name, name)
  );
  `,
];
