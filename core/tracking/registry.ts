import crypto from 'node:crypto';
import type { AssetRepository } from '../store/assets';
import type { Store } from '../store/database';
import { proxiedPath } from './artifacts';
import { alreadyExists, invalid, MlflowError, notFound } from './errors';
import { checkAlias, checkRegistryTag } from './validate';
import { checkClause, matches, pageOf, parseFilter, parseOrderBy, STRING_COMPARATORS, type Clause } from './search-filter';

interface ModelRow {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  description: string;
  created_by_run: string | null;
}

interface VersionRow {
  name: string;
  version: number;
  creation_timestamp: number;
  last_updated_timestamp: number;
  description: string;
  user_id: string;
  current_stage: string;
  source: string;
  run_id: string;
  run_link: string;
}

export const STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;

export interface NewVersion {
  name: string;
  source: string;
  runId?: string;
  runLink?: string;
  description?: string;
  tags: { key: string; value: string }[];
  /** The job the source run belongs to: the model asset's lineage. */
  job?: string;
  /** The source as a path in the artifact datastore, when it is a proxied artifact. */
  datastorePath?: string;
}

/**
 * The MLflow model registry. Every version is also an mlw model asset (`mlw model show`), whose `job` is the
 * run's job, so the registry and the workspace's models are one list.
 */
export class ModelRegistry {
  constructor(private readonly store: Store, private readonly assets: AssetRepository) {}

  /** `createdByRun`: the job run whose token creates the model (that job may then add versions to it). */
  createModel(name: string, tags: { key: string; value: string }[], description = '', createdByRun?: string): Record<string, unknown> {
    if (!name) throw invalid('Registered model name cannot be empty.');
    tags.forEach((tag) => checkRegistryTag('Registered model', tag.key, tag.value));
    return this.store.transaction(() => {
      if (this.findModel(name)) throw alreadyExists(`Registered Model (name=${name}) already exists.`);
      const now = Date.now();
      this.store.run('INSERT INTO mlflow_registered_models (name, creation_timestamp, last_updated_timestamp, description, created_by_run) VALUES (?, ?, ?, ?, ?)', [name, now, now, description, createdByRun ?? null]);
      for (const tag of tags) this.store.run('INSERT OR REPLACE INTO mlflow_registered_model_tags (name, key, value) VALUES (?, ?, ?)', [name, tag.key, tag.value]);
      return this.modelJson(this.requireModel(name));
    });
  }

  /** The job run whose token created the model, if one did. */
  creatorRun(name: string): string | undefined {
    return this.requireModel(name).created_by_run ?? undefined;
  }

  getModel(name: string): Record<string, unknown> {
    return this.modelJson(this.requireModel(name));
  }

  renameModel(name: string, newName: string): Record<string, unknown> {
    if (!newName) throw invalid('Registered model name cannot be empty.');
    return this.store.transaction(() => {
      this.requireModel(name);
      if (this.findModel(newName)) throw alreadyExists(`Registered Model (name=${newName}) already exists.`);
      this.store.run('UPDATE mlflow_registered_models SET name = ?, last_updated_timestamp = ? WHERE name = ?', [newName, Date.now(), name]);
      return this.modelJson(this.requireModel(newName));
    });
  }

  updateModel(name: string, description: string): Record<string, unknown> {
    this.requireModel(name);
    this.store.run('UPDATE mlflow_registered_models SET description = ?, last_updated_timestamp = ? WHERE name = ?', [description, Date.now(), name]);
    return this.modelJson(this.requireModel(name));
  }

  deleteModel(name: string): void {
    this.store.transaction(() => {
      this.requireModel(name);
      this.store.run('DELETE FROM mlflow_registered_models WHERE name = ?', [name]);
      this.assets.archive('model', name);
    });
  }

  setModelTag(name: string, key: string, value: string): void {
    checkRegistryTag('Registered model', key, value);
    this.requireModel(name);
    this.store.run('INSERT OR REPLACE INTO mlflow_registered_model_tags (name, key, value) VALUES (?, ?, ?)', [name, key, value]);
  }

