/**
 * Early termination of a sweep's trials, with Azure ML's policies. Each time a trial logs the primary metric
 * counts as one interval: its n-th report is interval n. A policy applies at the intervals that are multiples of
 * `evaluation_interval` (default 1) and at least `delay_evaluation` (default 0). A trial's score at interval n is
 * the best value among its first n reports; the trials compared with it are those that reported at least n
 * values, itself included, whatever their status.
 *
 * - `bandit`: terminates a trial whose score is outside the slack of the best score at that interval. With
 *   `slack_factor` s the threshold is best / (1 + s) when maximizing and best * (1 + s) when minimizing
 *   (for a negative best, mirrored: best * (1 + s) when maximizing and best / (1 + s) when minimizing);
 *   with `slack_amount` a it is best - a, resp. best + a.
 * - `median_stopping`: terminates a trial whose score is worse than the median of the running averages
 *   (the mean of the first n reports) of the compared trials.
 * - `truncation_selection`: terminates a trial whose score is among the lowest `truncation_percentage` percent
 *   of the compared trials (finished ones left out with `exclude_finished_jobs`): the worst
 *   floor(count * percentage / 100) are cut, and a trial tied with the first one kept is kept too.
 *
 * `trialsToTerminate` is pure: call it whenever a trial reports a value. It judges every trial that is not
 * finished at its latest interval, so a trial can also be terminated when a later report of another trial at the
 * same interval raises the bar. Non-finite reported values (NaN) are ignored. A trial's reports may be given as a
 * `ReportHistory`, which keeps what the policies compare at each interval as values are added, so a call does not
 * go over the reports made before it again.
 */
import { isTerminal, type JobStatus } from '../../../vocabulary';
import { SweepSpecError, isRecord } from './search-space';
import { isBetter, type Goal, type Objective } from './objective';

interface PolicyTiming {
  evaluationInterval: number;
  delayEvaluation: number;
}
export type EarlyTerminationPolicy = PolicyTiming & (
  | { type: 'bandit'; slackFactor: number; slackAmount?: undefined }
  | { type: 'bandit'; slackAmount: number; slackFactor?: undefined }
  | { type: 'median_stopping' }
  | { type: 'truncation_selection'; truncationPercentage: number; excludeFinishedJobs: boolean }
);

export interface TrialProgress {
  /** The trial's job name (or any id the caller uses). */
  id: string;
  status: JobStatus;
  /** The values the trial logged for the primary metric, in order. */
  reports: readonly number[];
}

/** A trial's progress with its reports kept as a `ReportHistory`. */
export interface TrialHistory extends Omit<TrialProgress, 'reports'> {
  reports: ReportHistory;
}

/** A trial's reports with, at each interval, the best finite value so far and the sum and count of the finite ones. */
export class ReportHistory {
  private readonly bests: (number | undefined)[] = [];
  private readonly sums: number[] = [];
  private readonly counts: number[] = [];

  constructor(private readonly goal: Goal) {}

  static of(reports: readonly number[], goal: Goal): ReportHistory {
    const history = new ReportHistory(goal);
    for (const value of reports) history.add(value);
    return history;
  }

  /** How many values were reported: the trial's latest interval. */
  get length(): number {
    return this.bests.length;
  }

  add(value: number): void {
    const last = this.length - 1;
    const best = last >= 0 ? this.bests[last] : undefined;
    const finite = Number.isFinite(value);
    this.bests.push(finite && (best === undefined || isBetter(value, best, this.goal)) ? value : best);
    const sum = last >= 0 ? this.sums[last]! : 0;
    const count = last >= 0 ? this.counts[last]! : 0;
    this.sums.push(finite ? sum + value : sum);
    this.counts.push(finite ? count + 1 : count);
  }

  /** The best finite value among the first `interval` reports. */
  bestAt(interval: number): number | undefined {
    return this.bests[Math.min(interval, this.length) - 1];
  }

