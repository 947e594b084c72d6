/** The mathematics of sweep jobs: search spaces, samplers, early-termination policies and the objective. Pure, no I/O. */
export * from './search-space';
export * from './samplers';
export * from './early-termination';
export * from './objective';
export { createRandom, seedFromText, type Random } from './random';
export { STARTUP_TRIALS, GAMMA, MAX_GOOD, CANDIDATES, PRIOR_WEIGHT } from './tpe';
