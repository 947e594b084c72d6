export { buildPipelineGraph, type BuildPipelineGraphOptions } from './graph';
export { jobOutputUri, stepJobSpec, type StepDataInput, type StepJobOutput, type StepJobSpec, type StepJobSpecOptions } from './step-spec';
export { canonicalJson, reuseKey, type ReuseKeyOptions } from './reuse-key';
export * from './types';
