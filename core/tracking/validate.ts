import path from 'node:path';
import { controlCharacter } from '../language/names';
import { invalid } from './errors';

/** MLflow 2.x limits (mlflow/utils/validation.py). */
export const LIMITS = {
  metricsPerBatch: 1000,
  paramsTagsPerBatch: 100,
  entitiesPerBatch: 1000,
  keyLength: 250,
  paramValueLength: 6000,
  tagValueLength: 5000,
  registryTagValueLength: 5000,
  datasetsPerBatch: 1000,
} as const;

// Python's `\w` on str: any Unicode letter or digit, and `_`.
const NAME = /^[/\p{L}\p{N}_.\- ]*$/u;
const RUN_ID = /^[a-zA-Z0-9][\w-]{0,255}$/;
const ALIAS = /^[\w-]*$/;
const BAD_CHARACTERS = 'Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), and slashes (/).';

function pathNotUnique(name: string): boolean {
  const norm = path.posix.normalize(name);
  return norm !== name || norm === '.' || norm.startsWith('..') || norm.startsWith('/');
}

function checkName(what: 'metric' | 'parameter' | 'tag', name: string): void {
  if (!NAME.test(name)) throw invalid(`Invalid ${what} name: '${name}'. ${BAD_CHARACTERS}`);
  if (pathNotUnique(name)) {
    throw invalid(`Invalid ${what} name: '${name}'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '${path.posix.normalize(name)}'`);
  }
}

function checkLength(entity: string, limit: number, value: string): void {
  if (value.length > limit) throw invalid(`${entity} '${value.slice(0, 250)}' had length ${value.length}, which exceeded length limit of ${limit}`);
}

export function checkRunId(runId: string): void {
  if (!RUN_ID.test(runId)) throw invalid(`Invalid run ID: '${runId}'`);
}

export function checkMetric(key: string, value: number, timestamp: number, step: number): void {
  checkName('metric', key);
  if (typeof value !== 'number') throw invalid(`Got invalid value ${value} for metric '${key}' (timestamp=${timestamp}). Please specify value as a valid double (64-bit floating point)`);
  if (!Number.isInteger(timestamp) || timestamp < 0) throw invalid(`Got invalid timestamp ${timestamp} for metric '${key}' (value=${value}). Timestamp must be a nonnegative long (64-bit integer) `);
  if (!Number.isInteger(step)) throw invalid(`Got invalid step ${step} for metric '${key}' (value=${value}). Step must be a valid long (64-bit integer).`);
  checkLength('Metric name', LIMITS.keyLength, key);
}

/** A param as MLflow stores it: long values are truncated, as MLflow does by default. */
export function checkParam(key: string, value: string): { key: string; value: string } {
  checkName('parameter', key);
  checkLength('Param key', LIMITS.keyLength, key);
  return { key, value: value.slice(0, LIMITS.paramValueLength) };
}

export function checkTag(key: string, value: string): { key: string; value: string } {
  checkName('tag', key);
  checkLength('Tag key', LIMITS.keyLength, key);
  return { key, value: value.slice(0, LIMITS.tagValueLength) };
}

export function checkExperimentTag(key: string, value: string): void {
  checkName('tag', key);
  checkLength('Tag key', LIMITS.keyLength, key);
  checkLength('Tag value', 5000, value);
}

export function checkRegistryTag(what: 'Registered model' | 'Model version', key: string, value: string): void {
  checkName('tag', key);
  checkLength(`${what} key`, LIMITS.keyLength, key);
  checkLength(`${what} value`, LIMITS.registryTagValueLength, value);
}

export function checkAlias(alias: string): void {
  if (!alias) throw invalid('Registered model alias name cannot be empty.');
  if (!ALIAS.test(alias)) throw invalid(`Invalid alias name: '${alias}'. Names may only contain alphanumerics, underscores (_), and dashes (-).`);
  if (/^[vV]\d+$/.test(alias)) throw invalid(`Invalid alias name: '${alias}'. Aliases cannot be in the format 'v<number>' or 'V<number>'.`);
  if (alias.toLowerCase() === 'latest') throw invalid(`'${alias}' alias name (case insensitive) is reserved.`);
  checkLength('Registered model alias name', 255, alias);
}

export function checkBatchLimits(metrics: number, params: number, tags: number): void {
  const limit = (entity: string, max: number, count: number) => {
    if (count > max) throw invalid(`A batch logging request can contain at most ${max} ${entity}. Got ${count} ${entity}. Please split up ${entity} across multiple requests and try again.`);
  };
  limit('metrics', LIMITS.metricsPerBatch, metrics);
  limit('params', LIMITS.paramsTagsPerBatch, params);
  limit('tags', LIMITS.paramsTagsPerBatch, tags);
  limit('metrics, params, and tags', LIMITS.entitiesPerBatch, metrics + params + tags);
}

export function checkParamKeysUnique(params: { key: string }[]): void {
  const seen = new Set<string>();
  const dupes = new Set<string>();
  for (const { key } of params) (seen.has(key) ? dupes : seen).add(key);
  if (dupes.size) throw invalid(`Duplicate parameter keys have been submitted: [${[...dupes].map((k) => `'${k}'`).join(', ')}]. Please ensure the request contains only one param value per param key.`);
}

/**
 * Request fields that name or identify something (experiment, run and registered model names, metric/param/tag keys,
 * ids, aliases, stages). MLflow itself stores these as given; mlw refuses control characters in them, since they
 * end up in SQLite, file names, URLs and terminals, where a NUL cuts the string and other controls forge output.
 */
export const IDENTIFIER_FIELDS: ReadonlySet<string> = new Set(['name', 'new_name', 'experiment_name', 'run_name', 'key', 'experiment_id', 'experiment_ids', 'run_id', 'run_uuid', 'alias', 'stage', 'stages', 'metric_key']);

export function checkNoControlCharacters(field: string, value: string): string {
  const control = controlCharacter(value);
  if (control) throw invalid(`Invalid value ${JSON.stringify(value.length > 250 ? value.slice(0, 250) : value)} for parameter '${field}' supplied: names may not contain control characters (U+0000-U+001F, U+007F); found ${control}`);
  return value;
}