  /** The mean of the finite values among the first `interval` reports. */
  averageAt(interval: number): number | undefined {
    const index = Math.min(interval, this.length) - 1;
    const count = index >= 0 ? this.counts[index]! : 0;
    return count === 0 ? undefined : this.sums[index]! / count;
  }
}

export interface Termination {
  id: string;
  /** The interval (1-based report number) the decision was taken at. */
  interval: number;
  /** The trial's score at that interval. */
  value: number;
  threshold: number;
  /** One sentence naming the policy, the interval, the value and the threshold: the trial's Canceled reason. */
  reason: string;
}

const FIELDS: Record<EarlyTerminationPolicy['type'], readonly string[]> = {
  bandit: ['slack_factor', 'slack_amount'],
  median_stopping: [],
  truncation_selection: ['truncation_percentage', 'exclude_finished_jobs'],
};

/** Parses `early_termination`; undefined when there is none. Throws a `SweepSpecError` on a bad policy. */
export function parseEarlyTermination(spec: unknown): EarlyTerminationPolicy | undefined {
  if (spec === undefined || spec === null) return undefined;
  if (!isRecord(spec)) throw new SweepSpecError('early_termination must be a mapping with a `type`');
  const type = spec.type;
  if (type !== 'bandit' && type !== 'median_stopping' && type !== 'truncation_selection') {
    throw new SweepSpecError(`early_termination.type must be bandit, median_stopping or truncation_selection, not ${JSON.stringify(type)}`);
  }
  const allowed = ['type', 'evaluation_interval', 'delay_evaluation', ...FIELDS[type]];
  for (const key of Object.keys(spec)) {
    if (!allowed.includes(key)) throw new SweepSpecError(`early_termination: \`${key}\` is not an option of the ${type} policy`);
  }
  const integer = (field: string, fallback: number, minimum: number): number => {
    const value = spec[field] ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum) {
      throw new SweepSpecError(`early_termination.${field} must be an integer of at least ${minimum}, not ${JSON.stringify(value)}`);
    }
    return value;
  };
  const timing: PolicyTiming = { evaluationInterval: integer('evaluation_interval', 1, 1), delayEvaluation: integer('delay_evaluation', 0, 0) };
  if (type === 'median_stopping') return { type, ...timing };
  if (type === 'truncation_selection') {
    const truncationPercentage = integer('truncation_percentage', Number.NaN, 1);
    if (truncationPercentage > 99) throw new SweepSpecError(`early_termination.truncation_percentage must be between 1 and 99, not ${truncationPercentage}`);
    const exclude = spec.exclude_finished_jobs ?? false;
    if (typeof exclude !== 'boolean') throw new SweepSpecError(`early_termination.exclude_finished_jobs must be true or false, not ${JSON.stringify(exclude)}`);
    return { type, ...timing, truncationPercentage, excludeFinishedJobs: exclude };
  }
  const positive = (field: string): number | undefined => {
    const value = spec[field];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new SweepSpecError(`early_termination.${field} must be a number greater than 0, not ${JSON.stringify(value)}`);
    }
    return value;
  };
  const slackFactor = positive('slack_factor');
  const slackAmount = positive('slack_amount');
  if ((slackFactor === undefined) === (slackAmount === undefined)) {
    throw new SweepSpecError('early_termination: the bandit policy needs exactly one of `slack_factor` and `slack_amount`');
  }
  return slackFactor !== undefined ? { type, ...timing, slackFactor } : { type, ...timing, slackAmount: slackAmount as number };
}

/** Whether the policy applies at `interval`. */
export function isEvaluationInterval(policy: PolicyTiming, interval: number): boolean {
  return interval >= 1 && interval >= policy.delayEvaluation && interval % policy.evaluationInterval === 0;
}

