import type { EnvironmentSource } from './builder';

/** Whether an environment has a conda file, given by path or inline. */
export function hasConda(source: EnvironmentSource): boolean {
  return source.condaFile !== undefined || source.condaInline !== undefined;
}
