import { join, posix } from 'node:path';
import { DataError } from './errors';

/** Where a container run sees its code, inputs and outputs. The engine and the data layer share this layout. */
export const CONTAINER_ROOT = '/mlw';
export const CONTAINER_CODE_DIR = posix.join(CONTAINER_ROOT, 'code');

export function containerInputPath(inputName: string): string {
  return posix.join(CONTAINER_ROOT, 'inputs', inputName);
}

export function containerOutputPath(outputName: string): string {
  return posix.join(CONTAINER_ROOT, 'outputs', outputName);
}

/** Host folder a `download` input is copied into. */
export function runInputDir(runDir: string, inputName: string): string {
  return join(runDir, 'inputs', inputName);
}

/** Host folder an `upload` output is written to before it is copied to its datastore. */
export function runOutputDir(runDir: string, outputName: string): string {
  return join(runDir, 'outputs', outputName);
}

/** Input, output and job names become path segments: they must be a single, plain segment. */
export function assertPathSegment(value: string, what: string, field: string): void {
  if (!/^[\w.-]+$/.test(value) || value === '.' || value === '..') {
    throw new DataError(`${what} "${value}" cannot be used as a folder name (letters, digits, "_", "-", "." only)`, field);
  }
}
