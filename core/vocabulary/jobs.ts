/** A job's lifecycle, and how the control plane describes a job to its clients. */
import type { JobEvent } from './events';

/**
 * `NotStarted`: a pipeline step waiting for the steps whose outputs it reads (it is not queued on a compute yet).
 * A pipeline or sweep job itself goes Running → Completed / Failed / Canceled; its steps and trials are child jobs.
 */
export type JobStatus = 'NotStarted' | 'Queued' | 'Preparing' | 'Running' | 'Finalizing' | 'Completed' | 'Failed' | 'Canceled';
export const TERMINAL_STATUSES: readonly JobStatus[] = ['Completed', 'Failed', 'Canceled'];
export const isTerminal = (status: JobStatus): boolean => TERMINAL_STATUSES.includes(status);

export interface JobSummary {
  name: string;
  type: string;
  experiment: string;
  displayName?: string;
  status: JobStatus;
  /** Why it is in this status: the queue position while Queued, the failure while Failed. */
  reason?: string;
  compute: string;
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  exitCode?: number;
  /** The pipeline or sweep job this job is a step or trial of. */
  parent?: string;
  /** The step's key in its pipeline's `jobs:`, or the trial's number in its sweep (`"1"`, `"2"`, …). */
  step?: string;
  /** A pipeline step that did not run: it reused the outputs of this completed job (same component, inputs, code, environment). */
  reusedFrom?: string;
}

export interface JobOutputInfo {
  name: string;
  type: string;
  mode: string;
  uri: string;
  /** The output's files, sorted; the first 1,000 when there are more. */
  files: string[];
  /** How many files the output holds. */
  fileCount: number;
}

export interface JobDetail extends JobSummary {
  specPath: string;
  spec: Record<string, unknown>;
  image?: string;
  snapshot?: string;
  outputs: JobOutputInfo[];
  events: JobEvent[];
  /** Pipeline jobs: every step, in `jobs:` order, with the steps it depends on. */
  steps?: PipelineStep[];
  /** Sweep jobs: the objective, the trials and the best trial so far. */
  sweep?: SweepSummary;
}

/** One step of a pipeline job, as a child job. */
export interface PipelineStep {
  /** The step's key in `jobs:`. */
  name: string;
  /** The child job that runs (or ran, or reused) the step. */
  job: string;
  status: JobStatus;
  reason?: string;
  compute: string;
  /** Steps whose outputs this step reads (the graph's edges point from them to this step). */
  dependsOn: string[];
  reusedFrom?: string;
  startedAt?: string;
  endedAt?: string;
}

export interface SweepTrial {
  job: string;
  status: JobStatus;
  reason?: string;
  /** The sampled value of every `search_space` parameter. */
  params: Record<string, number | string>;
  /** The last value the trial logged for the primary metric. */
  metric?: number;
  startedAt?: string;
  endedAt?: string;
}

export interface SweepSummary {
  primaryMetric: string;
  goal: 'maximize' | 'minimize';
  samplingAlgorithm: 'random' | 'grid' | 'bayesian';
  maxTotalTrials: number;
  maxConcurrentTrials: number;
  trials: SweepTrial[];
  best?: { job: string; params: Record<string, number | string>; metric: number };
}
