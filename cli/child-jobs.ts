import type { PipelineStep, SweepSummary, SweepTrial } from '../core/vocabulary';
import { table } from './format';

/** `1h 02m`, `3m 05s`, `12s`, `0.4s` between two ISO times; '-' unless both are given. */
export function duration(startedAt?: string, endedAt?: string): string {
  if (!startedAt || !endedAt) return '-';
  const ms = Date.parse(endedAt) - Date.parse(startedAt);
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1).replace(/\.0$/, '')}s`;
  const seconds = Math.round(ms / 1000);
  const [h, m, s] = [Math.floor(seconds / 3600), Math.floor((seconds % 3600) / 60), seconds % 60];
  const two = (n: number) => String(n).padStart(2, '0');
  return h ? `${h}h ${two(m)}m` : m ? `${m}m ${two(s)}s` : `${s}s`;
}

/** A pipeline's steps, in `jobs:` order: a step that reused an earlier job's outputs says so instead of a status. */
export function describeSteps(steps: PipelineStep[]): string[] {
  const rows = [
    ['STEP', 'STATUS', 'DURATION', 'COMPUTE', 'DEPENDS ON'],
    ...steps.map((step) => [step.name, step.reusedFrom ? 'Reused' : step.status, step.reusedFrom ? '-' : duration(step.startedAt, step.endedAt), step.compute, step.dependsOn.join(', ') || '-']),
  ];
  const reused = steps.filter((step) => step.reusedFrom).map((step) => `  ${step.name} reused the outputs of ${step.reusedFrom}`);
  const failed = steps.filter((step) => step.status === 'Failed' && step.reason).map((step) => `  ${step.name} failed: ${step.reason!.split('\n')[0]}`);
  return ['steps:', ...indent(table(rows)), ...reused, ...failed];
}

const paramsText = (params: Record<string, number | string>): string => Object.entries(params).map(([key, value]) => `${key}=${value}`).join(' ') || '-';

/** A sweep's objective, its trials (params, primary metric, status) and the best trial. */
export function describeSweep(sweep: SweepSummary): string[] {
  const objective = `sweep:       ${sweep.goal} ${sweep.primaryMetric} (${sweep.samplingAlgorithm} sampling, ${sweep.trials.length} of at most ${sweep.maxTotalTrials} trials, ${sweep.maxConcurrentTrials} at a time)`;
  const rows = [['TRIAL', 'STATUS', sweep.primaryMetric.toUpperCase(), 'DURATION', 'PARAMS'], ...sweep.trials.map((trial) => trialRow(trial))];
  const best = sweep.best ? `best:        ${sweep.best.job}  ${sweep.primaryMetric}=${sweep.best.metric}  ${paramsText(sweep.best.params)}` : 'best:        none yet';
  return [objective, 'trials:', ...(sweep.trials.length ? indent(table(rows)) : ['  none yet']), best];
}

function trialRow(trial: SweepTrial): string[] {
  return [trial.job, trial.status, trial.metric === undefined ? '-' : String(trial.metric), duration(trial.startedAt, trial.endedAt), paramsText(trial.params)];
}

function indent(text: string): string[] {
  return text.trimEnd().split('\n').map((line) => `  ${line}`);
}
