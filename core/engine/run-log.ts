import fs from 'node:fs';
import path from 'node:path';
import type { LogRange, LogReader } from '../store/events';
import type { JobRow } from '../store/jobs';
import { runFiles } from './layout';

/**
 * A job's user log lives only in its run folder (`runs/<job>/user_logs/std_log.txt`); the event log stores byte
 * ranges of it and reads their text back from there.
 */
export class RunLogs implements LogReader {
  constructor(private readonly root: string, private readonly jobOf: (name: string) => JobRow | undefined) {}

  /** Why the log of a job that ran can no longer be read; undefined while it can (also when empty or not yet written). */
  goneReason(job: JobRow): string | undefined {
    if (job.started_at === null) return undefined;
    const runDir = path.relative(this.root, job.run_dir);
    if (!fs.existsSync(job.run_dir)) return `the log of job ${job.name} is gone: its run folder ${runDir} was removed`;
    const file = runFiles(job.run_dir).logFile;
    if (job.log_offset > 0 && !fs.existsSync(file)) return `the log of job ${job.name} is gone: ${path.relative(this.root, file)} was removed`;
    return undefined;
  }

  /** The text of each range; bytes that are gone read as nothing, and the range at the start says why once. */
  read(name: string, ranges: readonly LogRange[]): string[] {
    const job = this.jobOf(name);
    let fd: number | undefined;
    try {
      if (job) fd = fs.openSync(runFiles(job.run_dir).logFile, 'r');
    } catch {
      fd = undefined;
    }
    try {
      return ranges.map(({ from, to }) => {
        if (fd === undefined) return from === 0 ? `[mlw] ${(job && this.goneReason(job)) ?? `the log of job ${name} is gone`}\n` : '';
        const buffer = Buffer.alloc(to - from);
        const read = fs.readSync(fd, buffer, 0, buffer.length, from);
        return buffer.subarray(0, read).toString('utf8');
      });
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }
}
