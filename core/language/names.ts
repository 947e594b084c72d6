import type { KindId } from './kinds';

/**
 * Azure ML's own naming rules, so that a name valid in the editor is one Azure ML accepts, and no stricter.
 * Each rule names where it comes from.
 */
export interface NameRule {
  /** What is named, for messages ("job name", "compute cluster name"). */
  what: string;
  pattern: RegExp;
  min: number;
  max: number;
  /** The rule in words, shown when a name breaks it. */
  rule: string;
  /** An extra condition with its own message (compute instances). */
  extra?: { test: (name: string) => boolean; message: string };
}

// The resource-name pattern of Azure ML's REST API (azure-ai-ml `_restclient/v2023_04_01/operations`:
// `_jobs_operations.py` create_or_update `id`, `_datastores_operations.py` `name`; the same pattern is on the data,
// environment, model, component, code and batch endpoint/deployment containers of Microsoft.MachineLearningServices).
const RESOURCE = /^[a-zA-Z0-9][a-zA-Z0-9_-]*$/;
const RESOURCE_RULE = 'it must start with a letter or digit and contain only letters, digits, `-` and `_`, at most 255 characters';
const resource = (what: string): NameRule => ({ what, pattern: RESOURCE, min: 1, max: 255, rule: RESOURCE_RULE });

// azure-ai-ml `entities/_endpoint/_endpoint_helpers.py` validate_endpoint_or_deployment_name (online and batch
// endpoints, online deployments): 3–32 characters, `^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$`.
const ENDPOINT = /^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const endpoint = (what: string): NameRule => ({ what, pattern: ENDPOINT, min: 3, max: 32, rule: 'it must be 3–32 characters, start with a letter, contain only letters, digits and `-`, and end with a letter or digit' });

// Azure resource naming rules, Microsoft.MachineLearningServices "workspaces / computes": 2–16 characters,
// alphanumerics and hyphens; compute instances: the service's message "between 3 and 24 characters … only numbers,
// letters and minus symbol (-), must start with letters. Numbers cannot be the ending of the name if the previous
// character is a minus symbol (-)".
const COMPUTE = /^[a-zA-Z0-9][a-zA-Z0-9-]*$/;
const computeCluster = (what: string): NameRule => ({ what, pattern: COMPUTE, min: 2, max: 16, rule: 'it must be 2–16 characters, start with a letter or digit and contain only letters, digits and `-`' });
const COMPUTE_INSTANCE: NameRule = {
  what: 'compute instance name',
  pattern: /^[a-zA-Z][a-zA-Z0-9-]*$/,
  min: 3,
  max: 24,
  rule: 'it must be 3–24 characters, start with a letter and contain only letters, digits and `-`',
  extra: { test: (name) => !/-\d+$/.test(name), message: 'it cannot end with `-` followed by digits' },
};

const BY_KIND: Partial<Record<KindId, NameRule>> = {
  'job/command': resource('job name'),
  'job/sweep': resource('job name'),
  'job/pipeline': resource('job name'),
  data: resource('data asset name'),
  environment: resource('environment name'),
  model: resource('model name'),
  'component/command': resource('component name'),
  'component/pipeline': resource('component name'),
  'compute/amlcompute': computeCluster('compute cluster name'),
  'compute/computeinstance': COMPUTE_INSTANCE,
  'compute/kubernetes': computeCluster('compute name'),
  'compute/virtualmachine': computeCluster('compute name'),
  // mlw's own compute types have no Azure counterpart; they follow the general resource-name rule.
  'compute/local': resource('compute name'),
  'datastore/azure_blob': resource('datastore name'),
  'datastore/azure_file': resource('datastore name'),
  'datastore/azure_data_lake_gen2': resource('datastore name'),
  'datastore/local': resource('datastore name'),
  'endpoint/online': endpoint('online endpoint name'),
  'endpoint/batch': endpoint('batch endpoint name'),
  'deployment/online': endpoint('online deployment name'),
  'deployment/batch': resource('batch deployment name'),
};

/**
 * Experiment names: azureml-core's `_valid_experiment_name` (`^[a-zA-Z0-9][\w\-]…$`, Python's `\w` taking any
 * Unicode letter or digit); the length bound is that of the job name it groups.
 */
export const EXPERIMENT_NAME: NameRule = {
  what: 'experiment name',
  pattern: /^[a-zA-Z0-9][\p{L}\p{N}_-]*$/u,
  min: 1,
  max: 255,
  rule: 'it must start with a letter or digit and contain only letters, digits, `-` and `_`, at most 255 characters',
};

export const JOB_NAME = BY_KIND['job/command']!;

export function nameRuleFor(kind: KindId): NameRule | undefined {
  return BY_KIND[kind];
}

const CONTROL = /[\u0000-\u001f\u007f]/;

/** The first control character (U+0000–U+001F, U+007F) in `text`, as `U+0000 at position 4`. */
export function controlCharacter(text: string): string | undefined {
  const match = CONTROL.exec(text);
  return match ? `U+${match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} at position ${match.index + 1}` : undefined;
}

/** Shows a name in a message: control characters escaped, long names cut. */
export function showName(name: string): string {
  const escaped = JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
  return escaped.slice(1, -1);
}

/** Why `name` breaks `rule`, or undefined when it is valid. */
export function nameProblem(rule: NameRule, name: string): string | undefined {
  const shown = `${rule.what} \`${showName(name)}\``;
  const control = controlCharacter(name);
  if (control) return `${shown} contains a control character (${control}); ${rule.rule}`;
  const length = [...name].length;
  if (length < rule.min || length > rule.max) return `${shown} has ${length} characters; ${rule.rule}`;
  if (!rule.pattern.test(name)) return `${shown} is not valid: ${rule.rule}`;
  if (rule.extra && !rule.extra.test(name)) return `${shown} is not valid: ${rule.extra.message}`;
  return undefined;
}

/**
 * Asset versions have no pattern in Azure ML's API, but a version is a segment of the asset's URL there
 * (`…/versions/<version>`), so it cannot be empty, `.` or `..`, hold a `/` or a control character.
 */
export function versionProblem(version: string): string | undefined {
  const shown = `version \`${showName(version)}\``;
  const control = controlCharacter(version);
  if (control) return `${shown} contains a control character (${control})`;
  if (version === '' || version === '.' || version === '..' || version.includes('/')) return `${shown} is not valid: a version cannot be empty, \`.\` or \`..\`, or contain \`/\``;
  return undefined;
}

/**
 * Makes a name derived from the user's environment (a folder name) a valid experiment name: characters outside the rule
 * become `_`, a leading character that may not start a name is dropped, the length is cut; `default` when nothing is left.
 */
export function toValidName(raw: string): string {
  const cleaned = raw
    .replace(/[^a-zA-Z0-9_-]+/g, '_')
    .replace(/^[^a-zA-Z0-9]+/, '')
    .slice(0, EXPERIMENT_NAME.max);
  return cleaned && nameProblem(EXPERIMENT_NAME, cleaned) === undefined ? cleaned : 'default';
}
