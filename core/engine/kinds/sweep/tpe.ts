/**
 * Bayesian sampling with the Tree-structured Parzen Estimator (Bergstra, Bardenet, Bengio, Kégl: "Algorithms for
 * Hyper-Parameter Optimization", NIPS 2011), univariate as in hyperopt and Optuna:
 *
 * 1. Until `STARTUP_TRIALS` trials have finished with a metric, trials are drawn at random.
 * 2. The finished trials are ranked by their objective value; the best `ceil(GAMMA * n)` (at most `MAX_GOOD`) are
 *    "good", the others "bad". Trials still pending count as bad (a "constant liar"), which keeps trials that
 *    run in parallel apart from each other. Trials that ended without a metric are left out.
 * 3. For every parameter, two densities are fitted: l(x) on the good trials and g(x) on the bad ones.
 *    - Numeric parameters: a Parzen estimator (a mixture of normals) in the parameter's internal space: the
 *      exponent for the log variants, the value otherwise. It has one component per observation, centred on it,
 *      with a width of the larger distance to its neighbours, clipped to [prior width / min(100, 1 + n),
 *      prior width], plus one prior component: the middle of `[min_value, max_value]` with the range as width
 *      (uniform variants) or `mu`, `sigma` (normal variants). All components weigh the same (`PRIOR_WEIGHT`
 *      for the prior); for the uniform variants they are truncated to the range. Rounded (`q…`) values are
 *      modelled by their unrounded density.
 *    - Discrete parameters (`choice`, `randint`): category counts plus a prior of `PRIOR_WEIGHT` spread evenly.
 * 4. `CANDIDATES` combinations are drawn from l, each parameter independently, and the one with the highest
 *    l(x) / g(x) (the product over parameters) that has not been tried already is proposed.
 */
import type { Random } from './random';
import {
  cardinality, discreteIndex, discreteValue, fromInternal, internalBounds, isDiscrete, toInternal,
  type DiscreteParameter, type NumericParameter, type ParamValue, type Parameter, type Params,
} from './search-space';
import { isBetter, type Goal } from './objective';
import type { FinishedTrial } from './samplers';

export const STARTUP_TRIALS = 10;
export const GAMMA = 0.25;
export const MAX_GOOD = 25;
export const CANDIDATES = 24;
export const PRIOR_WEIGHT = 1;

interface Estimator {
  sample(random: Random): ParamValue;
  logDensity(value: ParamValue): number;
}

/**
 * A function proposing the next trial's parameters with `random`, preferring combinations for which `isUnused`
 * holds; undefined while still in the random start-up phase or when every candidate was used.
 */
export function createBayesianNext(parameters: readonly Parameter[], goal: Goal) {
  return (
    finished: readonly FinishedTrial[], pending: readonly Params[], random: Random, isUnused: (params: Params) => boolean,
  ): Params | undefined => {
    const observed = finished.filter((trial) => trial.metric !== undefined && Number.isFinite(trial.metric));
    if (observed.length < STARTUP_TRIALS) return undefined;
    const ranked = [...observed].sort((a, b) => (isBetter(a.metric as number, b.metric as number, goal) ? -1 : isBetter(b.metric as number, a.metric as number, goal) ? 1 : 0));
    const goodCount = Math.min(MAX_GOOD, Math.max(1, Math.ceil(GAMMA * ranked.length)));
    const good = ranked.slice(0, goodCount).map((trial) => trial.params);
    const bad = [...ranked.slice(goodCount).map((trial) => trial.params), ...pending];
    const models = parameters.map((parameter) => {
      const goodValues = good.map((params) => params[parameter.name]);
      const badValues = bad.map((params) => params[parameter.name]);
      return {
        name: parameter.name,
        l: estimator(parameter, goodValues),
        g: estimator(parameter, badValues),
      };
    });
    const candidates: { params: Params; score: number }[] = [];
    for (let i = 0; i < CANDIDATES; i++) {
      const params: Params = {};
      let score = 0;
      for (const model of models) {
        const value = model.l.sample(random);
        params[model.name] = value;
        score += model.l.logDensity(value) - model.g.logDensity(value);
      }
      candidates.push({ params, score });
    }
    candidates.sort((a, b) => b.score - a.score);
    return candidates.find((candidate) => isUnused(candidate.params))?.params;
  };
}

function estimator(parameter: Parameter, values: readonly ParamValue[]): Estimator {
  return isDiscrete(parameter) ? categoricalEstimator(parameter, values) : parzenEstimator(parameter, values);
}

