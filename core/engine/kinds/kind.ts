import type { KindId } from '../../language';
import type { JobDetail } from '../../vocabulary';
import type { JobRow } from '../../store/jobs';
import type { LoadedSpec } from '../spec-loader';
import type { CommandContext } from './command';

/** What a job kind needs at submission. */
export type SubmitContext = CommandContext;

/** A job as its kind prepared it from a validated spec: the typed plan its row stores, and where it runs. */
export interface PreparedJob {
  plan: unknown;
  /** The compute a command job runs on; a pipeline's default compute or a sweep's trial compute. */
  compute: string;
  snapshotHash?: string;
}

/**
 * A job kind: how a validated spec becomes a stored plan. Command jobs run on a compute through the scheduler;
 * pipeline and sweep jobs orchestrate child jobs (`orchestrator`).
 */
export interface JobKind {
  readonly type: string;
  readonly spec: KindId;
  prepare(spec: LoadedSpec, ctx: SubmitContext): Promise<PreparedJob>;
  /** Kinds that run child jobs instead of a process. */
  readonly orchestrator?: Orchestrator;
}

/** Drives a parent job (a pipeline, a sweep) through its child jobs. Every method is idempotent. */
export interface Orchestrator {
  /** Decides what happens next from the stored state of the job and its children: on submit, after a child ended, on resume. */
  advance(job: JobRow): Promise<void>;
  /** Cancels the running children, skips the rest, and ends the job Canceled. */
  cancel(job: JobRow, reason: string): Promise<void>;
  /** What the job's detail adds (its steps, its trials). */
  detail(job: JobRow): Partial<JobDetail>;
}
