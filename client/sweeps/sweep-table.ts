import type { JobStatus, SweepSummary } from '../../core/vocabulary';
import { formatDuration, jobDuration } from '../trees/presenters';
import { statusColorVariable } from '../pipelines/pipeline-graph';

/** What the sweep webview shows (pure data, posted as a message). */
export interface SweepView {
  job: string;
  status: string;
  primaryMetric: string;
  goal: 'maximize' | 'minimize';
  /** `random sampling · 7 of 20 trials · 2 at a time`. */
  summary: string;
  /** The search space's parameters, in the order of their first appearance. */
  params: string[];
  /** Best first (by the goal); trials without a metric yet last, by number. */
  rows: SweepRow[];
  /** The scatter: trial numbers ascending, the metric (null before a trial logged it), and the best trial's point alone. */
  chart: { trials: number[]; metric: (number | null)[]; best: (number | null)[] };
}

export interface SweepRow {
  /** 1-based, in the order the sweep started its trials. */
  trial: number;
  job: string;
  status: JobStatus;
  color: string;
  /** Status and duration. */
  detail: string;
  params: (number | string | null)[];
  metric: number | null;
  best: boolean;
}

export function sweepView(job: { name: string; status: string }, sweep: SweepSummary, now: number): SweepView {
  const params = [...new Set(sweep.trials.flatMap((trial) => Object.keys(trial.params)))];
  const bestJob = sweep.best?.job ?? bestByGoal(sweep);
  const rows: SweepRow[] = sweep.trials.map((trial, index) => {
    const duration = jobDuration(trial, now);
    return {
      trial: index + 1,
      job: trial.job,
      status: trial.status,
      color: statusColorVariable(trial.status),
      detail: duration === undefined ? trial.status : `${trial.status} · ${formatDuration(duration)}`,
      params: params.map((param) => trial.params[param] ?? null),
      metric: isNumber(trial.metric) ? trial.metric : null,
      best: trial.job === bestJob,
    };
  });
  const sign = sweep.goal === 'maximize' ? -1 : 1;
  rows.sort((a, b) => (a.metric === null ? (b.metric === null ? a.trial - b.trial : 1) : b.metric === null ? -1 : sign * (a.metric - b.metric) || a.trial - b.trial));
  const byTrial = [...rows].sort((a, b) => a.trial - b.trial);
  return {
    job: job.name,
    status: job.status,
    primaryMetric: sweep.primaryMetric,
    goal: sweep.goal,
    summary: `${sweep.samplingAlgorithm} sampling · ${sweep.trials.length} of ${sweep.maxTotalTrials} trials · ${sweep.maxConcurrentTrials} at a time`,
    params,
    rows,
    chart: { trials: byTrial.map((row) => row.trial), metric: byTrial.map((row) => row.metric), best: byTrial.map((row) => (row.best ? row.metric : null)) },
  };
}

/** The best trial by the goal among those with a metric, when the control plane has not named one. */
function bestByGoal(sweep: SweepSummary): string | undefined {
  let best: { job: string; metric: number } | undefined;
  for (const trial of sweep.trials) {
    if (!isNumber(trial.metric)) continue;
    if (!best || (sweep.goal === 'maximize' ? trial.metric > best.metric : trial.metric < best.metric)) best = { job: trial.job, metric: trial.metric };
  }
  return best?.job;
}

const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