/** The trials the policy terminates now, each with its reason. */
export function trialsToTerminate(policy: EarlyTerminationPolicy | undefined, objective: Objective, progress: readonly (TrialProgress | TrialHistory)[]): Termination[] {
  if (!policy) return [];
  const trials: TrialHistory[] = progress.map((trial) => ({ ...trial, reports: trial.reports instanceof ReportHistory ? trial.reports : ReportHistory.of(trial.reports, objective.goal) }));
  const terminations: Termination[] = [];
  for (const trial of trials) {
    const interval = trial.reports.length;
    if (isTerminal(trial.status) || !isEvaluationInterval(policy, interval)) continue;
    const value = trial.reports.bestAt(interval);
    if (value === undefined) continue;
    const compared = trials.filter((other) => other.reports.length >= interval
      && !(policy.type === 'truncation_selection' && policy.excludeFinishedJobs && isTerminal(other.status)));
    const verdict = judge(policy, objective, value, interval, compared);
    if (verdict) terminations.push({ id: trial.id, interval, value, threshold: verdict.threshold, reason: verdict.reason });
  }
  return terminations;
}

function judge(
  policy: EarlyTerminationPolicy, objective: Objective, value: number, interval: number, compared: readonly TrialHistory[],
): { threshold: number; reason: string } | undefined {
  const { goal, primaryMetric } = objective;
  const scores = compared.map((trial) => trial.reports.bestAt(interval)).filter((score): score is number => score !== undefined);
  const its = `at interval ${interval} its best ${primaryMetric} ${format(value)}`;
  const worse = goal === 'maximize' ? 'below' : 'above';
  switch (policy.type) {
    case 'bandit': {
      const best = scores.reduce((a, b) => (isBetter(b, a, goal) ? b : a), value);
      const threshold = banditThreshold(best, policy, goal === 'maximize' ? 1 : -1);
      if (!isBetter(threshold, value, goal)) return undefined;
      const slack = policy.slackFactor !== undefined ? `slack_factor ${format(policy.slackFactor)}` : `slack_amount ${format(policy.slackAmount)}`;
      return {
        threshold,
        reason: `Bandit policy: ${its} is ${worse} ${format(threshold)}, the best ${format(best)} of ${scores.length} trials at that interval with ${slack}.`,
      };
    }
    case 'median_stopping': {
      const averages = compared.map((trial) => trial.reports.averageAt(interval)).filter((average): average is number => average !== undefined);
      const threshold = median(averages);
      if (threshold === undefined || !isBetter(threshold, value, goal)) return undefined;
      return {
        threshold,
        reason: `Median stopping policy: ${its} is worse than ${format(threshold)}, the median of the running averages of ${averages.length} trials over intervals 1-${interval}.`,
      };
    }
    case 'truncation_selection': {
      const cut = Math.floor((scores.length * policy.truncationPercentage) / 100);
      if (cut === 0) return undefined;
      const worstFirst = [...scores].sort((a, b) => (isBetter(b, a, goal) ? -1 : isBetter(a, b, goal) ? 1 : 0));
      const threshold = worstFirst[cut];
      if (!isBetter(threshold, value, goal)) return undefined;
      return {
        threshold,
        reason: `Truncation selection policy: ${its} is in the lowest ${policy.truncationPercentage}% of ${scores.length} trials at that interval (${worse} the cut-off ${format(threshold)}).`,
      };
    }
  }
}

/** `direction` is 1 when maximizing (the threshold lies below the best), -1 when minimizing. */
function banditThreshold(best: number, policy: { slackFactor?: number; slackAmount?: number }, direction: 1 | -1): number {
  if (policy.slackAmount !== undefined) return best - direction * policy.slackAmount;
  const factor = policy.slackFactor as number;
  // Azure ML's best / (1 + s) when maximizing and best * (1 + s) when minimizing (a positive best), written as
  // distances from the best and mirrored for a negative best, so the threshold always lies on the losing side.
  const shrinks = direction === 1 ? best > 0 : best < 0;
  const distance = shrinks ? (Math.abs(best) * factor) / (1 + factor) : Math.abs(best) * factor;
  return best - direction * distance;
}

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function format(value: number): string {
  return String(Number(value.toPrecision(6)));
}