  deleteModelTag(name: string, key: string): void {
    this.requireModel(name);
    this.store.run('DELETE FROM mlflow_registered_model_tags WHERE name = ? AND key = ?', [name, key]);
  }

  setAlias(name: string, alias: string, version: string): void {
    checkAlias(alias);
    this.requireVersion(name, version);
    this.store.run('INSERT OR REPLACE INTO mlflow_registered_model_aliases (name, alias, version) VALUES (?, ?, ?)', [name, alias, Number(version)]);
  }

  deleteAlias(name: string, alias: string): void {
    this.requireModel(name);
    this.store.run('DELETE FROM mlflow_registered_model_aliases WHERE name = ? AND alias = ?', [name, alias]);
  }

  versionByAlias(name: string, alias: string): Record<string, unknown> {
    this.requireModel(name);
    const row = this.store.get<{ version: number }>('SELECT version FROM mlflow_registered_model_aliases WHERE name = ? AND alias = ?', [name, alias]);
    if (!row) throw notFound(`Registered model alias ${alias} not found.`);
    return this.versionJson(this.requireVersion(name, String(row.version)));
  }

  /** `visible` leaves out the models a token may not read before paging, so pages stay full. */
  searchModels(filter: string | undefined, maxResults: number, orderBy: string[], pageToken?: string, visible?: (name: string) => boolean): { registered_models: Record<string, unknown>[]; next_page_token?: string } {
    let rows = this.store.all<ModelRow>('SELECT * FROM mlflow_registered_models');
    if (visible) rows = rows.filter((row) => visible(row.name));
    for (const clause of parseFilter(filter, 'attribute')) {
      checkClause(clause, false, STRING_COMPARATORS);
      if (clause.type === 'tag') rows = rows.filter((row) => this.matchesTag('mlflow_registered_model_tags', 'name = ?', [row.name], clause));
      else if (clause.type === 'attribute' && clause.key === 'name') rows = rows.filter((row) => matches(row.name, clause));
      else throw invalid(`Invalid attribute key '${clause.key}' specified. Valid keys are '{'name'}'`);
    }
    const orders = (orderBy.length ? orderBy : ['name ASC']).map((text) => parseOrderBy(text));
    const column = (key: string): 'name' | 'last_updated_timestamp' => {
      if (key === 'name') return 'name';
      if (key === 'timestamp' || key === 'last_updated_timestamp') return 'last_updated_timestamp';
      throw invalid(`Invalid order by key '${key}' specified. Valid keys are '{'name', 'timestamp', 'last_updated_timestamp'}'`);
    };
    if (!orders.some((o) => o.key === 'name')) orders.push({ type: 'attribute', key: 'name', ascending: true });
    rows.sort((a, b) => {
      for (const order of orders) {
        const x = a[column(order.key)];
        const y = b[column(order.key)];
        if (x !== y) return (x < y ? -1 : 1) * (order.ascending ? 1 : -1);
      }
      return 0;
    });
    const { page, nextPageToken } = pageOf(rows, maxResults, pageToken);
    return { registered_models: page.map((row) => this.modelJson(row)), ...(nextPageToken ? { next_page_token: nextPageToken } : {}) };
  }

  latestVersions(name: string, stages: string[]): Record<string, unknown>[] {
    this.requireModel(name);
    const wanted = stages.length ? stages.map((stage) => canonicalStage(stage)) : [...STAGES];
    return this.latestPerStage(name).filter((row) => wanted.includes(row.current_stage as (typeof STAGES)[number])).map((row) => this.versionJson(row, false));
  }

