import type { Store } from '../store/database';
import { alreadyExists, invalid, MlflowError, notFound } from './errors';
import { checkClause, matches, NUMERIC_COMPARATORS, pageOf, parseFilter, parseOrderBy, STRING_COMPARATORS } from './search-filter';
import { checkExperimentTag } from './validate';

export interface ExperimentRow {
  experiment_id: number;
  name: string;
  artifact_location: string;
  lifecycle_stage: 'active' | 'deleted';
  creation_time: number;
  last_update_time: number;
}

export interface ExperimentJson {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: string;
  last_update_time: number;
  creation_time: number;
  tags?: { key: string; value: string }[];
}

export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

export const DEFAULT_EXPERIMENT = '0';

/** MLflow experiments. Ids are decimal strings on the wire, integers in the store; `0` is `Default`. */
export class ExperimentRepository {
  constructor(private readonly store: Store) {}

  ensureDefault(): void {
    if (this.store.get('SELECT 1 AS found FROM mlflow_experiments WHERE experiment_id = 0')) return;
    const now = Date.now();
    this.store.run('INSERT INTO mlflow_experiments (experiment_id, name, artifact_location, creation_time, last_update_time) VALUES (0, ?, ?, ?, ?)', ['Default', artifactLocation(0), now, now]);
  }

  create(name: string, tags: { key: string; value: string }[] = [], location?: string): string {
    if (!name) throw invalid(`Invalid experiment name: '${name}'`);
    for (const tag of tags) checkExperimentTag(tag.key, tag.value);
    return this.store.transaction(() => {
      if (this.store.get('SELECT 1 AS found FROM mlflow_experiments WHERE name = ?', [name])) throw alreadyExists(`Experiment(name=${name}) already exists.`);
      const now = Date.now();
      const id = Number(this.store.get<{ next: number }>('SELECT COALESCE(MAX(experiment_id), 0) + 1 AS next FROM mlflow_experiments')!.next);
      this.store.run('INSERT INTO mlflow_experiments (experiment_id, name, artifact_location, creation_time, last_update_time) VALUES (?, ?, ?, ?, ?)', [id, name, location || artifactLocation(id), now, now]);
      for (const tag of tags) this.store.run('INSERT OR REPLACE INTO mlflow_experiment_tags (experiment_id, key, value) VALUES (?, ?, ?)', [id, tag.key, tag.value]);
      return String(id);
    });
  }

  /** The experiment named `name`, created when missing (a job's `experiment_name`). */
  idForName(name: string): string {
    const row = this.byName(name);
    return row ? String(row.experiment_id) : this.create(name);
  }

  find(id: string): ExperimentRow | undefined {
    if (!/^\d{1,15}$/.test(id)) return undefined;
    return this.store.get<ExperimentRow>('SELECT * FROM mlflow_experiments WHERE experiment_id = ?', [Number(id)]);
  }

  require(id: string): ExperimentRow {
    const row = this.find(id);
    if (!row) throw notFound(`No Experiment with id=${id} exists`);
    return row;
  }

  byName(name: string): ExperimentRow | undefined {
    return this.store.get<ExperimentRow>('SELECT * FROM mlflow_experiments WHERE name = ?', [name]);
  }

  json(row: ExperimentRow): ExperimentJson {
    const tags = this.store.all<{ key: string; value: string }>('SELECT key, value FROM mlflow_experiment_tags WHERE experiment_id = ? ORDER BY key', [row.experiment_id]);
    return {
      experiment_id: String(row.experiment_id),
      name: row.name,
      artifact_location: row.artifact_location,
      lifecycle_stage: row.lifecycle_stage,
      last_update_time: Number(row.last_update_time),
      creation_time: Number(row.creation_time),
      ...(tags.length ? { tags } : {}),
    };
  }

  rename(id: string, newName: string): void {
    this.store.transaction(() => {
      const row = this.require(id);
      if (row.lifecycle_stage !== 'active') throw new MlflowError('INVALID_STATE', 'Cannot rename a non-active experiment.');
      if (row.name !== newName && this.byName(newName)) throw alreadyExists(`Experiment(name=${newName}) already exists.`);
      this.store.run('UPDATE mlflow_experiments SET name = ?, last_update_time = ? WHERE experiment_id = ?', [newName, Date.now(), row.experiment_id]);
    });
  }

