/**
 * A sweep's `search_space`, parsed into parameter definitions with Azure ML's semantics:
 *
 * | type          | value                                                   |
 * |---------------|---------------------------------------------------------|
 * | `choice`      | one of `values`, as written (numbers, strings, objects…) |
 * | `randint`     | an integer in `0 .. upper - 1`                           |
 * | `uniform`     | uniform in `[min_value, max_value]`                      |
 * | `loguniform`  | `exp(uniform(min_value, max_value))`                     |
 * | `normal`      | normal with mean `mu` and standard deviation `sigma`    |
 * | `lognormal`   | `exp(normal(mu, sigma))`                                 |
 * | `q…` variants | the same value `x`, then `round(x / q) * q`             |
 *
 * Rounding may leave `[min_value, max_value]` by up to `q / 2`, as in Azure ML. Random sampling may use
 * another base than `e` for the log variants (`sampling_algorithm.logbase`).
 */
import type { Random } from './random';

export type ParamValue = number | string | boolean | null | object;
export type Params = Record<string, ParamValue>;

export interface ChoiceParameter {
  name: string;
  type: 'choice';
  values: ParamValue[];
}
export interface RandintParameter {
  name: string;
  type: 'randint';
  upper: number;
}
export interface UniformParameter {
  name: string;
  type: 'uniform' | 'loguniform' | 'quniform' | 'qloguniform';
  minValue: number;
  maxValue: number;
  /** Present for the `q…` variants. */
  q?: number;
  /** `minValue`/`maxValue` are exponents. */
  log: boolean;
}
export interface NormalParameter {
  name: string;
  type: 'normal' | 'lognormal' | 'qnormal' | 'qlognormal';
  mu: number;
  sigma: number;
  q?: number;
  log: boolean;
}
export type Parameter = ChoiceParameter | RandintParameter | UniformParameter | NormalParameter;
export type DiscreteParameter = ChoiceParameter | RandintParameter;
export type NumericParameter = UniformParameter | NormalParameter;

/** A `search_space`, `sampling_algorithm` or `early_termination` that cannot be used as written. */
export class SweepSpecError extends Error {
  override name = 'SweepSpecError';
}

const FIELDS: Record<string, readonly string[]> = {
  choice: ['values'],
  randint: ['upper'],
  uniform: ['min_value', 'max_value'],
  loguniform: ['min_value', 'max_value'],
  quniform: ['min_value', 'max_value', 'q'],
  qloguniform: ['min_value', 'max_value', 'q'],
  normal: ['mu', 'sigma'],
  lognormal: ['mu', 'sigma'],
  qnormal: ['mu', 'sigma', 'q'],
  qlognormal: ['mu', 'sigma', 'q'],
};

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses a `search_space` mapping; throws a `SweepSpecError` naming the parameter at the first bad definition. */
export function parseSearchSpace(searchSpace: unknown): Parameter[] {
  if (!isRecord(searchSpace)) throw new SweepSpecError('search_space must be a mapping of parameter names to definitions');
  const names = Object.keys(searchSpace);
  if (names.length === 0) throw new SweepSpecError('search_space defines no parameter');
  return names.map((name) => parseParameter(name, searchSpace[name]));
}

function parseParameter(name: string, definition: unknown): Parameter {
  const where = `search_space.${name}`;
  if (!isRecord(definition)) throw new SweepSpecError(`${where} must be a mapping with a \`type\``);
  const type = definition.type;
  const fields = typeof type === 'string' ? FIELDS[type] : undefined;
  if (!fields) {
    throw new SweepSpecError(`${where}: unknown type ${JSON.stringify(type)}; expected one of ${Object.keys(FIELDS).join(', ')}`);
  }
  for (const key of Object.keys(definition)) {
    if (key !== 'type' && !fields.includes(key)) {
      throw new SweepSpecError(`${where}: \`${key}\` is not a field of ${type} (it takes ${fields.map((f) => `\`${f}\``).join(', ')})`);
    }
  }
  for (const field of fields) {
    if (definition[field] === undefined) throw new SweepSpecError(`${where}: ${type} needs \`${field}\``);
  }
  const number = (field: string): number => {
    const value = definition[field];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new SweepSpecError(`${where}: \`${field}\` must be a finite number, not ${JSON.stringify(value)}`);
    }
    return value;
  };
  const positiveQ = (): number => {
    const q = number('q');
    if (q <= 0) throw new SweepSpecError(`${where}: \`q\` must be greater than 0, not ${q}`);
    return q;
  };
  switch (type) {
    case 'choice': {
      const values = definition.values;
      if (!Array.isArray(values) || values.length === 0) {
        throw new SweepSpecError(`${where}: choice needs a non-empty list of \`values\``);
      }
      return { name, type, values: values as ParamValue[] };
    }
    case 'randint': {
      const upper = number('upper');
      if (!Number.isInteger(upper) || upper < 1) {
        throw new SweepSpecError(`${where}: randint needs an integer \`upper\` of at least 1 (values are 0 .. upper - 1), not ${upper}`);
      }
      return { name, type, upper };
    }
    case 'uniform':
    case 'loguniform':
    case 'quniform':
    case 'qloguniform': {
      const minValue = number('min_value');
      const maxValue = number('max_value');
      if (minValue > maxValue) {
        throw new SweepSpecError(`${where}: \`min_value\` ${minValue} is greater than \`max_value\` ${maxValue}`);
      }
      const q = type.startsWith('q') ? positiveQ() : undefined;
      return { name, type, minValue, maxValue, ...(q === undefined ? {} : { q }), log: type.includes('log') };
    }
    default: {
      const normalType = type as NormalParameter['type'];
      const mu = number('mu');
      const sigma = number('sigma');
      if (sigma < 0) throw new SweepSpecError(`${where}: \`sigma\` must not be negative, not ${sigma}`);
      const q = normalType.startsWith('q') ? positiveQ() : undefined;
      return { name, type: normalType, mu, sigma, ...(q === undefined ? {} : { q }), log: normalType.includes('log') };
    }
  }
}

