import type { Statement } from 'node-sqlite3-wasm';
import type { Store } from '../store/database';
import { invalid } from './errors';
import type { RunRow } from './runs';

export interface MetricPoint {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export interface BulkMetricPoint {
  key: string;
  value: number | string;
  timestamp: number;
  step: number;
  run_id: string;
}

interface SeriesRow {
  id: number;
  last_step: number;
  last_timestamp: number;
  last_value: number;
  last_is_nan: number;
}

// Prepared statements are always read to the end (`all`): a statement left mid-step keeps SQLite's read lock
// (and node-sqlite3-wasm's lock folder) after the query, which a crash would then leave behind.

/** Points inserted by one multi-row statement; larger batches use it repeatedly. */
const CHUNK = 50;

/** A metric value as MLflow's JSON writes it: NaN and the infinities as strings. */
export function metricValueJson(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}

const VALUE_SQL = `CASE WHEN is_nan THEN 'NaN' WHEN value > 1.7976931348623157e308 THEN 'Infinity' WHEN value < -1.7976931348623157e308 THEN '-Infinity' ELSE value END`;

/**
 * Metric points: one row per point in a clustered table keyed by (series, step, timestamp, value), plus the latest
 * point of each series. Writes go through prepared statements; a history page is built as JSON inside SQLite.
 */
export class MetricRepository {
  private readonly findSeries: Statement;
  private readonly insertSeries: Statement;
  private readonly updateLatest: Statement;
  private readonly insertOne: Statement;
  private readonly insertChunk: Statement;
  private readonly historyPage: Statement;
  private readonly historyPageEnd: Statement;
  private readonly latestOfRun: Statement;

  constructor(private readonly store: Store) {
    this.findSeries = store.prepare('SELECT id, last_step, last_timestamp, last_value, last_is_nan FROM mlflow_metric_series WHERE run = ? AND key = ?');
    this.insertSeries = store.prepare('INSERT INTO mlflow_metric_series (run, key, last_step, last_timestamp, last_value, last_is_nan) VALUES (?, ?, ?, ?, ?, ?)');
    this.updateLatest = store.prepare('UPDATE mlflow_metric_series SET last_step = ?, last_timestamp = ?, last_value = ?, last_is_nan = ? WHERE id = ?');
    const row = '(?, ?, ?, ?, ?)';
    this.insertOne = store.prepare(`INSERT OR IGNORE INTO mlflow_metrics (series, step, timestamp, value, is_nan) VALUES ${row}`);
    this.insertChunk = store.prepare(`INSERT OR IGNORE INTO mlflow_metrics (series, step, timestamp, value, is_nan) VALUES ${Array(CHUNK).fill(row).join(', ')}`);
    this.historyPage = store.prepare(
      `SELECT CAST(json_group_array(json_object('key', ?1, 'value', ${VALUE_SQL}, 'timestamp', timestamp, 'step', step)) AS BLOB) AS page, COUNT(*) AS count FROM (
         SELECT step, timestamp, value, is_nan FROM mlflow_metrics
         WHERE series = ?2 AND (step, timestamp, value, is_nan) > (?3, ?4, ?5, ?6)
         ORDER BY step, timestamp, value, is_nan LIMIT ?7)`,
    );
    // The last point of a full page and, if there is one, the point after it.
    this.historyPageEnd = store.prepare(
      'SELECT step, timestamp, value, is_nan FROM mlflow_metrics WHERE series = ? AND (step, timestamp, value, is_nan) > (?, ?, ?, ?) ORDER BY step, timestamp, value, is_nan LIMIT 2 OFFSET ?',
    );
    this.latestOfRun = store.prepare('SELECT key, last_step, last_timestamp, last_value, last_is_nan FROM mlflow_metric_series WHERE run = ? ORDER BY key');
  }

  /** Appends points (inside the caller's transaction); identical points are stored once, as in MLflow. */
  log(run: RunRow, points: MetricPoint[]): void {
    if (points.length === 0) return;
    const series = new Map<string, { id: number; latest: [number, number, number, number]; changed: boolean }>();
    const values: (number | string)[] = [];
    const flush = (statement: Statement) => {
      statement.run(values);
      values.length = 0;
    };
    for (const point of points) {
      const isNan = Number.isNaN(point.value) ? 1 : 0;
      const value = storedValue(point.value);
      const tuple: [number, number, number, number] = [point.step, point.timestamp, value, isNan];
      let entry = series.get(point.key);
      if (!entry) {
        const row = (this.findSeries.all([run.id, point.key])[0] ?? null) as unknown as SeriesRow | null;
        if (row) {
          entry = { id: Number(row.id), latest: [Number(row.last_step), Number(row.last_timestamp), Number(row.last_value), Number(row.last_is_nan)], changed: false };
        } else {
          const id = Number(this.insertSeries.run([run.id, point.key, ...tuple]).lastInsertRowid);
          entry = { id, latest: tuple, changed: false };
        }
        series.set(point.key, entry);
      }
      if (isLater(tuple, entry.latest)) (entry.latest = tuple), (entry.changed = true);
      values.push(entry.id, point.step, point.timestamp, value, isNan);
      if (values.length === CHUNK * 5) flush(this.insertChunk);
    }
    for (let i = 0; i < values.length; i += 5) this.insertOne.run(values.slice(i, i + 5));
    for (const entry of series.values()) if (entry.changed) this.updateLatest.run([...entry.latest, entry.id]);
  }

