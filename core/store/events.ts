import { EventEmitter } from 'node:events';
import type { JobEvent } from '../api/contracts';
import type { Store } from './database';

interface EventRow {
  seq: number;
  job_name: string;
  type: JobEvent['type'];
  time: number;
  data: string;
}

type EventBody = JobEvent extends infer E ? (E extends JobEvent ? Omit<E, 'seq' | 'job' | 'time'> : never) : never;

/**
 * Every lifecycle transition, log chunk, metric point and asset change, stored with a sequence id and published once
 * stored (after the commit, inside a transaction).
 * Subscribers replay from the store and then follow live; the store is synchronous, so a replay followed by
 * `subscribe` in the same tick cannot miss an event.
 */
export class EventLog {
  private readonly emitter = new EventEmitter();

  constructor(private readonly store: Store) {
    this.emitter.setMaxListeners(0);
  }

  append(job: string, body: EventBody, time = Date.now()): JobEvent {
    const { type, ...data } = body;
    const { lastInsertRowid } = this.store.run('INSERT INTO events (job_name, type, time, data) VALUES (?, ?, ?, ?)', [job, type, time, JSON.stringify(data)]);
    const event = { seq: lastInsertRowid, job, type, time: new Date(time).toISOString(), ...data } as JobEvent;
    // Inside a transaction the event is published once it commits; a rolled-back event is never seen.
    this.store.onCommit(() => this.emitter.emit('event', event));
    return event;
  }

  /** Stored events after `afterSeq`, for one job or (without `job`) the whole workspace. */
  since(afterSeq: number, job?: string, limit = 10_000): JobEvent[] {
    const rows = job === undefined
      ? this.store.all<EventRow>('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?', [afterSeq, limit])
      : this.store.all<EventRow>('SELECT * FROM events WHERE job_name = ? AND seq > ? ORDER BY seq LIMIT ?', [job, afterSeq, limit]);
    return rows.map(toEvent);
  }

  /** The sequence id of the newest stored event (0 when there is none). */
  lastSeq(): number {
    return Number(this.store.get<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM events')?.seq ?? 0);
  }

  /** Stored events of one job by type, oldest first. */
  ofJob(job: string, type?: JobEvent['type']): JobEvent[] {
    const rows = type === undefined
      ? this.store.all<EventRow>('SELECT * FROM events WHERE job_name = ? ORDER BY seq', [job])
      : this.store.all<EventRow>('SELECT * FROM events WHERE job_name = ? AND type = ? ORDER BY seq', [job, type]);
    return rows.map(toEvent);
  }

  subscribe(listener: (event: JobEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}

function toEvent(row: EventRow): JobEvent {
  return { seq: Number(row.seq), job: row.job_name, type: row.type, time: new Date(Number(row.time)).toISOString(), ...JSON.parse(row.data) } as JobEvent;
}
