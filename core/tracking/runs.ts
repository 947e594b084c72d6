import crypto from 'node:crypto';
import type { Store } from '../store/database';
import { artifactLocation } from './experiments';
import { invalid, MlflowError, notFound } from './errors';
import { generateRunName } from './run-names';
import { checkParam, checkParamKeysUnique, checkRunId, checkTag } from './validate';

export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
export const RUN_STATUSES: readonly RunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];

export interface RunRow {
  id: number;
  run_uuid: string;
  experiment_id: number;
  name: string;
  user_id: string;
  status: RunStatus;
  start_time: number | null;
  end_time: number | null;
  deleted_time: number | null;
  lifecycle_stage: 'active' | 'deleted';
  artifact_uri: string;
  job_name: string | null;
}

export interface KeyValue {
  key: string;
  value: string;
}

export interface NewRun {
  experimentId: string;
  userId?: string;
  startTime?: number;
  runName?: string;
  tags?: KeyValue[];
  /** The mlw job this run is; its name is the run id, as in Azure ML. */
  jobName?: string;
  status?: RunStatus;
}

/** The runs that are no job's and still open; the partial index mlflow_runs_open_nested holds exactly these. */
export const OPEN_NESTED_RUNS = "SELECT * FROM mlflow_runs WHERE status IN ('RUNNING', 'SCHEDULED') AND job_name IS NULL";

export const RUN_NAME_TAG = 'mlflow.runName';
export const PARENT_RUN_TAG = 'mlflow.parentRunId';

/** Runs, their params, tags and dataset inputs (metrics live in `MetricRepository`). */
export class RunRepository {
  private readonly byUuid;

  constructor(private readonly store: Store) {
    this.byUuid = store.prepare('SELECT * FROM mlflow_runs WHERE run_uuid = ?');
  }

  create(run: NewRun): RunRow {
    const tags = (run.tags ?? []).map((tag) => checkTag(tag.key, tag.value));
    const tagName = tags.find((tag) => tag.key === RUN_NAME_TAG)?.value;
    if (run.runName && tagName && run.runName !== tagName) {
      throw invalid(`Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${run.runName}', mlflow.runName='${tagName}').`);
    }
    const name = run.runName || tagName || generateRunName();
    const uuid = run.jobName ?? crypto.randomUUID().replace(/-/g, '');
    return this.store.transaction(() => {
      const { lastInsertRowid } = this.store.run(
        'INSERT INTO mlflow_runs (run_uuid, experiment_id, name, user_id, status, start_time, artifact_uri, job_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        [uuid, Number(run.experimentId), name, run.userId ?? '', run.status ?? 'RUNNING', run.startTime ?? Date.now(), `${artifactLocation(run.experimentId)}/${uuid}/artifacts`, run.jobName ?? null],
      );
      for (const tag of [...tags.filter((t) => t.key !== RUN_NAME_TAG), { key: RUN_NAME_TAG, value: name }]) this.putTag(lastInsertRowid, tag.key, tag.value);
      return this.require(uuid);
    });
  }

  /** The jobs that have a run (a job's run is named by the job). */
  jobNames(): Set<string> {
    return new Set(this.store.all<{ job_name: string }>('SELECT job_name FROM mlflow_runs WHERE job_name IS NOT NULL').map((row) => row.job_name));
  }

  find(runId: string): RunRow | undefined {
    const row = this.byUuid.all([runId])[0] as unknown as RunRow | undefined;
    return row ?? undefined;
  }

  require(runId: string): RunRow {
    const row = this.find(runId);
    if (!row) throw notFound(`Run with id=${runId} not found`);
    return row;
  }

  /** A run that accepts writes: it exists and is not deleted. */
  requireActive(runId: string): RunRow {
    checkRunId(runId);
    const row = this.require(runId);
    if (row.lifecycle_stage !== 'active') throw invalid(`The run ${runId} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`);
    return row;
  }

  update(run: RunRow, patch: { status?: RunStatus; endTime?: number | null; runName?: string }): RunRow {
    this.store.transaction(() => {
      if (patch.status) this.store.run('UPDATE mlflow_runs SET status = ? WHERE id = ?', [patch.status, run.id]);
      if (patch.endTime !== undefined) this.store.run('UPDATE mlflow_runs SET end_time = ? WHERE id = ?', [patch.endTime, run.id]);
      if (patch.runName) {
        this.store.run('UPDATE mlflow_runs SET name = ? WHERE id = ?', [patch.runName, run.id]);
        this.putTag(run.id, RUN_NAME_TAG, patch.runName);
      }
    });
    return this.require(run.run_uuid);
  }