  /** The latest point of each key of a run. */
  latest(run: RunRow): { key: string; value: number | string; timestamp: number; step: number }[] {
    return (this.latestOfRun.all([run.id]) as unknown as (SeriesRow & { key: string })[]).map((row) => ({
      key: row.key,
      value: Number(row.last_is_nan) ? 'NaN' : metricValueJson(Number(row.last_value)),
      timestamp: Number(row.last_timestamp),
      step: Number(row.last_step),
    }));
  }

  /** Latest values of one key over many runs (for search filters and ordering). */
  latestOf(key: string): Map<number, number> {
    const rows = this.store.all<{ run: number; last_value: number; last_is_nan: number }>('SELECT run, last_value, last_is_nan FROM mlflow_metric_series WHERE key = ?', [key]);
    return new Map(rows.map((row) => [Number(row.run), Number(row.last_is_nan) ? NaN : Number(row.last_value)]));
  }

  /**
   * One page of a key's history as the UTF-8 JSON text of the `metrics` array, oldest step first, and the token of
   * the next page. `maxResults` undefined returns the whole history. SQLite writes the text and hands over its bytes,
   * which go to the response as they are.
   */
  historyJson(run: RunRow, key: string, maxResults: number | undefined, pageToken: string | undefined): { metrics: Buffer; count: number; nextPageToken?: string } {
    const seriesRow = (this.findSeries.all([run.id, key])[0] ?? null) as unknown as SeriesRow | null;
    if (!seriesRow) return { metrics: Buffer.from('[]'), count: 0 };
    const after = decodeHistoryToken(pageToken);
    const limit = maxResults ?? -1;
    const row = this.historyPage.all([key, Number(seriesRow.id), ...after, limit])[0] as unknown as { page: Uint8Array; count: number };
    const metrics = Buffer.from(row.page.buffer, row.page.byteOffset, row.page.byteLength);
    const count = Number(row.count);
    if (maxResults === undefined || count < maxResults || count === 0) return { metrics, count };
    const [last, next] = this.historyPageEnd.all([Number(seriesRow.id), ...after, count - 1]) as unknown as { step: number; timestamp: number; value: number; is_nan: number }[];
    return { metrics, count, ...(next ? { nextPageToken: encodeHistoryToken([Number(last!.step), Number(last!.timestamp), Number(last!.value), Number(last!.is_nan)]) } : {}) };
  }

  /**
   * Points of one metric across runs (by run id), as MLflow's bulk history answers them: `run_id` on each, in the
   * order given by `orderBy`; `steps` keeps only those steps.
   */
  pointsOfRuns(runIds: string[], key: string, options: { orderBy: 'timestamp' | 'step'; limit: number; steps?: number[] }): BulkMetricPoint[] {
    if (!runIds.length || options.steps?.length === 0) return [];
    const order = options.orderBy === 'timestamp' ? 'm.timestamp, m.step, m.value' : 'm.step, m.timestamp, m.value';
    const steps = options.steps ? ` AND m.step IN (${options.steps.map(() => '?').join(', ')})` : '';
    const rows = this.store.all<{ run_id: string; step: number; timestamp: number; value: number; is_nan: number }>(
      `SELECT r.run_uuid AS run_id, m.step, m.timestamp, m.value, m.is_nan FROM mlflow_metrics m JOIN mlflow_metric_series s ON m.series = s.id JOIN mlflow_runs r ON s.run = r.id
       WHERE s.key = ? AND r.run_uuid IN (${runIds.map(() => '?').join(', ')})${steps} ORDER BY r.run_uuid, ${order} LIMIT ?`,
      [key, ...runIds, ...(options.steps ?? []), options.limit],
    );
    return rows.map((row) => ({ key, value: metricValueJson(row.is_nan ? NaN : Number(row.value)), timestamp: Number(row.timestamp), step: Number(row.step), run_id: row.run_id }));
  }

  /** Metric keys of a run. */
  keys(run: RunRow): string[] {
    return this.store.all<{ key: string }>('SELECT key FROM mlflow_metric_series WHERE run = ? ORDER BY key', [run.id]).map((r) => r.key);
  }
}

/** SQLite has no NaN: MLflow stores 0 with an is_nan flag, and so do we. */
function storedValue(value: number): number {
  return Number.isNaN(value) ? 0 : value;
}

function isLater(candidate: [number, number, number, number], current: [number, number, number, number]): boolean {
  for (let i = 0; i < 3; i++) if (candidate[i] !== current[i]) return candidate[i]! > current[i]!;
  return false;
}

function encodeHistoryToken(after: [number, number, number, number]): string {
  return Buffer.from(JSON.stringify([after[0], after[1], String(after[2]), after[3]])).toString('base64url');
}

function decodeHistoryToken(token: string | undefined): [number, number, number, number] {
  if (!token) return [-Number.MAX_VALUE, -Number.MAX_VALUE, -Infinity, -1];
  try {
    const [step, timestamp, value, isNan] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as [number, number, string, number];
    const parsed: [number, number, number, number] = [step, timestamp, Number(value), isNan];
    if (parsed.every((n) => typeof n === 'number' && !Number.isNaN(n))) return parsed;
  } catch {
    // fall through
  }
  throw invalid(`Invalid page token '${token}'`);
}
