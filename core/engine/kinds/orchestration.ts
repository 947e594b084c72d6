import type { JobRow, JobRepository } from '../../store/jobs';
import type { JobLifecycle } from '../lifecycle';
import type { SubmitContext } from './kind';

/** What a parent kind (pipeline, sweep) may do with the engine: create, queue and stop child jobs. */
export interface OrchestrationContext {
  jobs: JobRepository;
  lifecycle: JobLifecycle;
  submit: SubmitContext;
  transaction: <T>(work: () => T) => T;
  runDir: (job: string) => string;
  /** Queues a stored child job on its compute. */
  enqueue: (job: JobRow) => JobRow;
  /** Ends a child Canceled with `reason`: stops its run, cancels it with its own children, or cancels it while it waits. */
  stopRun: (job: JobRow, reason: string) => Promise<void>;
  /** Lets an orchestrated child (a pipeline's sweep step) start or go on. */
  advance: (job: JobRow) => Promise<void>;
  /** Tells the scheduler that queued jobs wait. */
  kick: () => void;
}

/** Runs `work` for one key at a time, in call order: two children ending together advance their parent once each, in turn. */
export class KeyedSerializer {
  private readonly tails = new Map<string, Promise<void>>();

  run(key: string, work: () => Promise<void>): Promise<void> {
    const next = (this.tails.get(key) ?? Promise.resolve()).then(work, work);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => this.tails.get(key) === tail && this.tails.delete(key));
    return next;
  }
}

/** A child job's name: the parent's name and the step (or trial number), kept to Azure ML's 255-character limit. */
export function childJobName(parent: string, step: string): string {
  return `${parent}_${step}`.slice(0, 255);
}
