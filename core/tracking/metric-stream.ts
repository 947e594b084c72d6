import type { EventLog } from '../store/events';
import type { Store } from '../store/database';
import type { MetricPoint } from './metrics';

/** How long points gather before they are published: low latency, few writes. */
const FLUSH_MS = 10;
/**
 * Points of one job published per flush (5,000 a second, far more than a person or a chart follows); beyond that
 * only each key's latest point of the flush is.
 */
const MAX_POINTS_PER_FLUSH = 50;

/**
 * Publishes logged metric points as `metric` events on their job's stream. Points are taken from the request that
 * logged them (no read back from the store) and gathered for a few milliseconds, then written as events in one
 * transaction, which also publishes them to subscribers. The metric tables stay the record of every point; a job
 * logging faster than the stream's budget streams each key's latest point per flush.
 */
export class MetricStream {
  private pending = new Map<string, MetricPoint[]>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly store: Store, private readonly events: EventLog) {}

  push(job: string, points: MetricPoint[]): void {
    if (points.length === 0) return;
    const queue = this.pending.get(job);
    if (queue) {
      if (queue.length < MAX_POINTS_PER_FLUSH * 4) queue.push(...points);
      else queue.splice(0, queue.length, ...latestPerKey([...queue, ...points]));
    } else this.pending.set(job, points.slice());
    this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  /** Publishes what is pending now (also used on shutdown). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const pending = this.pending;
    this.pending = new Map();
    if (pending.size === 0) return;
    try {
      this.store.transaction(() => {
        for (const [job, points] of pending) {
          const published = points.length <= MAX_POINTS_PER_FLUSH ? points : [...points.slice(0, MAX_POINTS_PER_FLUSH), ...latestPerKey(points.slice(MAX_POINTS_PER_FLUSH))];
          for (const point of published) this.events.append(job, { type: 'metric', key: point.key, value: point.value, step: point.step }, point.timestamp);
        }
      });
    } catch {
      // The store closed under us (shutdown): the points are in the metric tables already.
    }
  }

  close(): void {
    this.flush();
  }
}

function latestPerKey(points: MetricPoint[]): MetricPoint[] {
  const latest = new Map<string, MetricPoint>();
  for (const point of points) latest.set(point.key, point);
  return [...latest.values()];
}
