import type { JobStatus, JobSummary } from '../vocabulary';
import type { Store } from './database';

export interface JobRow {
  name: string;
  seq: number;
  type: string;
  experiment: string;
  display_name: string | null;
  status: JobStatus;
  reason: string | null;
  compute: string;
  spec: string;
  spec_path: string;
  run_dir: string;
  snapshot_hash: string | null;
  image: string | null;
  driver_ref: string | null;
  exit_code: number | null;
  log_offset: number;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  parent: string | null;
  step: string | null;
  reused_from: string | null;
  reuse_key: string | null;
  /** How many of its compute's instances the job takes at once; the store derives it from the plan (`spec`). */
  instances: number;
}

export interface NewJob {
  name: string;
  type: string;
  experiment: string;
  displayName?: string;
  compute: string;
  spec: Record<string, unknown>;
  specPath: string;
  runDir: string;
  snapshotHash?: string;
  parent?: string;
  step?: string;
  reuseKey?: string;
  reusedFrom?: string;
}

export interface OutputRow {
  job_name: string;
  name: string;
  type: string;
  mode: string;
  uri: string;
  host_path: string;
}

export type JobPatch = Partial<Pick<JobRow, 'reason' | 'image' | 'driver_ref' | 'exit_code' | 'log_offset' | 'started_at' | 'ended_at' | 'spec' | 'compute' | 'snapshot_hash' | 'reused_from' | 'reuse_key'>>;

export class JobRepository {
  constructor(private readonly store: Store) {}

