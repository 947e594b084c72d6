import fs from 'node:fs';
import path from 'node:path';

/** The scoring host's file name; the build copies it next to the bundles. */
const SCORING_HOST_FILE = 'scoring_host.py';

/** Where the deployment containers find the scoring host (mounted read-only) and the port it listens on. */
export const SCORING_HOST_MOUNT = '/var/mlw/scoring_host.py';
export const SCORING_PORT = 5001;

/** The scoring script of no-code MLflow deployments. */
export const MLFLOW_SCORING_FILE = 'mlflow_score.py';

/** The scoring host on this machine: next to this module in the sources, next to the bundle once built. */
export function scoringHostPath(): string {
  return bundledFile(SCORING_HOST_FILE);
}

export function bundledFile(name: string): string {
  for (const candidate of [path.join(__dirname, name), path.join(__dirname, '..', 'core', 'endpoints', name)]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`${name} is missing next to ${__dirname}; rebuild mlw`);
}