  createVersion(request: NewVersion): Record<string, unknown> {
    request.tags.forEach((tag) => checkRegistryTag('Model version', tag.key, tag.value));
    return this.store.transaction(() => {
      const model = this.requireModel(request.name);
      const registryNext = Number(this.store.get<{ next: number }>('SELECT COALESCE(MAX(version), 0) + 1 AS next FROM mlflow_model_versions WHERE name = ?', [model.name])!.next);
      const version = Math.max(registryNext, Number(this.assets.nextVersion('model', model.name)));
      const now = Date.now();
      this.store.run(
        'INSERT INTO mlflow_model_versions (name, version, creation_timestamp, last_updated_timestamp, description, source, run_id, run_link) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        [model.name, version, now, now, request.description ?? '', request.source, request.runId ?? '', request.runLink ?? ''],
      );
      for (const tag of request.tags) this.store.run('INSERT OR REPLACE INTO mlflow_model_version_tags (name, version, key, value) VALUES (?, ?, ?, ?)', [model.name, version, tag.key, tag.value]);
      this.touchModel(model.name, now);
      const spec = {
        name: model.name,
        version: String(version),
        type: 'mlflow_model',
        path: request.datastorePath ?? request.source,
        ...(request.description ? { description: request.description } : {}),
        ...(request.tags.length ? { tags: Object.fromEntries(request.tags.map((t) => [t.key, t.value])) } : {}),
        properties: { 'mlflow.source': request.source, ...(request.runId ? { 'mlflow.run_id': request.runId } : {}) },
      };
      const contentHash = crypto.createHash('sha256').update(JSON.stringify(spec)).digest('hex');
      this.assets.register({ kind: 'model', name: model.name, version: String(version), spec, contentHash, ...(request.job ? { job: request.job } : {}) });
      return this.versionJson(this.requireVersion(model.name, String(version)));
    });
  }

  getVersion(name: string, version: string): Record<string, unknown> {
    return this.versionJson(this.requireVersion(name, version));
  }

  updateVersion(name: string, version: string, description: string | undefined): Record<string, unknown> {
    const row = this.requireVersion(name, version);
    if (description !== undefined) this.store.run('UPDATE mlflow_model_versions SET description = ?, last_updated_timestamp = ? WHERE name = ? AND version = ?', [description, Date.now(), name, row.version]);
    return this.versionJson(this.requireVersion(name, version));
  }

  transitionStage(name: string, version: string, stage: string, archiveExisting: boolean): Record<string, unknown> {
    const target = canonicalStage(stage);
    return this.store.transaction(() => {
      const row = this.requireVersion(name, version);
      const now = Date.now();
      if (archiveExisting && (target === 'Staging' || target === 'Production')) {
        this.store.run("UPDATE mlflow_model_versions SET current_stage = 'Archived', last_updated_timestamp = ? WHERE name = ? AND current_stage = ? AND version != ? AND deleted = 0", [now, name, target, row.version]);
      }
      this.store.run('UPDATE mlflow_model_versions SET current_stage = ?, last_updated_timestamp = ? WHERE name = ? AND version = ?', [target, now, name, row.version]);
      this.touchModel(name, now);
      return this.versionJson(this.requireVersion(name, version));
    });
  }

  deleteVersion(name: string, version: string): void {
    this.store.transaction(() => {
      const row = this.requireVersion(name, version);
      this.store.run('DELETE FROM mlflow_registered_model_aliases WHERE name = ? AND version = ?', [name, row.version]);
      this.store.run('DELETE FROM mlflow_model_version_tags WHERE name = ? AND version = ?', [name, row.version]);
      const now = Date.now();
      this.store.run('UPDATE mlflow_model_versions SET deleted = 1, current_stage = ?, last_updated_timestamp = ? WHERE name = ? AND version = ?', ['Deleted_Internal', now, name, row.version]);
      this.touchModel(name, now);
      this.assets.archive('model', name, String(row.version));
    });
  }

  setVersionTag(name: string, version: string, key: string, value: string): void {
    checkRegistryTag('Model version', key, value);
    const row = this.requireVersion(name, version);
    this.store.run('INSERT OR REPLACE INTO mlflow_model_version_tags (name, version, key, value) VALUES (?, ?, ?, ?)', [name, row.version, key, value]);
  }

  deleteVersionTag(name: string, version: string, key: string): void {
    const row = this.requireVersion(name, version);
    this.store.run('DELETE FROM mlflow_model_version_tags WHERE name = ? AND version = ? AND key = ?', [name, row.version, key]);
  }

