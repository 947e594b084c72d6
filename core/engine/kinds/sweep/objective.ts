/**
 * The sweep's objective: which of two metric values is better, a trial's objective value (the last value it
 * reported for the primary metric) and the best trial. Non-finite values (NaN, ±Infinity) never win.
 */
import { SweepSpecError, isRecord } from './search-space';

export type Goal = 'maximize' | 'minimize';

export interface Objective {
  primaryMetric: string;
  goal: Goal;
}

/** Parses `objective: {primary_metric, goal}`. */
export function parseObjective(objective: unknown): Objective {
  if (!isRecord(objective)) throw new SweepSpecError('objective must be a mapping with `primary_metric` and `goal`');
  const primaryMetric = objective.primary_metric;
  if (typeof primaryMetric !== 'string' || primaryMetric.trim() === '') {
    throw new SweepSpecError('objective.primary_metric must name the metric the trials log');
  }
  return { primaryMetric, goal: parseGoal(objective.goal) };
}

export function parseGoal(goal: unknown): Goal {
  const lower = typeof goal === 'string' ? goal.toLowerCase() : goal;
  if (lower !== 'maximize' && lower !== 'minimize') {
    throw new SweepSpecError(`objective.goal must be maximize or minimize, not ${JSON.stringify(goal)}`);
  }
  return lower;
}

/** Whether `a` is strictly better than `b` under `goal`. */
export function isBetter(a: number, b: number, goal: Goal): boolean {
  if (!Number.isFinite(a)) return false;
  if (!Number.isFinite(b)) return true;
  return goal === 'maximize' ? a > b : a < b;
}

/** A trial's objective value: the last value it reported, if that is a finite number. */
export function objectiveValue(reports: readonly number[]): number | undefined {
  const last = reports[reports.length - 1];
  return last !== undefined && Number.isFinite(last) ? last : undefined;
}

/** The best finite value among the first `count` reports (all by default). */
export function bestReported(reports: readonly number[], goal: Goal, count = reports.length): number | undefined {
  let best: number | undefined;
  for (let i = 0; i < Math.min(count, reports.length); i++) {
    const value = reports[i];
    if (Number.isFinite(value) && (best === undefined || isBetter(value, best, goal))) best = value;
  }
  return best;
}

/** The trial with the best `metric` (the first one on ties), or undefined when none has a finite metric. */
export function bestTrial<T extends { metric?: number }>(trials: readonly T[], goal: Goal): T | undefined {
  let best: T | undefined;
  for (const trial of trials) {
    if (trial.metric === undefined || !Number.isFinite(trial.metric)) continue;
    if (best === undefined || isBetter(trial.metric, best.metric as number, goal)) best = trial;
  }
  return best;
}
