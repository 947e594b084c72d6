import { stringify } from 'yaml';
import type { BatchInvokeRequest } from '../../api/batch-contracts';
import { BadRequest, SpecRejected } from '../../errors';
import { parseReference } from '../../language';
import type { BatchDeploymentSpec } from './scoring-plan';

/** Validates a deployment's spec text with `--set` overrides applied, as `create --set` does, and answers its value. */
export type SpecReloader = (text: string, set: string[]) => Record<string, unknown>;

/** `az ml batch-endpoint invoke`'s per-invocation overrides, checked before anything runs. */
export function invocationOverrides(request: BatchInvokeRequest, deployment: { name: string; spec: BatchDeploymentSpec }, reload: SpecReloader): { spec: BatchDeploymentSpec; outputPath?: string } {
  const given = (['set', 'miniBatchSize', 'instanceCount', 'outputPath'] as const).filter((key) => request[key] !== undefined);
  if (given.length === 0) return { spec: deployment.spec };
  if (deployment.spec.type === 'pipeline') {
    throw new BadRequest(`${given.map(flagOf).join(', ')}: ${deployment.name} is a pipeline component deployment; these apply to model deployments`);
  }
  const { miniBatchSize, instanceCount, outputPath } = request;
  if (miniBatchSize !== undefined && (!Number.isInteger(miniBatchSize) || miniBatchSize < 1)) throw new BadRequest(`--mini-batch-size ${miniBatchSize}: expected a whole number of files, 1 or more`);
  if (instanceCount !== undefined && (!Number.isInteger(instanceCount) || instanceCount < 1)) throw new BadRequest(`--instance-count ${instanceCount}: expected a whole number, 1 or more`);
  if (instanceCount !== undefined && instanceCount > 1) {
    throw new BadRequest(`--instance-count ${instanceCount}: mlw runs a batch deployment on one instance; raise its processes instead (--set settings.max_concurrency_per_instance=<n>)`);
  }
  if (outputPath !== undefined && parseReference(outputPath)?.form !== 'datastore-path') {
    throw new BadRequest(`--output-path ${outputPath}: expected azureml://datastores/<datastore>/paths/<path>`);
  }
  let spec = request.set?.length ? withSet(deployment.spec, request.set, reload) : deployment.spec;
  if (miniBatchSize !== undefined) spec = { ...spec, settings: { ...spec.settings, mini_batch_size: miniBatchSize } };
  return { spec, ...(outputPath !== undefined ? { outputPath } : {}) };
}

/** The spec with the overrides applied and validated; what is wrong is said in words, as its positions are not the file's. */
function withSet(spec: BatchDeploymentSpec, set: string[], reload: SpecReloader): BatchDeploymentSpec {
  try {
    return reload(stringify(spec), set) as BatchDeploymentSpec;
  } catch (error) {
    if (!(error instanceof SpecRejected) || error.findings.length === 0) throw error;
    const problems = error.findings.filter((finding) => finding.severity === 'error').map((finding) => finding.message);
    throw new BadRequest(`--set ${set.join(' ')}: ${problems.join('; ')}`);
  }
}

function flagOf(key: 'set' | 'miniBatchSize' | 'instanceCount' | 'outputPath'): string {
  return { set: '--set', miniBatchSize: '--mini-batch-size', instanceCount: '--instance-count', outputPath: '--output-path' }[key];
}
