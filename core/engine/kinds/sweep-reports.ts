import { isTerminal, type JobEvent } from '../../vocabulary';
import type { EventLog } from '../../store/events';
import { ReportHistory, type Objective } from './sweep';

interface Followed {
  metric: string;
  history: ReportHistory;
  /** The newest event the history holds: an event published later with this sequence id or a lower one is in it. */
  seq: number;
}

/**
 * The primary metric's reports of the trials of running sweeps, kept as metric events arrive. A trial's reports are
 * read from the store once, when first asked for (also after the daemon restarted), so the early-termination policy,
 * evaluated on every report, reads no trial's metrics again.
 */
export class SweepReports {
  private readonly bySweep = new Map<string, Map<string, Followed>>();
  private readonly sweepOf = new Map<string, string>();

  /** Subscribe before anything that evaluates on the same events, so a report is in the history when it is read. */
  constructor(private readonly events: EventLog) {
    events.subscribe((event) => this.follow(event));
  }

  /** A trial's reports of the sweep's primary metric, in order. */
  of(sweep: string, trial: string, objective: Objective): ReportHistory {
    const trials = this.bySweep.get(sweep) ?? this.bySweep.set(sweep, new Map()).get(sweep)!;
    let followed = trials.get(trial);
    if (!followed) {
      followed = { metric: objective.primaryMetric, history: new ReportHistory(objective.goal), seq: 0 };
      for (const event of this.events.ofJob(trial, 'metric')) {
        if (event.type !== 'metric') continue;
        if (event.key === followed.metric) followed.history.add(event.value);
        followed.seq = Math.max(followed.seq, event.seq);
      }
      trials.set(trial, followed);
      this.sweepOf.set(trial, sweep);
    }
    return followed.history;
  }

  private follow(event: JobEvent): void {
    if (event.type === 'status' && isTerminal(event.status)) this.forget(event.job);
    if (event.type !== 'metric') return;
    const sweep = this.sweepOf.get(event.job);
    const followed = sweep === undefined ? undefined : this.bySweep.get(sweep)?.get(event.job);
    if (!followed || event.seq <= followed.seq) return;
    followed.seq = event.seq;
    if (event.key === followed.metric) followed.history.add(event.value);
  }

  /** A sweep that ended is no longer evaluated. */
  private forget(sweep: string): void {
    const trials = this.bySweep.get(sweep);
    if (!trials) return;
    for (const trial of trials.keys()) this.sweepOf.delete(trial);
    this.bySweep.delete(sweep);
  }
}
