import { BODY_SCHEMAS, type SpecRequest, type StoredSpecEdits } from './contracts';

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

/**
 * A named input of an invocation, as `inputs:` of `az ml batch-endpoint invoke --file` gives it: data
 * (`type: uri_folder|uri_file`, `path`) or a literal (`type: string|integer|number|boolean`, `default`, or the value itself).
 */
export type BatchInvocationInput = { type?: string; path?: string; default?: unknown; value?: unknown } | string | number | boolean;

/** A named output of an invocation: where it goes (`azureml://datastores/<datastore>/paths/<path>`). */
export interface BatchInvocationOutput {
  type?: string;
  path?: string;
}

/**
 * `POST /api/batch-endpoints/<name>/invoke`: the data as `input` (`azureml:<data>:<version>`, `azureml:<data>@latest`,
 * an `azureml://` URI or an absolute local path) or as named `inputs`, with named `outputs`.
 */
export interface BatchInvokeRequest {
  deployment?: string;
  input?: string;
  /** `--file`'s `inputs:` / `--inputs`: every input by name (local paths absolute). */
  inputs?: Record<string, BatchInvocationInput>;
  /** `--file`'s `outputs:` / `--outputs`: where named outputs go. */
  outputs?: Record<string, BatchInvocationOutput>;
  /** `--experiment-name`: the job's experiment (default: the endpoint's name). */
  experimentName?: string;
  /** `--job-name`: the job's name (default: a generated one). */
  jobName?: string;
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

// Each entry is checked by the engine, which says what is wrong at its name; a schema here would coerce `2` to `"2"`.
const namedEntries = { type: 'object', maxProperties: 100 } as const;

const invokeRequestSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { deployment: { type: 'string', minLength: 1, maxLength: 255 }, input: { type: 'string', minLength: 1, maxLength: 4096 }, inputType: { type: 'string', enum: ['uri_folder', 'uri_file'] },
    inputs: namedEntries,
    outputs: namedEntries,
    experimentName: { type: 'string', minLength: 1, maxLength: 255 },
    jobName: { type: 'string', minLength: 1, maxLength: 255 },
    miniBatchSize: { type: 'number' },
    instanceCount: { type: 'number' },
    outputPath: { type: 'string', minLength: 1, maxLength: 4096 },
    set: BODY_SCHEMAS.specRequest.properties.set,
  },
} as const;

/**
 * `PATCH /api/batch-endpoints/<name>` and `…/deployments/<name>`: a changed spec file (`path`, optionally `text`,
 * with `set` overrides), or `remove`, `set` and `add` on the stored spec.
 */
export interface BatchUpdateRequest extends StoredSpecEdits {
  path?: string;
  text?: string;
}

const updateRequestSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { path: BODY_SCHEMAS.specRequest.properties.path, text: BODY_SCHEMAS.specRequest.properties.text, set: BODY_SCHEMAS.specRequest.properties.set,
    ...BODY_SCHEMAS.storedSpecEdits },
} as const;

export const BATCH_BODY_SCHEMAS = { deploymentRequest: deploymentRequestSchema, invokeRequest: invokeRequestSchema, updateRequest: updateRequestSchema } as const;
