import type { ComputeQueue } from '../api/contracts';
import type { JobRepository, JobRow } from '../store/jobs';
import type { ComputeTarget } from './computes';
import { JobRunner, type RunnerContext } from './job-runner';
import { decodeCommandPlan } from './kinds/command';
import { readRunRecord } from './run-record';

/**
 * Starts queued jobs in submission order while their compute has a free instance (`max_instances`). Jobs are
 * never started twice: a job is active from the moment it is picked until its runner ends.
 */
export class Scheduler {
  private readonly active = new Map<string, { runner: JobRunner; compute: string; done: Promise<void> }>();
  private kicking = false;
  private stopped = false;

  constructor(
    private readonly ctx: RunnerContext,
    private readonly jobs: JobRepository,
    private readonly target: (compute: string) => ComputeTarget,
    private readonly onJobEnd: (job: JobRow) => void = () => {},
  ) {}

  get activeCount(): number {
    return this.active.size;
  }

  /**
   * Picks up jobs a previous daemon left in flight, then starts what fits. A job still Queued whose run folder records
   * a start is in flight too: the database lost the commits after it (a crash or power cut), and it must not run twice.
   */
  resume(types: string[]): void {
    for (const job of this.jobs.list({ status: ['Queued', 'Preparing', 'Running', 'Finalizing'], types, oldestFirst: true })) {
      if (job.status !== 'Queued' || readRunRecord(job.run_dir).starting) this.launch(job);
    }
    this.kick();
  }

  /** Starts the oldest queued jobs of every compute with a free instance; reads only as many jobs as it starts. */
  kick(): void {
    if (this.kicking || this.stopped) return;
    this.kicking = true;
    try {
      const busy = this.busyByCompute();
      for (const compute of this.jobs.queuedComputes()) {
        let target: ComputeTarget;
        try {
          target = this.target(compute);
        } catch (error) {
          for (const job of this.jobs.nextQueued(compute, Number.MAX_SAFE_INTEGER)) this.fail(job, (error as Error).message);
          continue;
        }
        const free = target.capacity - (busy.get(compute) ?? 0);
        if (free <= 0) continue;
        // A launched job leaves Queued at once (the runner moves it to Preparing before its first await).
        for (const job of this.jobs.nextQueued(compute, free)) this.launch(job, target);
      }
    } finally {
      this.kicking = false;
    }
  }

  async cancel(job: JobRow, reason?: string): Promise<boolean> {
    const active = this.active.get(job.name);
    if (!active) return false;
    await active.runner.cancel(reason);
    await active.done;
    return true;
  }

  async cancelAll(reason: string): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.active.values()].map(async (a) => (await a.runner.cancel(reason), await a.done)));
  }

  queue(compute: string): ComputeQueue {
    const target = this.target(compute);
    const running = this.runningOn(compute);
    const queued = this.jobs.nextQueued(compute, Number.MAX_SAFE_INTEGER);
    return {
      compute,
      capacity: target.capacity,
      running,
      queued: queued.map((job, ahead) => ({ job: job.name, reason: queueReason(compute, running.length, target.capacity, ahead) ?? 'about to start' })),
    };
  }

  /** Why one queued job waits, without listing the whole queue; undefined when an instance is free for it. */
  waitReason(job: JobRow): string | undefined {
    return queueReason(job.compute, this.runningOn(job.compute).length, this.target(job.compute).capacity, this.jobs.queuedCount(job.compute, job.seq));
  }

  runningOn(compute: string): string[] {
    return [...this.active.entries()].filter(([, a]) => a.compute === compute).map(([name]) => name);
  }

  private launch(job: JobRow, target = this.target(job.compute)): void {
    const runner = new JobRunner(this.ctx, job, target, decodeCommandPlan(job));
    const done = runner.run().finally(() => {
      this.active.delete(job.name);
      this.kick();
      this.onJobEnd(job);
    });
    this.active.set(job.name, { runner, compute: job.compute, done });
  }

  private fail(job: JobRow, reason: string): void {
    this.ctx.lifecycle.transition(job, 'Failed', { reason });
    this.onJobEnd(job);
  }

  private busyByCompute(): Map<string, number> {
    const busy = new Map<string, number>();
    for (const { compute } of this.active.values()) busy.set(compute, (busy.get(compute) ?? 0) + 1);
    return busy;
  }
}

/** Why a queued job waits; undefined when it starts at the next scheduling pass (an instance is free for it). */
export function queueReason(compute: string, busy: number, capacity: number, ahead: number): string | undefined {
  if (busy + ahead < capacity) return undefined;
  return `waiting for a free instance of ${compute}: ${busy}/${capacity} busy, ${ahead} ahead`;
}