  /** Marks the experiment and its runs deleted (MLflow keeps them for `restore`). */
  setLifecycle(id: string, stage: 'active' | 'deleted'): void {
    this.store.transaction(() => {
      const row = this.require(id);
      if (stage === 'deleted' && row.experiment_id === 0) throw invalid('Cannot delete the default experiment \'0\'. This is an internally reserved experiment.');
      if (stage === 'active' && row.lifecycle_stage !== 'deleted') throw new MlflowError('INVALID_STATE', `Cannot restore an experiment that is not deleted: experiment ID ${id} is ${row.lifecycle_stage}.`);
      if (stage === 'deleted' && row.lifecycle_stage !== 'active') throw new MlflowError('INVALID_STATE', `Cannot delete an already deleted experiment: experiment ID ${id} is ${row.lifecycle_stage}.`);
      const now = Date.now();
      this.store.run('UPDATE mlflow_experiments SET lifecycle_stage = ?, last_update_time = ? WHERE experiment_id = ?', [stage, now, row.experiment_id]);
      this.store.run(`UPDATE mlflow_runs SET lifecycle_stage = ?, deleted_time = ? WHERE experiment_id = ? AND lifecycle_stage = ?`, [stage, stage === 'deleted' ? now : null, row.experiment_id, stage === 'deleted' ? 'active' : 'deleted']);
    });
  }

  setTag(id: string, key: string, value: string): void {
    checkExperimentTag(key, value);
    this.store.transaction(() => {
      const row = this.require(id);
      if (row.lifecycle_stage !== 'active') throw invalid(`The experiment ${id} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`);
      this.store.run('INSERT OR REPLACE INTO mlflow_experiment_tags (experiment_id, key, value) VALUES (?, ?, ?)', [row.experiment_id, key, value]);
    });
  }

  /** `visible` leaves out the experiments a token may not read before paging, so pages stay full. */
  search(options: { viewType: ViewType; maxResults: number; filter?: string; orderBy: string[]; pageToken?: string; visible?: (experimentId: number) => boolean }): { experiments: ExperimentJson[]; nextPageToken?: string } {
    const clauses = parseFilter(options.filter, 'attribute');
    const stages = options.viewType === 'ALL' ? ['active', 'deleted'] : [options.viewType === 'ACTIVE_ONLY' ? 'active' : 'deleted'];
    let rows = this.store.all<ExperimentRow>(`SELECT * FROM mlflow_experiments WHERE lifecycle_stage IN (${stages.map(() => '?').join(', ')})`, stages);
    if (options.visible) rows = rows.filter((row) => options.visible!(row.experiment_id));
    const tagsOf = new Map<number, Map<string, string>>();
    for (const tag of this.store.all<{ experiment_id: number; key: string; value: string }>('SELECT * FROM mlflow_experiment_tags')) {
      if (!tagsOf.has(tag.experiment_id)) tagsOf.set(tag.experiment_id, new Map());
      tagsOf.get(tag.experiment_id)!.set(tag.key, tag.value);
    }
    for (const clause of clauses) {
      if (clause.type === 'tag') {
        checkClause(clause, false, STRING_COMPARATORS);
        rows = rows.filter((row) => {
          const value = tagsOf.get(row.experiment_id)?.get(clause.key);
          return value !== undefined && matches(value, clause);
        });
      } else if (clause.type === 'attribute' && (clause.key === 'name')) {
        checkClause(clause, false, STRING_COMPARATORS);
        rows = rows.filter((row) => matches(row.name, clause));
      } else if (clause.type === 'attribute' && (clause.key === 'creation_time' || clause.key === 'last_update_time')) {
        checkClause(clause, true, NUMERIC_COMPARATORS);
        rows = rows.filter((row) => matches(Number(row[clause.key as 'creation_time']), clause));
      } else {
        throw invalid(`Invalid attribute key '${clause.key}' specified. Valid keys are '{'name', 'creation_time', 'last_update_time'}'`);
      }
    }
    const orders = (options.orderBy.length ? options.orderBy : ['creation_time DESC', 'experiment_id ASC']).map((text) => parseOrderBy(text));
    for (const order of orders) {
      if (order.type !== 'attribute' || !['name', 'experiment_id', 'creation_time', 'last_update_time'].includes(order.key)) throw invalid(`Invalid order_by entity: ${order.type === 'attribute' ? order.key : order.type}`);
    }
    if (!orders.some((o) => o.key === 'experiment_id')) orders.push({ type: 'attribute', key: 'experiment_id', ascending: false });
    rows.sort((a, b) => {
      for (const order of orders) {
        const x = a[order.key as keyof ExperimentRow];
        const y = b[order.key as keyof ExperimentRow];
        if (x !== y) return (x < y ? -1 : 1) * (order.ascending ? 1 : -1);
      }
      return 0;
    });
    const { page, nextPageToken } = pageOf(rows, options.maxResults, options.pageToken);
    return { experiments: page.map((row) => this.json(row)), ...(nextPageToken ? { nextPageToken } : {}) };
  }
}

export function artifactLocation(experimentId: number | string): string {
  return `mlflow-artifacts:/${experimentId}`;
}
