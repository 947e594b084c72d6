import type { ExperimentRepository, ViewType } from './experiments';
import { invalid } from './errors';
import type { MetricRepository } from './metrics';
import type { RunRepository, RunRow } from './runs';
import { checkClause, matches, NUMERIC_COMPARATORS, pageOf, parseFilter, parseOrderBy, STRING_COMPARATORS, type Clause, type OrderBy } from './search-filter';

const STRING_ATTRIBUTES: Record<string, keyof RunRow> = { run_id: 'run_uuid', run_name: 'name', status: 'status', artifact_uri: 'artifact_uri', user_id: 'user_id', lifecycle_stage: 'lifecycle_stage' };
const NUMERIC_ATTRIBUTES: Record<string, keyof RunRow> = { start_time: 'start_time', end_time: 'end_time', created: 'start_time', Created: 'start_time' };

export interface RunSearch {
  experimentIds: string[];
  filter?: string;
  viewType: ViewType;
  maxResults: number;
  orderBy: string[];
  pageToken?: string;
  /** Only these runs are searched (a run token sees its own runs only). */
  visible?: (run: RunRow) => boolean;
}

/** `runs/search`: MLflow's filter grammar over latest metrics, params, tags and attributes, ordered and paged. */
export class RunSearcher {
  constructor(private readonly runs: RunRepository, private readonly metrics: MetricRepository, private readonly experiments: ExperimentRepository) {}

  search(request: RunSearch): { runs: RunRow[]; nextPageToken?: string } {
    const experimentIds = request.experimentIds.map((id) => {
      const row = this.experiments.find(id);
      return row ? row.experiment_id : -1;
    });
    const stages = request.viewType === 'ALL' ? ['active', 'deleted'] : [request.viewType === 'DELETED_ONLY' ? 'deleted' : 'active'];
    let runs = this.runs.inExperiments(experimentIds.filter((id) => id >= 0), stages);
    if (request.visible) runs = runs.filter(request.visible);
    for (const clause of parseFilter(request.filter)) runs = this.apply(clause, runs);
    const orders = request.orderBy.map((text) => parseOrderBy(text));
    const sortValues = orders.map((order) => this.valuesFor(order, runs));
    const hasStartTime = orders.some((o) => o.type === 'attribute' && NUMERIC_ATTRIBUTES[o.key] === 'start_time');
    runs.sort((a, b) => {
      for (let i = 0; i < orders.length; i++) {
        const x = sortValues[i]!(a);
        const y = sortValues[i]!(b);
        if (x === y) continue;
        // Missing values sort last in either direction, as in MLflow.
        if (x === undefined) return 1;
        if (y === undefined) return -1;
        return (x < y ? -1 : 1) * (orders[i]!.ascending ? 1 : -1);
      }
      if (!hasStartTime && a.start_time !== b.start_time) return Number(b.start_time ?? 0) - Number(a.start_time ?? 0);
      return a.run_uuid < b.run_uuid ? -1 : a.run_uuid > b.run_uuid ? 1 : 0;
    });
    const { page, nextPageToken } = pageOf(runs, request.maxResults, request.pageToken);
    return { runs: page, ...(nextPageToken ? { nextPageToken } : {}) };
  }

  private apply(clause: Clause, runs: RunRow[]): RunRow[] {
    switch (clause.type) {
      case 'metric': {
        checkClause(clause, true, NUMERIC_COMPARATORS);
        const values = this.metrics.latestOf(clause.key);
        return runs.filter((run) => {
          const value = values.get(run.id);
          return value !== undefined && !Number.isNaN(value) && matches(value, clause);
        });
      }
      case 'param':
      case 'tag': {
        checkClause(clause, false, STRING_COMPARATORS);
        const values = this.runs.valuesOf(clause.type === 'param' ? 'params' : 'tags', clause.key, runs);
        return runs.filter((run) => {
          const value = values.get(run.id);
          return value !== undefined && matches(value, clause);
        });
      }
      case 'attribute': {
        const stringColumn = STRING_ATTRIBUTES[clause.key];
        const numericColumn = NUMERIC_ATTRIBUTES[clause.key];
        if (stringColumn) {
          checkClause(clause, false, clause.key === 'run_id' ? ['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'] : STRING_COMPARATORS);
          return runs.filter((run) => matches(String(run[stringColumn]), clause));
        }
        if (numericColumn) {
          checkClause(clause, true, NUMERIC_COMPARATORS);
          return runs.filter((run) => run[numericColumn] !== null && matches(Number(run[numericColumn]), clause));
        }
        throw invalid(`Invalid attribute key '${clause.key}' specified. Valid keys are '${JSON.stringify([...Object.keys(STRING_ATTRIBUTES), ...Object.keys(NUMERIC_ATTRIBUTES)])}'`);
      }
      case 'dataset':
        throw invalid(`Searching runs by dataset (${clause.key}) is not supported by this server`);
    }
  }

  private valuesFor(order: OrderBy, runs: RunRow[]): (run: RunRow) => string | number | undefined {
    switch (order.type) {
      case 'metric': {
        const values = this.metrics.latestOf(order.key);
        return (run) => values.get(run.id);
      }
      case 'param':
      case 'tag': {
        const values = this.runs.valuesOf(order.type === 'param' ? 'params' : 'tags', order.key, runs);
        return (run) => values.get(run.id);
      }
      case 'attribute': {
        const column = STRING_ATTRIBUTES[order.key] ?? NUMERIC_ATTRIBUTES[order.key] ?? (order.key === 'experiment_id' ? 'experiment_id' : undefined);
        if (!column) throw invalid(`Invalid order_by key '${order.key}'`);
        return (run) => (run[column] === null ? undefined : (run[column] as string | number));
      }
      case 'dataset':
        throw invalid('Ordering runs by dataset is not supported by this server');
    }
  }
}