  /** `visible` leaves out the versions a token may not read before paging, so pages stay full. */
  searchVersions(filter: string | undefined, maxResults: number, orderBy: string[], pageToken?: string, visible?: (name: string, version: string) => boolean): { model_versions: Record<string, unknown>[]; next_page_token?: string } {
    let rows = this.store.all<VersionRow>('SELECT * FROM mlflow_model_versions WHERE deleted = 0');
    if (visible) rows = rows.filter((row) => visible(row.name, String(row.version)));
    for (const clause of parseFilter(filter, 'attribute')) rows = rows.filter((row) => this.versionMatches(row, clause));
    const orders = (orderBy.length ? orderBy : ['last_updated_timestamp DESC']).map((text) => parseOrderBy(text));
    // MLflow's natural order breaks the ties: name ascending, then the newest version first.
    if (!orders.some((o) => o.key === 'name')) orders.push({ type: 'attribute', key: 'name', ascending: true });
    if (!orders.some((o) => o.key === 'version_number')) orders.push({ type: 'attribute', key: 'version_number', ascending: false });
    const value = (row: VersionRow, key: string): string | number => {
      if (key === 'name') return row.name;
      if (key === 'version_number') return Number(row.version);
      if (key === 'creation_timestamp' || key === 'timestamp') return Number(row.creation_timestamp);
      if (key === 'last_updated_timestamp') return Number(row.last_updated_timestamp);
      throw invalid(`Invalid order by key '${key}' specified.`);
    };
    rows.sort((a, b) => {
      for (const order of orders) {
        const x = value(a, order.key);
        const y = value(b, order.key);
        if (x !== y) return (x < y ? -1 : 1) * (order.ascending ? 1 : -1);
      }
      return a.name === b.name ? Number(b.version) - Number(a.version) : a.name < b.name ? -1 : 1;
    });
    const { page, nextPageToken } = pageOf(rows, maxResults, pageToken);
    return { model_versions: page.map((row) => this.versionJson(row)), ...(nextPageToken ? { next_page_token: nextPageToken } : {}) };
  }

  downloadUri(name: string, version: string): string {
    return this.storageLocation(this.requireVersion(name, version).source);
  }

  /**
   * Where a source's files are: a `models:/<name>/<version>` source (a copied version) is the copied version's
   * location, as MLflow resolves it when the copy is made (so it outlives the deletion of the original).
   */
  storageLocation(source: string, depth = 0): string {
    const match = /^models:\/([^/]+)\/(\d+)\/?$/i.exec(source);
    if (!match) return source;
    const row = this.store.get<{ source: string }>('SELECT source FROM mlflow_model_versions WHERE name = ? AND version = ?', [match[1]!, Number(match[2])]);
    if (!row || depth > 16) throw invalid(`Unable to fetch model from model URI source artifact location '${source}'.Error: Model Version (name=${match[1]}, version=${match[2]}) not found`);
    return this.storageLocation(row.source, depth + 1);
  }

  private versionMatches(row: VersionRow, clause: Clause): boolean {
    if (clause.type === 'tag') {
      checkClause(clause, false, STRING_COMPARATORS);
      return this.matchesTag('mlflow_model_version_tags', 'name = ? AND version = ?', [row.name, row.version], clause);
    }
    const strings: Record<string, string> = { name: row.name, run_id: row.run_id, source_path: row.source };
    if (clause.type === 'attribute' && clause.key in strings) {
      checkClause(clause, false, [...STRING_COMPARATORS, 'IN', 'NOT IN']);
      return matches(strings[clause.key]!, clause);
    }
    if (clause.type === 'attribute' && clause.key === 'version_number') {
      checkClause(clause, true, ['=', '!=', '>', '>=', '<', '<=']);
      return matches(Number(row.version), clause);
    }
    throw invalid(`Invalid attribute key '${clause.key}' specified. Valid keys are '{'name', 'run_id', 'source_path', 'version_number'}'`);
  }

  private matchesTag(table: string, where: string, values: (string | number)[], clause: Clause): boolean {
    const row = this.store.get<{ value: string }>(`SELECT value FROM ${table} WHERE ${where} AND key = ?`, [...values, clause.key]);
    return row !== undefined && matches(row.value, clause);
  }

  private latestPerStage(name: string): VersionRow[] {
    return this.store.all<VersionRow>(
      'SELECT * FROM mlflow_model_versions v WHERE name = ? AND deleted = 0 AND version = (SELECT MAX(version) FROM mlflow_model_versions w WHERE w.name = v.name AND w.current_stage = v.current_stage AND w.deleted = 0) ORDER BY version',
      [name],
    );
  }

