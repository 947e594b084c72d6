import type { ComputeQueue } from '../api/contracts';
import type { JobRepository, JobRow } from '../store/jobs';
import type { ComputeTarget } from './computes';
import { JobRunner, type RunnerContext } from './job-runner';
import { decodeCommandPlan } from './kinds/command';
import { readRunRecord } from './run-record';

/**
 * Starts queued jobs in submission order while their compute has free instances (`max_instances`). A job takes as many
 * instances as it runs on (`resources.instance_count`), all at once or none: a job that does not fit yet waits, and
 * the jobs behind it wait too, so a large job is not passed over forever. Jobs are never started twice: a job is
 * active from the moment it is picked until its runner ends.
 */
export class Scheduler {
  private readonly active = new Map<string, { runner: JobRunner; compute: string; instances: number; done: Promise<void> }>();
  private kicking = false;
  private stopped = false;
  private detached = false;

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
        let free = target.capacity - (busy.get(compute) ?? 0);
        if (free <= 0) continue;
        // A launched job leaves Queued at once (the runner moves it to Preparing before its first await); each job
        // takes at least one instance, so `free` jobs are the most that can start.
        for (const job of this.jobs.nextQueued(compute, free)) {
          const instances = job.instances;
          if (instances > target.capacity) {
            this.fail(job, `it runs on ${instances} instances at once and compute ${compute} has ${target.capacity} (max_instances)`);
            continue;
          }
          if (instances > free) break;
          this.launch(job, target);
          free -= instances;
        }
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

  /** Leaves the active jobs running, unfollowed, and starts nothing more: the store is closing. */
  detach(): void {
    this.stopped = this.detached = true;
    for (const { runner } of this.active.values()) runner.detach();
  }

  queue(compute: string): ComputeQueue {
    const target = this.target(compute);
    const running = this.runningOn(compute);
    const busy = this.busyInstances(compute);
    let ahead = 0;
    const queued = this.jobs.nextQueued(compute, Number.MAX_SAFE_INTEGER).map((job) => {
      const needs = job.instances;
      const reason = queueReason(compute, busy, target.capacity, ahead, needs) ?? 'about to start';
      ahead += needs;
      return { job: job.name, reason };
    });
    return { compute, capacity: target.capacity, running, queued };
  }

  /** Why one queued job waits; undefined when instances are free for it. */
  waitReason(job: JobRow): string | undefined {
    const ahead = this.jobs.queuedInstances(job.compute, job.seq);
    return queueReason(job.compute, this.busyInstances(job.compute), this.target(job.compute).capacity, ahead, job.instances);
  }

  /** Instances of `compute` that its active jobs take. */
  busyInstances(compute: string): number {
    return this.busyByCompute().get(compute) ?? 0;
  }

  runningOn(compute: string): string[] {
    return [...this.active.entries()].filter(([, a]) => a.compute === compute).map(([name]) => name);
  }

  private launch(job: JobRow, target = this.target(job.compute)): void {
    const runner = new JobRunner(this.ctx, job, target, decodeCommandPlan(job));
    const done = runner.run().finally(() => {
      this.active.delete(job.name);
      if (this.detached) return;
      this.kick();
      this.onJobEnd(job);
    });
    this.active.set(job.name, { runner, compute: job.compute, instances: job.instances, done });
  }

  private fail(job: JobRow, reason: string): void {
    this.ctx.lifecycle.transition(job, 'Failed', { reason });
    this.onJobEnd(job);
  }

  private busyByCompute(): Map<string, number> {
    const busy = new Map<string, number>();
    for (const { compute, instances } of this.active.values()) busy.set(compute, (busy.get(compute) ?? 0) + instances);
    return busy;
  }
}

/**
 * Why a queued job waits; undefined when it starts at the next scheduling pass (instances are free for it).
 * `busy` and `ahead` count instances: those the running jobs take and those the jobs queued before it will take.
 */
export function queueReason(compute: string, busy: number, capacity: number, ahead: number, needs = 1): string | undefined {
  if (busy + ahead + needs <= capacity) return undefined;
  const what = needs === 1 ? 'a free instance' : `${needs} free instances (the job's instances start together)`;
  return `waiting for ${what} of ${compute}: ${busy}/${capacity} busy, ${ahead} ahead`;
}
