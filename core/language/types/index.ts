import type { KindId } from '../kinds';
import type { SpecDocument } from '../document';
import type { AzureBlobDatastoreSpec, AzureDataLakeGen2DatastoreSpec, AzureFileDatastoreSpec, DataSpec, EnvironmentSpec, LocalDatastoreSpec, ModelSpec, WorkspaceSpec } from './assets';
import type { AmlComputeSpec, ComputeInstanceSpec, KubernetesComputeSpec, LocalComputeSpec, VmComputeSpec } from './computes';
import type { BatchDeploymentSpec, BatchEndpointSpec, OnlineDeploymentSpec, OnlineEndpointSpec } from './endpoints';
import type { CommandComponentSpec, CommandJobSpec, PipelineComponentSpec, PipelineJobSpec, SweepJobSpec } from './jobs';
import type { AutoMLJobSpec, ImportJobSpec, ParallelComponentSpec, ParallelJobSpec, SparkComponentSpec, SparkJobSpec } from './other-jobs';

export type * from './assets';
export type * from './computes';
export type * from './endpoints';
export type * from './environments';
export type * from './jobs';
export type * from './sweep';
export type * from './other-jobs';

/** The typed value of each spec kind. */
export interface SpecByKind {
  workspace: WorkspaceSpec;
  'compute/amlcompute': AmlComputeSpec;
  'compute/computeinstance': ComputeInstanceSpec;
  'compute/kubernetes': KubernetesComputeSpec;
  'compute/virtualmachine': VmComputeSpec;
  'compute/local': LocalComputeSpec;
  'datastore/azure_blob': AzureBlobDatastoreSpec;
  'datastore/azure_file': AzureFileDatastoreSpec;
  'datastore/azure_data_lake_gen2': AzureDataLakeGen2DatastoreSpec;
  'datastore/local': LocalDatastoreSpec;
  data: DataSpec;
  environment: EnvironmentSpec;
  model: ModelSpec;
  'job/command': CommandJobSpec;
  'job/sweep': SweepJobSpec;
  'job/pipeline': PipelineJobSpec;
  'job/automl': AutoMLJobSpec;
  'job/parallel': ParallelJobSpec;
  'job/spark': SparkJobSpec;
  'job/import': ImportJobSpec;
  'component/command': CommandComponentSpec;
  'component/pipeline': PipelineComponentSpec;
  'component/parallel': ParallelComponentSpec;
  'component/spark': SparkComponentSpec;
  'endpoint/online': OnlineEndpointSpec;
  'deployment/online': OnlineDeploymentSpec;
  'endpoint/batch': BatchEndpointSpec;
  'deployment/batch': BatchDeploymentSpec;
}

/** A document's (or a loaded spec's) value typed by its kind, or undefined when it is not a spec of that kind. */
export function specOf<K extends KindId>(source: Pick<SpecDocument, 'kind' | 'value'> | { kind: KindId; value: unknown }, kind: K): SpecByKind[K] | undefined {
  const id = typeof source.kind === 'string' ? source.kind : source.kind?.id;
  return id === kind ? (source.value as SpecByKind[K]) : undefined;
}
