import type { Store } from '../store/database';

interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: writes that arrive in the same turn of the event loop share one transaction (one journal sync),
 * each inside its own savepoint so one refused request does not undo the others. A write's promise resolves
 * only after the commit, so an acknowledged write is on disk.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(private readonly store: Store) {}

  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    this.scheduled = false;
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      this.store.transaction(() => {
        for (const item of batch) {
          this.store.run('SAVEPOINT tracking_write');
          try {
            outcomes.push({ ok: true, value: item.work() });
            this.store.run('RELEASE tracking_write');
          } catch (error) {
            this.store.run('ROLLBACK TO tracking_write');
            this.store.run('RELEASE tracking_write');
            outcomes.push({ ok: false, value: error });
          }
        }
      });
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, index) => (outcomes[index]!.ok ? item.resolve(outcomes[index]!.value) : item.reject(outcomes[index]!.value)));
  }
}
