import crypto from 'node:crypto';
import type { StepJobSpec } from './step-spec';

export interface ReuseKeyOptions {
  /** Content hash of the step's code snapshot; `undefined` when it has no code. */
  codeHash: string | undefined;
  /** Content hash of the built environment, when known: it pins what `azureml:<env>@latest` meant. */
  environmentHash?: string;
  /**
   * Content hashes of inputs, by input name, for data whose URI stays the same when its content changes (a local
   * path, `azureml:<data>@latest`): without them such an input counts by its URI only.
   */
  inputHashes?: Record<string, string>;
  /** The datastore outputs without a path go to, when not the workspace's default. */
  outputDatastore?: string;
}

/** Bumped when what the key covers changes, so keys of older runs are no longer matched. */
const KEY_FORMAT = 1;

/**
 * The key under which a step's completed run can stand in for running it again: a SHA-256 over what decides its
 * result — the command, the resolved inputs (an upstream step's output by its URI, so a reused upstream step keeps
 * its readers' keys) with the content hashes the caller gives, the output settings, environment variables,
 * distribution, the code snapshot and the environment. The step's name, the pipeline job's name, the compute,
 * resources and limits are not part of it.
 */
export function reuseKey(spec: StepJobSpec, options: ReuseKeyOptions): string {
  const covered = {
    format: KEY_FORMAT,
    command: spec.command,
    code: options.codeHash ?? null,
    environment: options.environmentHash !== undefined ? { hash: options.environmentHash } : spec.environment ?? null,
    inputs: spec.inputs ?? {},
    input_hashes: options.inputHashes ?? {},
    ...(options.outputDatastore !== undefined ? { output_datastore: options.outputDatastore } : {}),
    outputs: spec.outputs ?? {},
    environment_variables: spec.environment_variables ?? {},
    distribution: spec.distribution ?? null,
  };
  return crypto.createHash('sha256').update(canonicalJson(covered)).digest('hex');
}

/** JSON with the keys of every object sorted, so equal values give equal text whatever order they were built in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
