/**
 * Samplers propose the parameters of a sweep's next trial from what ran so far.
 *
 * A sampler keeps no state between calls: `next(finished, pending)` derives everything from the trials it is
 * given, and trial number `finished.length + pending.length` draws from its own seeded stream. So a sweep that is
 * resumed (after a restart of the daemon) proposes exactly the trials it would have proposed, and the same seed
 * gives the same sweep.
 *
 * - `random`: every parameter drawn independently (`{type: random, seed: N}` fixes the seed; `logbase` changes
 *   the base of the log variants from `e`). `rule: sobol` samples like `random` (no Sobol sequence).
 * - `grid`: every combination of `choice` values (the only type Azure ML allows for grid), the first parameter
 *   varying slowest, each once; then exhausted.
 * - `bayesian`: the Tree-structured Parzen Estimator, see `tpe.ts`.
 *
 * When every parameter is discrete (`choice`, `randint`), random and bayesian sampling also propose each
 * combination at most once and are exhausted when all have been proposed.
 */
import { createRandom, type Random } from './random';
import { createBayesianNext } from './tpe';
import {
  SweepSpecError, cardinality, combinationKey, discreteValue, isDiscrete, isRecord, parseSearchSpace, sampleParameter,
  type ParamValue, type Parameter, type Params,
} from './search-space';
import type { Goal } from './objective';

export type SamplingAlgorithmType = 'random' | 'grid' | 'bayesian';

export interface SamplingAlgorithm {
  type: SamplingAlgorithmType;
  seed?: number;
  /** Base of the log variants for random sampling; default `e`. */
  logBase: number;
}

/** A trial that ended: its parameters and objective value (undefined if it reported none). */
export interface FinishedTrial {
  params: Params;
  metric?: number;
}

export interface Sampler {
  readonly algorithm: SamplingAlgorithmType;
  readonly parameters: readonly Parameter[];
  /** How many distinct combinations the space has (Infinity unless every parameter is discrete). */
  readonly size: number;
  /**
   * The parameters of the next trial, or undefined when the space is exhausted. `finished` are all the trials
   * that ended (completed, failed or canceled), `pending` the parameters of those still queued or running.
   */
  next(finished: readonly FinishedTrial[], pending: readonly Params[]): Params | undefined;
}

export interface SamplerOptions {
  /** The seed when `sampling_algorithm` gives none (e.g. `seedFromText(sweepName)`); default 0. */
  seed?: number;
}

/** Parses `sampling_algorithm`: `random`, `grid`, `bayesian`, or a mapping with `type` and its options. */
export function parseSamplingAlgorithm(spec: unknown): SamplingAlgorithm {
  const record = isRecord(spec) ? spec : { type: spec };
  const type = record.type;
  if (type !== 'random' && type !== 'grid' && type !== 'bayesian') {
    throw new SweepSpecError(`sampling_algorithm must be random, grid or bayesian, not ${JSON.stringify(type)}`);
  }
  const allowed = type === 'random' ? ['type', 'seed', 'rule', 'logbase'] : ['type'];
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) throw new SweepSpecError(`sampling_algorithm: \`${key}\` is not an option of ${type} sampling`);
  }
  const seed = record.seed;
  if (seed !== undefined && !(typeof seed === 'number' && Number.isSafeInteger(seed))) {
    throw new SweepSpecError(`sampling_algorithm.seed must be an integer, not ${JSON.stringify(seed)}`);
  }
  // `rule: sobol` is sampled with the seeded generator (the editor says so at the field): a quasi-random sequence
  // changes how evenly the space is covered, not which values are valid.
  if (record.rule !== undefined && record.rule !== 'random' && record.rule !== 'sobol') {
    throw new SweepSpecError(`sampling_algorithm.rule ${JSON.stringify(record.rule)} is not supported; use random or sobol`);
  }
  return { type, ...(seed === undefined ? {} : { seed }), logBase: parseLogBase(record.logbase) };
}

function parseLogBase(logbase: unknown): number {
  if (logbase === undefined || logbase === 'e') return Math.E;
  const base = typeof logbase === 'string' && logbase.trim() !== '' ? Number(logbase) : logbase;
  if (typeof base !== 'number' || !Number.isFinite(base) || base <= 0 || base === 1) {
    throw new SweepSpecError(`sampling_algorithm.logbase must be e or a positive number other than 1, not ${JSON.stringify(logbase)}`);
  }
  return base;
}