  /**
   * Ends the runs nested under `root` (at any depth) that are still RUNNING or SCHEDULED: a job's script that died
   * cannot end them. Runs of other jobs (a pipeline's steps, a sweep's trials) end with their own jobs.
   */
  endOpenNested(root: RunRow, status: RunStatus, endTime: number): void {
    const open = this.store.all<RunRow>(OPEN_NESTED_RUNS);
    this.store.transaction(() => {
      for (const run of open) if (this.isNestedUnder(run, root.run_uuid)) this.store.run('UPDATE mlflow_runs SET status = ?, end_time = ? WHERE id = ?', [status, endTime, run.id]);
    });
  }

  /** Whether `run`'s parents lead to `rootId` through runs that are no job's. */
  private isNestedUnder(run: RunRow, rootId: string): boolean {
    const seen = new Set<string>();
    for (let current: RunRow | undefined = run; current && !seen.has(current.run_uuid); ) {
      seen.add(current.run_uuid);
      const parent = this.tag(current, PARENT_RUN_TAG);
      if (parent === rootId) return true;
      current = parent ? this.find(parent) : undefined;
      if (current?.job_name) return false;
    }
    return false;
  }

  setLifecycle(runId: string, stage: 'active' | 'deleted'): void {
    const run = this.require(runId);
    if (stage === 'active' && run.lifecycle_stage !== 'deleted') return;
    this.store.run('UPDATE mlflow_runs SET lifecycle_stage = ?, deleted_time = ? WHERE id = ?', [stage, stage === 'deleted' ? Date.now() : null, run.id]);
  }

  setTag(run: RunRow, key: string, value: string): void {
    const tag = checkTag(key, value);
    this.store.transaction(() => {
      this.putTag(run.id, tag.key, tag.value);
      if (tag.key === RUN_NAME_TAG) this.store.run('UPDATE mlflow_runs SET name = ? WHERE id = ?', [tag.value, run.id]);
    });
  }

  deleteTag(run: RunRow, key: string): void {
    const { changes } = this.store.run('DELETE FROM mlflow_tags WHERE run = ? AND key = ?', [run.id, key]);
    if (changes === 0) throw notFound(`No tag with name: ${key} in run with id ${run.run_uuid}`);
  }

  tag(run: RunRow, key: string): string | undefined {
    return this.store.get<{ value: string }>('SELECT value FROM mlflow_tags WHERE run = ? AND key = ?', [run.id, key])?.value;
  }

  /** Params are immutable: the same value again is accepted, another value is `INVALID_PARAMETER_VALUE`. */
  logParams(run: RunRow, params: KeyValue[]): void {
    const checked = params.map((p) => checkParam(p.key, p.value));
    checkParamKeysUnique(checked);
    this.store.transaction(() => {
      for (const param of checked) {
        const existing = this.store.get<{ value: string }>('SELECT value FROM mlflow_params WHERE run = ? AND key = ?', [run.id, param.key]);
        if (existing === undefined) this.store.run('INSERT INTO mlflow_params (run, key, value) VALUES (?, ?, ?)', [run.id, param.key, param.value]);
        else if (existing.value !== param.value) {
          throw invalid(`Changing param values is not allowed. Param with key='${param.key}' was already logged with value='${existing.value}' for run ID='${run.run_uuid}'. Attempted logging new value '${param.value}'.`);
        }
      }
    });
  }

  setTags(run: RunRow, tags: KeyValue[]): void {
    this.store.transaction(() => tags.forEach((tag) => this.setTag(run, tag.key, tag.value)));
  }

  logInputs(run: RunRow, inputs: { dataset: Record<string, unknown>; tags: KeyValue[] }[]): void {
    this.store.transaction(() => {
      for (const input of inputs) {
        const name = String(input.dataset.name ?? '');
        const digest = String(input.dataset.digest ?? '');
        if (!name || !digest) throw invalid('Dataset name and digest are required');
        this.store.run('INSERT OR REPLACE INTO mlflow_inputs (run, name, digest, dataset, tags) VALUES (?, ?, ?, ?, ?)', [run.id, name, digest, JSON.stringify(input.dataset), JSON.stringify(input.tags)]);
      }
    });
  }

