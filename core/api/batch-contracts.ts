import { BODY_SCHEMAS, type SpecRequest } from './contracts';

/** `GET /api/batch-endpoints/<name>`: a batch endpoint with its deployments. */
export interface BatchEndpointDetail {
  name: string;
  description?: string;
  defaultDeployment?: string;
  deployments: string[];
  spec: Record<string, unknown>;
  sourcePath?: string;
  createdAt: string;
  updatedAt: string;
}

/** `GET /api/batch-endpoints/<endpoint>/deployments/<name>`. */
export interface BatchDeploymentDetail {
  endpoint: string;
  name: string;
  isDefault: boolean;
  spec: Record<string, unknown>;
  sourcePath: string;
  /** The content hash of the scoring code, snapshotted when the deployment was created. */
  snapshot?: string;
  createdAt: string;
  updatedAt: string;
}

export interface BatchEndpointCreated {
  endpoint: BatchEndpointDetail;
  created: boolean;
  warnings: string[];
}

export interface BatchDeploymentCreated {
  deployment: BatchDeploymentDetail;
  created: boolean;
  warnings: string[];
}

/** `POST /api/batch-deployments`: the spec, and `az ml`'s `--endpoint-name` and `--set-default`. */
export interface BatchDeploymentRequest extends SpecRequest {
  endpointName?: string;
  setDefault?: boolean;
}

/** `POST /api/batch-endpoints/<name>/invoke`: `input` is `azureml:<data>:<version>`, `azureml:<data>@latest`, an `azureml://` URI or an absolute local path. */
export interface BatchInvokeRequest {
  deployment?: string;
  input: string;
  /** `az ml`'s `--input-type`: what the input must be; a folder unless given. */
  inputType?: 'uri_folder' | 'uri_file';
  /** `--mini-batch-size`: files per mini-batch for this invocation. */
  miniBatchSize?: number;
  /** `--instance-count`: 1 (a deployment runs on one instance). */
  instanceCount?: number;
  /** `--output-path`: `azureml://datastores/<datastore>/paths/<path>`, where the `score` output goes. */
  outputPath?: string;
  /** `--set key.path=value`: overrides of the deployment's spec for this invocation. */
  set?: string[];
}

const deploymentRequestSchema = {
  ...BODY_SCHEMAS.specRequest,
  properties: { ...BODY_SCHEMAS.specRequest.properties, endpointName: { type: 'string', minLength: 1, maxLength: 255 }, setDefault: { type: 'boolean' } },
} as const;

const invokeRequestSchema = {
  type: 'object',
  required: ['input'],
  additionalProperties: false,
  properties: { deployment: { type: 'string', minLength: 1, maxLength: 255 }, input: { type: 'string', minLength: 1, maxLength: 4096 }, inputType: { type: 'string', enum: ['uri_folder', 'uri_file'] },
    miniBatchSize: { type: 'number' },
    instanceCount: { type: 'number' },
    outputPath: { type: 'string', minLength: 1, maxLength: 4096 },
    set: BODY_SCHEMAS.specRequest.properties.set,
  },
} as const;

export const BATCH_BODY_SCHEMAS = { deploymentRequest: deploymentRequestSchema, invokeRequest: invokeRequestSchema } as const;
