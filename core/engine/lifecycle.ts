import { isTerminal, type JobStatus } from '../vocabulary';
import type { Store } from '../store/database';
import type { EventLog } from '../store/events';
import type { JobPatch, JobRepository, JobRow } from '../store/jobs';

/** The one place a job changes status: its row, what changes with it, and the status event, in one transaction. */
export class JobLifecycle {
  constructor(private readonly store: Store, private readonly jobs: JobRepository, private readonly events: EventLog) {}

  /**
   * Moves `job` to `status` with `reason` (cleared when absent). A terminal status stamps `ended_at` unless the job
   * already has one. Returns the row as stored; a `JobRow` passed in is updated too.
   */
  transition(job: JobRow | string, status: JobStatus, options: { reason?: string; patch?: JobPatch } = {}): JobRow {
    const name = typeof job === 'string' ? job : job.name;
    return this.store.transaction(() => {
      const current = this.jobs.get(name);
      if (!current) throw new Error(`no job named ${name}`);
      const patch: JobPatch = { ...options.patch };
      if (isTerminal(status) && current.ended_at === null && patch.ended_at === undefined) patch.ended_at = Date.now();
      this.jobs.setStatus(name, status, { ...patch, ...(options.reason ? { reason: options.reason } : {}) });
      this.events.append(name, { type: 'status', status, ...(options.reason ? { reason: options.reason } : {}), ...(current.parent ? { parent: current.parent } : {}) });
      const updated = this.jobs.get(name)!;
      if (typeof job !== 'string') Object.assign(job, updated);
      return updated;
    });
  }
}
