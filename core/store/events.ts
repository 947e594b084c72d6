import { EventEmitter } from 'node:events';
import type { JobEvent } from '../vocabulary';
import type { Store } from './database';

interface EventRow {
  seq: number;
  job_name: string;
  type: JobEvent['type'];
  time: number;
  data: string;
  log_from: number | null;
  log_to: number | null;
}

/** Bytes `[from, to)` of a job's user log file. */
export interface LogRange {
  from: number;
  to: number;
}

/** Reads the text of stored log ranges back from where the log lives (the run folder). */
export interface LogReader {
  read(job: string, ranges: readonly LogRange[]): string[];
}

/** How much log text one replay batch reads back at most (it always holds at least one event). */
const BATCH_LOG_BYTES = 8 * 1024 * 1024;

type EventBody = JobEvent extends infer E ? (E extends JobEvent ? Omit<E, 'seq' | 'job' | 'time'> : never) : never;

/**
 * Every lifecycle transition, log chunk, metric point and asset change, stored with a sequence id and published once
 * stored (after the commit, inside a transaction). A chunk of the job's own output is stored as its byte range in the
 * run folder's log file, whose text is read back on replay; mlw's own log lines are stored with their text.
 * Subscribers replay from the store and then follow live; the store is synchronous, so a replay followed by
 * `subscribe` in the same tick cannot miss an event.
 */
export class EventLog {
  private readonly emitter = new EventEmitter();

  constructor(private readonly store: Store, private readonly logs?: LogReader) {
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

  /** A piece of the job's user log: stored as its byte range, published with its text. */
  appendLog(job: string, piece: LogRange & { text: string }, time = Date.now()): JobEvent {
    const { lastInsertRowid } = this.store.run("INSERT INTO events (job_name, type, time, data, log_from, log_to) VALUES (?, 'log', ?, '{}', ?, ?)", [job, time, piece.from, piece.to]);
    const event: JobEvent = { seq: lastInsertRowid, job, type: 'log', time: new Date(time).toISOString(), text: piece.text };
    this.store.onCommit(() => this.emitter.emit('event', event));
    return event;
  }

  /** Stored events after `afterSeq`, for one job or (without `job`) the whole workspace. */
  since(afterSeq: number, job?: string, limit = 10_000): JobEvent[] {
    const rows = job === undefined
      ? this.store.all<EventRow>('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?', [afterSeq, limit])
      : this.store.all<EventRow>('SELECT * FROM events WHERE job_name = ? AND seq > ? ORDER BY seq LIMIT ?', [job, afterSeq, limit]);
    let bytes = 0;
    const within = rows.findIndex((row) => (bytes += row.log_to === null ? 0 : Number(row.log_to) - Number(row.log_from)) > BATCH_LOG_BYTES);
    return this.toEvents(within < 0 ? rows : rows.slice(0, Math.max(1, within)));
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
    return this.toEvents(rows);
  }

  subscribe(listener: (event: JobEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  /** Events of stored rows, with the text of log ranges read back (one read per job). */
  private toEvents(rows: EventRow[]): JobEvent[] {
    const events = rows.map(toEvent);
    const ranges = new Map<string, { index: number; range: LogRange }[]>();
    rows.forEach((row, index) => {
      if (row.log_from === null || row.log_to === null) return;
      const ofJob = ranges.get(row.job_name) ?? ranges.set(row.job_name, []).get(row.job_name)!;
      ofJob.push({ index, range: { from: Number(row.log_from), to: Number(row.log_to) } });
    });
    for (const [job, pieces] of ranges) {
      const texts = this.logs?.read(job, pieces.map((piece) => piece.range)) ?? [];
      pieces.forEach((piece, i) => ((events[piece.index] as { text: string }).text = texts[i] ?? ''));
    }
    return events;
  }
}

function toEvent(row: EventRow): JobEvent {
  return { seq: Number(row.seq), job: row.job_name, type: row.type, time: new Date(Number(row.time)).toISOString(), ...JSON.parse(row.data) } as JobEvent;
}
