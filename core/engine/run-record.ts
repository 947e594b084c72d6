import fs from 'node:fs';
import path from 'node:path';
import type { JobStatus } from '../vocabulary';
import type { RunExit } from '../compute/driver';

/**
 * The run folder's own account of a run (`system_logs/run.jsonl`), written and fsynced before the database hears of
 * it: that a run is being started (before the process or container exists), what it is once started, and how it
 * exited. The database commits status changes without a sync, so after a crash or power cut this record is what
 * tells a new daemon that a job already ran, and how it ended.
 */
export type RunRecordEntry =
  | { event: 'starting'; at: number; compute: string; driver: string; identity: string }
  | { event: 'started'; at: number; ref: string }
  | { event: 'exited'; at: number; exitCode: number; reason?: string; stopped?: StopRequest };

/** Why mlw stopped a run (a cancel, a timeout): the job ends with this status and reason, not as failed. */
export interface StopRequest {
  status: JobStatus;
  reason: string;
}

export interface RunRecord {
  /** When the run was about to be started; a run may exist from this moment on. */
  starting?: Extract<RunRecordEntry, { event: 'starting' }>;
  started?: Extract<RunRecordEntry, { event: 'started' }>;
  exited?: Extract<RunRecordEntry, { event: 'exited' }>;
}

export function runRecordFile(runDir: string): string {
  return path.join(runDir, 'system_logs', 'run.jsonl');
}

export function recordRunStarting(runDir: string, entry: { compute: string; driver: string; identity: string }): void {
  append(runDir, { event: 'starting', at: Date.now(), ...entry });
}

export function recordRunStarted(runDir: string, ref: string): void {
  append(runDir, { event: 'started', at: Date.now(), ref });
}

export function recordRunExit(runDir: string, exit: RunExit, stopped?: StopRequest): void {
  append(runDir, { event: 'exited', at: Date.now(), exitCode: exit.exitCode, ...(exit.reason ? { reason: exit.reason } : {}), ...(stopped ? { stopped } : {}) });
}

/** The latest entry of each kind; a torn last line (a crash mid-write) is ignored. */
export function readRunRecord(runDir: string): RunRecord {
  let text: string;
  try {
    text = fs.readFileSync(runRecordFile(runDir), 'utf8');
  } catch {
    return {};
  }
  const record: RunRecord = {};
  for (const line of text.split('\n')) {
    let entry: RunRecordEntry;
    try {
      entry = JSON.parse(line) as RunRecordEntry;
    } catch {
      continue;
    }
    if (entry.event === 'starting') record.starting = entry;
    else if (entry.event === 'started') record.started = entry;
    else if (entry.event === 'exited') record.exited = entry;
  }
  return record;
}

function append(runDir: string, entry: RunRecordEntry): void {
  const file = runRecordFile(runDir);
  const created = !fs.existsSync(file);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, 'a');
  try {
    fs.writeSync(fd, JSON.stringify(entry) + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  // A new file's directory entry must be durable too, or the file can vanish with the power.
  if (created) syncDirectory(path.dirname(file));
}

function syncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