  insert(job: NewJob, status: JobStatus): JobRow {
    const seq = Number(this.store.get<{ next: number }>('SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM jobs')!.next);
    this.store.run(
      `INSERT INTO jobs (name, seq, type, experiment, display_name, status, compute, spec, spec_path, run_dir, snapshot_hash, created_at, parent, step, reuse_key, reused_from)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [job.name, seq, job.type, job.experiment, job.displayName ?? null, status, job.compute, JSON.stringify(job.spec), job.specPath, job.runDir, job.snapshotHash ?? null, Date.now(), job.parent ?? null, job.step ?? null, job.reuseKey ?? null, job.reusedFrom ?? null],
    );
    return this.get(job.name)!;
  }

  exists(name: string): boolean {
    return this.store.get('SELECT 1 AS found FROM jobs WHERE name = ?', [name]) !== undefined;
  }

  get(name: string): JobRow | undefined {
    const row = this.store.get<JobRow>('SELECT * FROM jobs WHERE name = ?', [name]);
    return row ? normalize(row) : undefined;
  }

  /** `parent: null` lists top-level jobs only; a name lists that job's children. */
  list(filter: { status?: JobStatus[]; compute?: string; parent?: string | null; types?: string[]; limit?: number; oldestFirst?: boolean } = {}): JobRow[] {
    const where: string[] = [];
    const values: (string | number)[] = [];
    if (filter.status?.length) (where.push(`status IN (${filter.status.map(() => '?').join(', ')})`), values.push(...filter.status));
    if (filter.types?.length) (where.push(`type IN (${filter.types.map(() => '?').join(', ')})`), values.push(...filter.types));
    if (filter.compute) (where.push('compute = ?'), values.push(filter.compute));
    if (filter.parent === null) where.push('parent IS NULL');
    else if (filter.parent !== undefined) (where.push('parent = ?'), values.push(filter.parent));
    const sql = `SELECT * FROM jobs ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq ${filter.oldestFirst ? 'ASC' : 'DESC'} LIMIT ?`;
    return this.store.all<JobRow>(sql, [...values, filter.limit ?? 100_000]).map(normalize);
  }

  /** The child jobs of a pipeline or sweep, in the order they were created. */
  children(parent: string): JobRow[] {
    return this.list({ parent, oldestFirst: true });
  }

  /** The newest completed job with this reuse key that ran (or itself reused) the same work. */
  completedWithReuseKey(key: string): JobRow | undefined {
    const row = this.store.get<JobRow>("SELECT * FROM jobs WHERE reuse_key = ? AND status = 'Completed' ORDER BY seq DESC LIMIT 1", [key]);
    return row ? normalize(row) : undefined;
  }

  /** Every job's name and status. */
  statuses(): { name: string; status: JobStatus }[] {
    return this.store.all<{ name: string; status: JobStatus }>('SELECT name, status FROM jobs ORDER BY seq');
  }

  /** Computes that have queued jobs. */
  queuedComputes(): string[] {
    return this.store.all<{ compute: string }>("SELECT DISTINCT compute FROM jobs WHERE status = 'Queued'").map((row) => row.compute);
  }

  /** The next queued jobs of a compute, oldest first. */
  nextQueued(compute: string, limit: number): JobRow[] {
    return this.store.all<JobRow>("SELECT * FROM jobs WHERE status = 'Queued' AND compute = ? ORDER BY seq LIMIT ?", [compute, limit]).map(normalize);
  }

  /** How many instances the jobs queued for `compute` before `beforeSeq` take. */
  queuedInstances(compute: string, beforeSeq: number): number {
    return Number(this.store.get<{ n: number }>("SELECT COALESCE(SUM(instances), 0) AS n FROM jobs WHERE status = 'Queued' AND compute = ? AND seq < ?", [compute, beforeSeq])!.n);
  }

  setStatus(name: string, status: JobStatus, patch: JobPatch = {}): void {
    this.store.run('UPDATE jobs SET status = ?, reason = ? WHERE name = ?', [status, patch.reason ?? null, name]);
    this.patch(name, patch);
  }

  patch(name: string, patch: JobPatch): void {
    const keys = Object.keys(patch).filter((key) => key !== 'reason') as (keyof JobPatch)[];
    if (keys.length === 0) return;
    this.store.run(`UPDATE jobs SET ${keys.map((key) => `${key} = ?`).join(', ')} WHERE name = ?`, [...keys.map((key) => patch[key] ?? null), name]);
  }

  addOutput(output: OutputRow): void {
    this.store.run('INSERT OR REPLACE INTO outputs (job_name, name, type, mode, uri, host_path) VALUES (?, ?, ?, ?, ?, ?)', [output.job_name, output.name, output.type, output.mode, output.uri, output.host_path]);
  }

  outputs(job: string): OutputRow[] {
    return this.store.all<OutputRow>('SELECT * FROM outputs WHERE job_name = ? ORDER BY name', [job]);
  }
}

function normalize(row: JobRow): JobRow {
  for (const key of ['seq', 'log_offset', 'created_at', 'instances'] as const) row[key] = Number(row[key]);
  for (const key of ['exit_code', 'started_at', 'ended_at'] as const) if (row[key] !== null) row[key] = Number(row[key]);
  return row;
}

/** A stored time (ms since the epoch) as an ISO string; undefined when not set. */
export function isoTime(ms: number | null): string | undefined {
  return ms === null ? undefined : new Date(ms).toISOString();
}

export function toJobSummary(row: JobRow): JobSummary {
  return {
    name: row.name,
    type: row.type,
    experiment: row.experiment,
    ...(row.display_name ? { displayName: row.display_name } : {}),
    status: row.status,
    ...(row.reason ? { reason: row.reason } : {}),
    compute: row.compute,
    createdAt: isoTime(row.created_at)!,
    ...(row.started_at !== null ? { startedAt: isoTime(row.started_at) } : {}),
    ...(row.ended_at !== null ? { endedAt: isoTime(row.ended_at) } : {}),
    ...(row.exit_code !== null ? { exitCode: row.exit_code } : {}),
    ...(row.parent ? { parent: row.parent } : {}),
    ...(row.step ? { step: row.step } : {}),
    ...(row.reused_from ? { reusedFrom: row.reused_from } : {}),
  };
}
