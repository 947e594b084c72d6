// The offline schemas, bundled into every entry point (nothing is read from disk or the network at run time).
import commonSchema from '../../../schemas/common.schema.json';
import assetsCommonSchema from '../../../schemas/assets.common.schema.json';
import workspaceSchema from '../../../schemas/workspace.schema.json';
import amlComputeSchema from '../../../schemas/amlCompute.schema.json';
import computeInstanceSchema from '../../../schemas/computeInstance.schema.json';
import kubernetesComputeSchema from '../../../schemas/kubernetesCompute.schema.json';
import vmComputeSchema from '../../../schemas/vmCompute.schema.json';
import localComputeSchema from '../../../schemas/localCompute.schema.json';
import azureBlobSchema from '../../../schemas/azureBlob.schema.json';
import azureFileSchema from '../../../schemas/azureFile.schema.json';
import azureDataLakeGen2Schema from '../../../schemas/azureDataLakeGen2.schema.json';
import localDatastoreSchema from '../../../schemas/localDatastore.schema.json';
import dataSchema from '../../../schemas/data.schema.json';
import environmentSchema from '../../../schemas/environment.schema.json';
import modelSchema from '../../../schemas/model.schema.json';
import commandJobSchema from '../../../schemas/commandJob.schema.json';
import sweepJobSchema from '../../../schemas/sweepJob.schema.json';
import pipelineJobSchema from '../../../schemas/pipelineJob.schema.json';
import commandComponentSchema from '../../../schemas/commandComponent.schema.json';
import pipelineComponentSchema from '../../../schemas/pipelineComponent.schema.json';
import autoMLJobSchema from '../../../schemas/autoMLJob.schema.json';
import parallelJobSchema from '../../../schemas/parallelJob.schema.json';
import sparkJobSchema from '../../../schemas/sparkJob.schema.json';
import importJobSchema from '../../../schemas/importJob.schema.json';
import parallelComponentSchema from '../../../schemas/parallelComponent.schema.json';
import sparkComponentSchema from '../../../schemas/sparkComponent.schema.json';
import managedOnlineEndpointSchema from '../../../schemas/managedOnlineEndpoint.schema.json';
import managedOnlineDeploymentSchema from '../../../schemas/managedOnlineDeployment.schema.json';
import batchEndpointSchema from '../../../schemas/batchEndpoint.schema.json';
import batchDeploymentSchema from '../../../schemas/batchDeployment.schema.json';

/** Schema file name → schema. */
export const SCHEMAS: Readonly<Record<string, object>> = {
  'common.schema.json': commonSchema,
  'assets.common.schema.json': assetsCommonSchema,
  'workspace.schema.json': workspaceSchema,
  'amlCompute.schema.json': amlComputeSchema,
  'computeInstance.schema.json': computeInstanceSchema,
  'kubernetesCompute.schema.json': kubernetesComputeSchema,
  'vmCompute.schema.json': vmComputeSchema,
  'localCompute.schema.json': localComputeSchema,
  'azureBlob.schema.json': azureBlobSchema,
  'azureFile.schema.json': azureFileSchema,
  'azureDataLakeGen2.schema.json': azureDataLakeGen2Schema,
  'localDatastore.schema.json': localDatastoreSchema,
  'data.schema.json': dataSchema,
  'environment.schema.json': environmentSchema,
  'model.schema.json': modelSchema,
  'commandJob.schema.json': commandJobSchema,
  'sweepJob.schema.json': sweepJobSchema,
  'pipelineJob.schema.json': pipelineJobSchema,
  'commandComponent.schema.json': commandComponentSchema,
  'pipelineComponent.schema.json': pipelineComponentSchema,
  'autoMLJob.schema.json': autoMLJobSchema,
  'parallelJob.schema.json': parallelJobSchema,
  'sparkJob.schema.json': sparkJobSchema,
  'importJob.schema.json': importJobSchema,
  'parallelComponent.schema.json': parallelComponentSchema,
  'sparkComponent.schema.json': sparkComponentSchema,
  'managedOnlineEndpoint.schema.json': managedOnlineEndpointSchema,
  'managedOnlineDeployment.schema.json': managedOnlineDeploymentSchema,
  'batchEndpoint.schema.json': batchEndpointSchema,
  'batchDeployment.schema.json': batchDeploymentSchema,
};
