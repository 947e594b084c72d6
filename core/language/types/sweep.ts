/** Typed shapes of a sweep job's objective, sampling, search space and early termination. Types only. */

// ---------------------------------------------------------------------------------------------
// Sweep
// ---------------------------------------------------------------------------------------------

export interface Objective {
  primary_metric: string;
  goal: 'minimize' | 'maximize';
}

export type SamplingAlgorithmType = 'random' | 'grid' | 'bayesian';
export interface RandomSamplingAlgorithm {
  type: 'random';
  seed?: number;
  /** Default `random`. */
  rule?: 'random' | 'sobol';
  logbase?: number | string;
}
export interface GridSamplingAlgorithm {
  type: 'grid';
}
export interface BayesianSamplingAlgorithm {
  type: 'bayesian';
}
export type SamplingAlgorithm =
  | SamplingAlgorithmType
  | RandomSamplingAlgorithm
  | GridSamplingAlgorithm
  | BayesianSamplingAlgorithm;

export interface ChoiceExpression {
  type: 'choice';
  values: unknown[];
}
export interface RandintExpression {
  type: 'randint';
  /** Exclusive upper bound. */
  upper: number;
}
export interface UniformExpression {
  type: 'uniform' | 'loguniform';
  min_value: number;
  max_value: number;
}
export interface QUniformExpression {
  type: 'quniform' | 'qloguniform';
  min_value: number;
  max_value: number;
  q: number;
}
export interface NormalExpression {
  type: 'normal' | 'lognormal';
  mu: number;
  sigma: number;
}
export interface QNormalExpression {
  type: 'qnormal' | 'qlognormal';
  mu: number;
  sigma: number;
  q: number;
}
export type SearchSpaceEntry =
  | ChoiceExpression
  | RandintExpression
  | UniformExpression
  | QUniformExpression
  | NormalExpression
  | QNormalExpression;
export type SearchSpace = Record<string, SearchSpaceEntry>;

interface EarlyTerminationBase {
  /** Default `1`. */
  evaluation_interval?: number;
  /** Default `0`. */
  delay_evaluation?: number;
}
export interface BanditPolicy extends EarlyTerminationBase {
  type: 'bandit';
  slack_factor?: number;
  slack_amount?: number;
}
export interface MedianStoppingPolicy extends EarlyTerminationBase {
  type: 'median_stopping';
}
export interface TruncationSelectionPolicy extends EarlyTerminationBase {
  type: 'truncation_selection';
  truncation_percentage: number;
  exclude_finished_jobs?: boolean;
}
export type EarlyTermination = BanditPolicy | MedianStoppingPolicy | TruncationSelectionPolicy;