  /** A change to one of its versions is a change to the registered model too. */
  private touchModel(name: string, now: number): void {
    this.store.run('UPDATE mlflow_registered_models SET last_updated_timestamp = ? WHERE name = ?', [now, name]);
  }

  private findModel(name: string): ModelRow | undefined {
    return this.store.get<ModelRow>('SELECT * FROM mlflow_registered_models WHERE name = ?', [name]);
  }

  private requireModel(name: string): ModelRow {
    if (!name) throw invalid('Registered model name cannot be empty.');
    const row = this.findModel(name);
    if (!row) throw notFound(`Registered Model with name=${name} not found`);
    return row;
  }

  private requireVersion(name: string, version: string): VersionRow {
    if (!/^\d+$/.test(version)) throw invalid(`Model version must be an integer, got '${version}'`);
    this.requireModel(name);
    const row = this.store.get<VersionRow>('SELECT * FROM mlflow_model_versions WHERE name = ? AND version = ? AND deleted = 0', [name, Number(version)]);
    if (!row) throw notFound(`Model Version (name=${name}, version=${version}) not found`);
    return row;
  }

  private modelJson(row: ModelRow): Record<string, unknown> {
    const tags = this.store.all<{ key: string; value: string }>('SELECT key, value FROM mlflow_registered_model_tags WHERE name = ? ORDER BY key', [row.name]);
    const aliases = this.store.all<{ alias: string; version: number }>('SELECT alias, version FROM mlflow_registered_model_aliases WHERE name = ? ORDER BY alias', [row.name]);
    const latest = this.latestPerStage(row.name);
    return {
      name: row.name,
      creation_timestamp: Number(row.creation_timestamp),
      last_updated_timestamp: Number(row.last_updated_timestamp),
      ...(row.description ? { description: row.description } : {}),
      ...(latest.length ? { latest_versions: latest.map((v) => this.versionJson(v, false)) } : {}),
      ...(tags.length ? { tags } : {}),
      ...(aliases.length ? { aliases: aliases.map((a) => ({ alias: a.alias, version: String(a.version) })) } : {}),
    };
  }

  /** A version as MLflow writes it; lists of latest versions carry no aliases. */
  private versionJson(row: VersionRow, withAliases = true): Record<string, unknown> {
    const tags = this.store.all<{ key: string; value: string }>('SELECT key, value FROM mlflow_model_version_tags WHERE name = ? AND version = ? ORDER BY key', [row.name, row.version]);
    const aliases = withAliases ? this.store.all<{ alias: string }>('SELECT alias FROM mlflow_registered_model_aliases WHERE name = ? AND version = ? ORDER BY alias', [row.name, row.version]) : [];
    return {
      name: row.name,
      version: String(row.version),
      creation_timestamp: Number(row.creation_timestamp),
      last_updated_timestamp: Number(row.last_updated_timestamp),
      ...(row.user_id ? { user_id: row.user_id } : {}),
      current_stage: row.current_stage,
      ...(row.description ? { description: row.description } : {}),
      source: row.source,
      ...(row.run_id ? { run_id: row.run_id } : {}),
      status: 'READY',
      ...(row.run_link ? { run_link: row.run_link } : {}),
      ...(tags.length ? { tags } : {}),
      ...(aliases.length ? { aliases: aliases.map((a) => a.alias) } : {}),
    };
  }
}

function canonicalStage(stage: string): (typeof STAGES)[number] {
  const found = STAGES.find((s) => s.toLowerCase() === stage.toLowerCase());
  if (!found) throw new MlflowError('INVALID_PARAMETER_VALUE', `Invalid Model Version stage: ${stage}. Value must be one of ${STAGES.join(', ')}.`);
  return found;
}

/** `mlflow-artifacts:/1/<run>/artifacts/model` → the same folder as an `azureml://datastores/…` path. */
export function datastorePathOf(source: string): string | undefined {
  try {
    return `azureml://datastores/workspaceartifactstore/paths/${proxiedPath(source)}`;
  } catch {
    return undefined;
  }
}