/** A sampler for a sweep's `search_space` and `sampling_algorithm`; throws a `SweepSpecError` on bad input. */
export function createSampler(searchSpace: unknown, samplingAlgorithm: unknown, goal: Goal, options: SamplerOptions = {}): Sampler {
  const parameters = parseSearchSpace(searchSpace);
  const algorithm = parseSamplingAlgorithm(samplingAlgorithm);
  const seed = algorithm.seed ?? options.seed ?? 0;
  const size = spaceSize(parameters);
  if (algorithm.type === 'grid') {
    const notChoice = parameters.find((parameter) => parameter.type !== 'choice');
    if (notChoice) {
      throw new SweepSpecError(`grid sampling takes only choice parameters; search_space.${notChoice.name} is ${notChoice.type}`);
    }
  }
  const next = (finished: readonly FinishedTrial[], pending: readonly Params[]): Params | undefined => {
    const used = usedCombinations(parameters, finished, pending);
    if (used.size >= size) return undefined;
    if (algorithm.type === 'grid') return firstUnused(parameters, used, size, 0);
    const random = createRandom(seed, finished.length + pending.length);
    if (algorithm.type === 'bayesian') {
      return createBayesianNext(parameters, goal)(finished, pending, random, (params) => !used.has(combinationKey(parameters, params)))
        ?? drawUnused(parameters, random, used, size, Math.E);
    }
    return drawUnused(parameters, random, used, size, algorithm.logBase);
  };
  return { algorithm: algorithm.type, parameters, size, next };
}

/** The number of combinations: the product of the discrete cardinalities, Infinity with any numeric parameter. */
export function spaceSize(parameters: readonly Parameter[]): number {
  let size = 1;
  for (const parameter of parameters) size *= isDiscrete(parameter) ? cardinality(parameter) : Infinity;
  return size;
}

function usedCombinations(parameters: readonly Parameter[], finished: readonly FinishedTrial[], pending: readonly Params[]): Set<string> {
  const used = new Set<string>();
  for (const trial of finished) used.add(combinationKey(parameters, trial.params));
  for (const params of pending) used.add(combinationKey(parameters, params));
  return used;
}

export function sampleAll(parameters: readonly Parameter[], random: Random, logBase: number): Params {
  const params: Params = {};
  for (const parameter of parameters) params[parameter.name] = sampleParameter(parameter, random, logBase);
  return params;
}

/** The `index`-th combination of an all-discrete space, the first parameter varying slowest. */
function combinationAt(parameters: readonly Parameter[], index: number): Params {
  const values: [string, ParamValue][] = [];
  let rest = index;
  for (let i = parameters.length - 1; i >= 0; i--) {
    const parameter = parameters[i];
    if (!isDiscrete(parameter)) throw new Error(`combinationAt needs discrete parameters; ${parameter.name} is ${parameter.type}`);
    const count = cardinality(parameter);
    values.push([parameter.name, discreteValue(parameter, rest % count)]);
    rest = Math.floor(rest / count);
  }
  return Object.fromEntries(values.reverse());
}

function firstUnused(parameters: readonly Parameter[], used: Set<string>, size: number, start: number): Params | undefined {
  for (let step = 0; step < size; step++) {
    const params = combinationAt(parameters, (start + step) % size);
    if (!used.has(combinationKey(parameters, params))) return params;
  }
  return undefined;
}

const RANDOM_DRAWS_BEFORE_SCAN = 32;

/** A random combination not in `used`; in an all-discrete space that is nearly full, the next free one after a random start. */
function drawUnused(parameters: readonly Parameter[], random: Random, used: Set<string>, size: number, logBase: number): Params | undefined {
  for (let attempt = 0; attempt < RANDOM_DRAWS_BEFORE_SCAN; attempt++) {
    const params = sampleAll(parameters, random, logBase);
    if (!Number.isFinite(size) || !used.has(combinationKey(parameters, params))) return params;
  }
  return firstUnused(parameters, used, size, random.below(size));
}