/** `round(x / q) * q`, without the float noise of the product (0.30000000000000004 becomes 0.3). */
export function quantize(x: number, q: number): number {
  return Number((Math.round(x / q) * q).toPrecision(15));
}

export function isDiscrete(parameter: Parameter): parameter is DiscreteParameter {
  return parameter.type === 'choice' || parameter.type === 'randint';
}

/** How many values a discrete parameter takes. */
export function cardinality(parameter: DiscreteParameter): number {
  return parameter.type === 'choice' ? parameter.values.length : parameter.upper;
}

/** The `index`-th value of a discrete parameter. */
export function discreteValue(parameter: DiscreteParameter, index: number): ParamValue {
  return parameter.type === 'choice' ? parameter.values[index] : index;
}

/** Where `value` sits among a discrete parameter's values, or -1. */
export function discreteIndex(parameter: DiscreteParameter, value: ParamValue): number {
  if (parameter.type === 'randint') {
    return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < parameter.upper ? value : -1;
  }
  const key = stableKey(value);
  return parameter.values.findIndex((candidate) => stableKey(candidate) === key);
}

/**
 * A numeric parameter in the space its distribution is uniform or normal in: the exponent for the log variants,
 * the value itself otherwise. `lower`/`upper` are the bounds of that space (infinite for normals).
 */
export function internalBounds(parameter: NumericParameter): { lower: number; upper: number } {
  return 'minValue' in parameter ? { lower: parameter.minValue, upper: parameter.maxValue } : { lower: -Infinity, upper: Infinity };
}

/** A value drawn in the internal space mapped to the parameter's value (exponentiated, rounded). */
export function fromInternal(parameter: NumericParameter, x: number, logBase = Math.E): number {
  const value = parameter.log ? logBase ** x : x;
  return parameter.q === undefined ? value : quantize(value, parameter.q);
}

/** A parameter value mapped back to the internal space, or undefined if it cannot come from the parameter. */
export function toInternal(parameter: NumericParameter, value: ParamValue): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  let x = value;
  if (parameter.log) {
    // Rounding can give 0 for a log variant: its exponent was below log(q / 2).
    const floor = parameter.q === undefined ? 0 : parameter.q / 2;
    if (value <= 0 && floor === 0) return undefined;
    x = Math.log(Math.max(value, floor));
  }
  const { lower, upper } = internalBounds(parameter);
  return Math.min(upper, Math.max(lower, x));
}

/** One value of `parameter`, drawn with `random`. */
export function sampleParameter(parameter: Parameter, random: Random, logBase = Math.E): ParamValue {
  switch (parameter.type) {
    case 'choice':
    case 'randint':
      return discreteValue(parameter, random.below(cardinality(parameter)));
    case 'uniform':
    case 'loguniform':
    case 'quniform':
    case 'qloguniform':
      return fromInternal(parameter, parameter.minValue + random.next() * (parameter.maxValue - parameter.minValue), logBase);
    default:
      return fromInternal(parameter, parameter.mu + parameter.sigma * random.normal(), logBase);
  }
}

/** A text identifying a value regardless of the order of object keys: equal texts, equal values. */
export function stableKey(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableKey).join(',')}]`;
  if (isRecord(value)) {
    return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${stableKey(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

/** The key of a whole combination of parameter values. */
export function combinationKey(parameters: readonly Parameter[], params: Params): string {
  return parameters.map((parameter) => stableKey(params[parameter.name])).join('\u0000');
}
