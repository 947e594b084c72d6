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
  // The MLflow-compatible tracking store. Runs get a compact integer id for the metric rows; metric points live in
  // one clustered table keyed by (series, step, timestamp, value), so a history read is one range scan.
  `
  CREATE TABLE mlflow_experiments (
    experiment_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    artifact_location TEXT NOT NULL,
    lifecycle_stage TEXT NOT NULL DEFAULT 'active',
    creation_time INTEGER NOT NULL,
    last_update_time INTEGER NOT NULL
  );
  CREATE TABLE mlflow_experiment_tags (
    experiment_id INTEGER NOT NULL REFERENCES mlflow_experiments (experiment_id),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (experiment_id, key)
  ) WITHOUT ROWID;

  CREATE TABLE mlflow_runs (
    id INTEGER PRIMARY KEY,
    run_uuid TEXT NOT NULL UNIQUE,
    experiment_id INTEGER NOT NULL REFERENCES mlflow_experiments (experiment_id),
    name TEXT NOT NULL,
    user_id TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    start_time INTEGER,
    end_time INTEGER,
    deleted_time INTEGER,
    lifecycle_stage TEXT NOT NULL DEFAULT 'active',
    artifact_uri TEXT NOT NULL,
    job_name TEXT
  );
  CREATE INDEX mlflow_runs_by_experiment ON mlflow_runs (experiment_id, start_time);
  CREATE TABLE mlflow_params (
    run INTEGER NOT NULL REFERENCES mlflow_runs (id),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (run, key)
  ) WITHOUT ROWID;
  CREATE TABLE mlflow_tags (
    run INTEGER NOT NULL REFERENCES mlflow_runs (id),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (run, key)
  ) WITHOUT ROWID;
  CREATE TABLE mlflow_inputs (
    run INTEGER NOT NULL REFERENCES mlflow_runs (id),
    name TEXT NOT NULL,
    digest TEXT NOT NULL,
    dataset TEXT NOT NULL,
    tags TEXT NOT NULL,
    PRIMARY KEY (run, name, digest)
  ) WITHOUT ROWID;

  CREATE TABLE mlflow_metric_series (
    id INTEGER PRIMARY KEY,
    run INTEGER NOT NULL REFERENCES mlflow_runs (id),
    key TEXT NOT NULL,
    last_step INTEGER NOT NULL,
    last_timestamp INTEGER NOT NULL,
    last_value REAL NOT NULL,
    last_is_nan INTEGER NOT NULL,
    UNIQUE (run, key)
  );
  CREATE TABLE mlflow_metrics (
    series INTEGER NOT NULL,
    step INTEGER NOT NULL,
    timestamp INTEGER NOT NULL,
    value REAL NOT NULL,
    is_nan INTEGER NOT NULL,
    PRIMARY KEY (series, step, timestamp, value, is_nan)
  ) WITHOUT ROWID;

  CREATE TABLE mlflow_registered_models (
    name TEXT PRIMARY KEY,
    creation_timestamp INTEGER NOT NULL,
    last_updated_timestamp INTEGER NOT NULL,
    description TEXT NOT NULL DEFAULT ''
  );
  CREATE TABLE mlflow_registered_model_tags (
    name TEXT NOT NULL REFERENCES mlflow_registered_models (name) ON UPDATE CASCADE ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (name, key)
  ) WITHOUT ROWID;
  CREATE TABLE mlflow_model_versions (
    name TEXT NOT NULL REFERENCES mlflow_registered_models (name) ON UPDATE CASCADE ON DELETE CASCADE,
    version INTEGER NOT NULL,
    creation_timestamp INTEGER NOT NULL,
    last_updated_timestamp INTEGER NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    user_id TEXT NOT NULL DEFAULT '',
    current_stage TEXT NOT NULL DEFAULT 'None',
    source TEXT NOT NULL,
    run_id TEXT NOT NULL DEFAULT '',
    run_link TEXT NOT NULL DEFAULT '',
    deleted INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (name, version)
  );
  CREATE TABLE mlflow_model_version_tags (
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (name, version, key),
    FOREIGN KEY (name, version) REFERENCES mlflow_model_versions (name, version) ON UPDATE CASCADE ON DELETE CASCADE
  ) WITHOUT ROWID;
  CREATE TABLE mlflow_registered_model_aliases (
    name TEXT NOT NULL REFERENCES mlflow_registered_models (name) ON UPDATE CASCADE ON DELETE CASCADE,
    alias TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (name, alias)
  ) WITHOUT ROWID;
  `,
  // The scheduler reads the oldest queued jobs of one compute.
  `CREATE INDEX jobs_queue ON jobs (status, compute, seq);`,
  // Datastore credentials were stored in clear before they were masked on registration; secure_delete zeroes the old text.
  `
  PRAGMA secure_delete = ON;
  UPDATE assets SET spec = json_set(spec, '$.credentials.account_key', '***') WHERE kind = 'datastore' AND json_type(spec, '$.credentials.account_key') = 'text' AND json_extract(spec, '$.credentials.account_key') NOT IN ('', '***');
  UPDATE assets SET spec = json_set(spec, '$.credentials.sas_token', '***') WHERE kind = 'datastore' AND json_type(spec, '$.credentials.sas_token') = 'text' AND json_extract(spec, '$.credentials.sas_token') NOT IN ('', '***');
  UPDATE assets SET spec = json_set(spec, '$.credentials.client_secret', '***') WHERE kind = 'datastore' AND json_type(spec, '$.credentials.client_secret') = 'text' AND json_extract(spec, '$.credentials.client_secret') NOT IN ('', '***');
  PRAGMA secure_delete = OFF;
  `,
  // A job's log stays in its run folder: a log event stores the byte range [log_from, log_to) of
  // runs/<job>/user_logs/std_log.txt instead of the text. Earlier events keep their text in `data`.
  `
  ALTER TABLE events ADD COLUMN log_from INTEGER;
  ALTER TABLE events ADD COLUMN log_to INTEGER;
  `,
  // The job run whose token created a registered model: only that job's token may add versions to it.
  `ALTER TABLE mlflow_registered_models ADD COLUMN created_by_run TEXT;`,
  // Pipeline steps and sweep trials are child jobs; a deterministic step records the key its outputs can be reused by.
  `
  ALTER TABLE jobs ADD COLUMN parent TEXT;
  ALTER TABLE jobs ADD COLUMN step TEXT;
  ALTER TABLE jobs ADD COLUMN reused_from TEXT;
  ALTER TABLE jobs ADD COLUMN reuse_key TEXT;
  CREATE INDEX jobs_by_parent ON jobs (parent, seq);
  CREATE INDEX jobs_by_reuse_key ON jobs (reuse_key, status);
  `,
  // Named API tokens with a role; only the SHA-256 of each token is kept.
  `
  CREATE TABLE api_tokens (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('owner', 'data-scientist', 'reader')),
    hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
  ) WITHOUT ROWID;
  `,
  // Managed online endpoints and their deployments (keys live in the secrets store, never here).
  `
  CREATE TABLE online_endpoints (
    name TEXT PRIMARY KEY,
    spec TEXT NOT NULL,
    spec_path TEXT,
    auth_mode TEXT NOT NULL,
    port INTEGER NOT NULL DEFAULT 0,
    traffic TEXT NOT NULL DEFAULT '{}',
    mirror_traffic TEXT NOT NULL DEFAULT '{}',
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE online_deployments (
    endpoint TEXT NOT NULL REFERENCES online_endpoints (name),
    name TEXT NOT NULL,
    spec TEXT NOT NULL,
    spec_path TEXT,
    plan TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT,
    health TEXT NOT NULL DEFAULT 'Unknown',
    generation INTEGER NOT NULL DEFAULT 0,
    image TEXT,
    instances TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (endpoint, name)
  ) WITHOUT ROWID;
  `,
  // Batch endpoints and their deployments (each deployment's code snapshotted when it is created).
  `
  CREATE TABLE batch_endpoints (
    name TEXT PRIMARY KEY,
    spec TEXT NOT NULL,
    source_path TEXT,
    default_deployment TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE batch_deployments (
    endpoint TEXT NOT NULL REFERENCES batch_endpoints (name) ON DELETE CASCADE,
    name TEXT NOT NULL,
    spec TEXT NOT NULL,
    source_path TEXT NOT NULL,
    snapshot_hash TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (endpoint, name)
  ) WITHOUT ROWID;
  `,
  // Which batch endpoint and deployment started a job (`list-jobs`); the jobs outlive the endpoint.
  `
  CREATE TABLE batch_invocations (
    job TEXT PRIMARY KEY,
    endpoint TEXT NOT NULL,
    deployment TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX batch_invocations_by_endpoint ON batch_invocations (endpoint, deployment);
  `,
  // How many of its compute's instances a job takes at once (its plan's `distributed.instance_count`, else 1), kept
  // beside the plan so the instances queued ahead of a job are one indexed SUM, without decoding plans. The triggers
  // keep it in step with every plan written.
  `
  ALTER TABLE jobs ADD COLUMN instances INTEGER NOT NULL DEFAULT 1;
  UPDATE jobs SET instances = CASE WHEN json_valid(spec) THEN COALESCE(json_extract(spec, '$.distributed.instance_count'), 1) ELSE 1 END;
  CREATE TRIGGER jobs_instances_of_new_plan AFTER INSERT ON jobs BEGIN
    UPDATE jobs SET instances = CASE WHEN json_valid(NEW.spec) THEN COALESCE(json_extract(NEW.spec, '$.distributed.instance_count'), 1) ELSE 1 END WHERE name = NEW.name;
  END;
  CREATE TRIGGER jobs_instances_of_changed_plan AFTER UPDATE OF spec ON jobs BEGIN
    UPDATE jobs SET instances = CASE WHEN json_valid(NEW.spec) THEN COALESCE(json_extract(NEW.spec, '$.distributed.instance_count'), 1) ELSE 1 END WHERE name = NEW.name;
  END;
  DROP INDEX jobs_queue;
  CREATE INDEX jobs_queue ON jobs (status, compute, seq, instances);
  `,
  // A job that ends ends the open runs nested under its run (RunRepository.endOpenNested): only those few are indexed,
  // and the index's condition is the query's, word for word, so that SQLite uses it.
  `CREATE INDEX mlflow_runs_open_nested ON mlflow_runs (status) WHERE status IN ('RUNNING', 'SCHEDULED') AND job_name IS NULL;`,
];