  params(run: RunRow): KeyValue[] {
    return this.store.all<KeyValue>('SELECT key, value FROM mlflow_params WHERE run = ? ORDER BY key', [run.id]);
  }

  tags(run: RunRow): KeyValue[] {
    return this.store.all<KeyValue>('SELECT key, value FROM mlflow_tags WHERE run = ? ORDER BY key', [run.id]);
  }

  inputs(run: RunRow): { tags?: KeyValue[]; dataset: Record<string, unknown> }[] {
    return this.store.all<{ dataset: string; tags: string }>('SELECT dataset, tags FROM mlflow_inputs WHERE run = ? ORDER BY name, digest', [run.id]).map((row) => {
      const tags = JSON.parse(row.tags) as KeyValue[];
      return { ...(tags.length ? { tags } : {}), dataset: JSON.parse(row.dataset) as Record<string, unknown> };
    });
  }

  /** The datasets logged to runs of these experiments, each with its input's context tag (MLflow's dataset summaries). */
  datasetSummaries(experimentIds: number[], limit: number): { experiment_id: string; name: string; digest: string; context: string | null }[] {
    if (experimentIds.length === 0) return [];
    const rows = this.store.all<{ experiment_id: number; name: string; digest: string; tags: string }>(
      `SELECT r.experiment_id, i.name, i.digest, i.tags FROM mlflow_inputs i JOIN mlflow_runs r ON i.run = r.id WHERE r.experiment_id IN (${experimentIds.map(() => '?').join(', ')}) ORDER BY r.experiment_id, i.name, i.digest`,
      experimentIds,
    );
    const summaries = new Map<string, { experiment_id: string; name: string; digest: string; context: string | null }>();
    for (const row of rows) {
      const context = (JSON.parse(row.tags) as KeyValue[]).find((tag) => tag.key === 'mlflow.data.context')?.value ?? null;
      const summary = { experiment_id: String(row.experiment_id), name: row.name, digest: row.digest, context };
      summaries.set(JSON.stringify(summary), summary);
    }
    return [...summaries.values()].slice(0, limit);
  }

  /** Runs of these experiments in these lifecycle stages, for search. */
  inExperiments(experimentIds: number[], stages: string[]): RunRow[] {
    if (experimentIds.length === 0) return [];
    return this.store.all<RunRow>(
      `SELECT * FROM mlflow_runs WHERE experiment_id IN (${experimentIds.map(() => '?').join(', ')}) AND lifecycle_stage IN (${stages.map(() => '?').join(', ')})`,
      [...experimentIds, ...stages],
    );
  }

  /** Every value of one param or tag over the given runs. */
  valuesOf(table: 'params' | 'tags', key: string, runs: RunRow[]): Map<number, string> {
    const rows = this.store.all<{ run: number; value: string }>(`SELECT run, value FROM mlflow_${table} WHERE key = ?`, [key]);
    const wanted = new Set(runs.map((r) => r.id));
    return new Map(rows.filter((r) => wanted.has(Number(r.run))).map((r) => [Number(r.run), r.value]));
  }

  private putTag(run: number, key: string, value: string): void {
    this.store.run('INSERT OR REPLACE INTO mlflow_tags (run, key, value) VALUES (?, ?, ?)', [run, key, value]);
  }
}

export function runInfoJson(run: RunRow): Record<string, unknown> {
  return {
    run_uuid: run.run_uuid,
    experiment_id: String(run.experiment_id),
    run_name: run.name,
    user_id: run.user_id,
    status: run.status,
    ...(run.start_time !== null ? { start_time: Number(run.start_time) } : {}),
    ...(run.end_time !== null ? { end_time: Number(run.end_time) } : {}),
    artifact_uri: run.artifact_uri,
    lifecycle_stage: run.lifecycle_stage,
    run_id: run.run_uuid,
  };
}

export function parseStatus(value: string | undefined): RunStatus | undefined {
  if (value === undefined || value === '') return undefined;
  if (!RUN_STATUSES.includes(value as RunStatus)) throw new MlflowError('INVALID_PARAMETER_VALUE', `Invalid value ${value} for parameter 'status' supplied. Hint: Value was of type 'str'. See the API docs for more information about request parameters.`);
  return value as RunStatus;
}
