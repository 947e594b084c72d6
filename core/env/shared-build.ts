/** What a caller of a shared build gives: where its output lines go, and when it stops waiting. */
export interface BuildWaiter {
  onLog?: (line: string) => void;
  signal?: AbortSignal;
}

interface Flight<T> {
  key: string;
  result: Promise<T>;
  lines: string[];
  listeners: Set<(line: string) => void>;
  waiting: number;
  abort: AbortController;
}

/**
 * Builds keyed by content hash, each run once however many callers ask for it at the same time: a caller that
 * joins late first gets the lines printed so far, then the rest as they come. The build itself is canceled only
 * when every caller waiting on it gave up.
 */
export class SharedBuilds<T> {
  private readonly inFlight = new Map<string, Flight<T>>();

  has(key: string): boolean {
    return this.inFlight.has(key);
  }

  /** Joins the build of `key` in flight, or starts `build` for it. */
  run(key: string, build: (onLine: (line: string) => void, signal: AbortSignal) => Promise<T>, waiter: BuildWaiter): Promise<T> {
    return this.join(this.inFlight.get(key) ?? this.start(key, build), waiter);
  }

  private start(key: string, build: (onLine: (line: string) => void, signal: AbortSignal) => Promise<T>): Flight<T> {
    const lines: string[] = [];
    const listeners = new Set<(line: string) => void>();
    const abort = new AbortController();
    const onLine = (line: string): void => {
      lines.push(line);
      for (const listener of listeners) listener(line);
    };
    const result = build(onLine, abort.signal).finally(() => this.forget(flight));
    result.catch(() => undefined);
    const flight: Flight<T> = { key, result, lines, listeners, waiting: 0, abort };
    this.inFlight.set(key, flight);
    return flight;
  }

  /** Drops `flight` from the builds callers can join, unless a newer build of its key took its place. */
  private forget(flight: Flight<T>): void {
    if (this.inFlight.get(flight.key) === flight) this.inFlight.delete(flight.key);
  }

  private async join(flight: Flight<T>, { onLog, signal }: BuildWaiter): Promise<T> {
    if (onLog) {
      for (const line of flight.lines) onLog(line);
      flight.listeners.add(onLog);
    }
    flight.waiting += 1;
    let left = false;
    const leave = (): void => {
      if (left) return;
      left = true;
      flight.waiting -= 1;
      if (onLog) flight.listeners.delete(onLog);
    };
    let onAbort: (() => void) | undefined;
    const aborted = signal
      ? new Promise<never>((_, reject) => {
          onAbort = () => {
            leave();
            if (flight.waiting === 0) {
              // A caller arriving while the canceled build winds down starts a fresh one rather than joining it.
              this.forget(flight);
              flight.abort.abort();
            }
            reject(new Error('environment build canceled'));
          };
          if (signal.aborted) onAbort();
          else signal.addEventListener('abort', onAbort, { once: true });
        })
      : undefined;
    try {
      return await (aborted ? Promise.race([flight.result, aborted]) : flight.result);
    } finally {
      if (onAbort) signal?.removeEventListener('abort', onAbort);
      leave();
    }
  }
}