function categoricalEstimator(parameter: DiscreteParameter, values: readonly ParamValue[]): Estimator {
  const count = cardinality(parameter);
  const weights = new Array<number>(count).fill(PRIOR_WEIGHT / count);
  for (const value of values) {
    const index = discreteIndex(parameter, value);
    if (index >= 0) weights[index] += 1;
  }
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  return {
    sample: (random) => discreteValue(parameter, pickWeighted(weights, total, random)),
    logDensity: (value) => {
      const index = discreteIndex(parameter, value);
      return index >= 0 ? Math.log(weights[index] / total) : -Infinity;
    },
  };
}

interface Component {
  mu: number;
  sigma: number;
  weight: number;
  /** log of the component's mass inside the bounds (0 when unbounded). */
  logMass: number;
}

const MAX_REJECTIONS = 100;

function parzenEstimator(parameter: NumericParameter, values: readonly ParamValue[]): Estimator {
  const { lower, upper } = internalBounds(parameter);
  const bounded = Number.isFinite(lower);
  const priorMu = bounded ? (lower + upper) / 2 : (parameter as { mu: number }).mu;
  const priorSigma = bounded ? upper - lower : (parameter as { sigma: number }).sigma;
  if (priorSigma === 0) {
    // A constant: min_value = max_value, or sigma = 0.
    return { sample: () => fromInternal(parameter, priorMu), logDensity: () => 0 };
  }
  const observations = values.map((value) => toInternal(parameter, value)).filter((x): x is number => x !== undefined);
  const components = parzenComponents(observations, priorMu, priorSigma).map((component) => ({
    ...component,
    logMass: bounded ? Math.log(Math.max(1e-300, normalCdf((upper - component.mu) / component.sigma) - normalCdf((lower - component.mu) / component.sigma))) : 0,
  }));
  const totalWeight = components.reduce((sum, component) => sum + component.weight, 0);
  const weights = components.map((component) => component.weight);
  return {
    sample: (random) => {
      const component = components[pickWeighted(weights, totalWeight, random)];
      let x = component.mu + component.sigma * random.normal();
      for (let attempt = 0; attempt < MAX_REJECTIONS && (x < lower || x > upper); attempt++) {
        x = component.mu + component.sigma * random.normal();
      }
      return fromInternal(parameter, Math.min(upper, Math.max(lower, x)));
    },
    logDensity: (value) => {
      const x = toInternal(parameter, value);
      if (x === undefined) return -Infinity;
      const terms = components.map((component) => Math.log(component.weight / totalWeight) + normalLogPdf(x, component.mu, component.sigma) - component.logMass);
      return logSumExp(terms);
    },
  };
}

/** The prior component and one per observation, with hyperopt's adaptive widths. */
function parzenComponents(observations: readonly number[], priorMu: number, priorSigma: number): Omit<Component, 'logMass'>[] {
  const points = [...observations.map((mu) => ({ mu, prior: false })), { mu: priorMu, prior: true }].sort((a, b) => a.mu - b.mu);
  const minSigma = priorSigma / Math.min(100, 1 + observations.length);
  return points.map((point, i) => {
    if (point.prior) return { mu: point.mu, sigma: priorSigma, weight: PRIOR_WEIGHT };
    const left = i > 0 ? point.mu - points[i - 1].mu : 0;
    const right = i < points.length - 1 ? points[i + 1].mu - point.mu : 0;
    const sigma = Math.min(priorSigma, Math.max(minSigma, left, right));
    return { mu: point.mu, sigma, weight: 1 };
  });
}

function pickWeighted(weights: readonly number[], total: number, random: Random): number {
  let target = random.next() * total;
  for (let i = 0; i < weights.length; i++) {
    target -= weights[i];
    if (target < 0) return i;
  }
  return weights.length - 1;
}

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

function normalLogPdf(x: number, mu: number, sigma: number): number {
  const z = (x - mu) / sigma;
  return -0.5 * z * z - Math.log(sigma) - LOG_SQRT_2PI;
}

function logSumExp(terms: readonly number[]): number {
  const max = Math.max(...terms);
  if (!Number.isFinite(max)) return max;
  return max + Math.log(terms.reduce((sum, term) => sum + Math.exp(term - max), 0));
}

/** The standard normal CDF, from the complementary error function (Numerical Recipes' erfcc, error < 1.2e-7). */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
    + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}
