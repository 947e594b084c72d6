/**
 * The control plane's HTTP contract, shared by the daemon, the CLI and the editor. Every route is listed in
 * `ROUTES`; request bodies are validated against the JSON schemas in `BODY_SCHEMAS`.
 */

export type JobStatus = 'Queued' | 'Preparing' | 'Running' | 'Finalizing' | 'Completed' | 'Failed' | 'Canceled';
export const TERMINAL_STATUSES: readonly JobStatus[] = ['Completed', 'Failed', 'Canceled'];
export const isTerminal = (status: JobStatus): boolean => TERMINAL_STATUSES.includes(status);

/** The compute every workspace has: host processes, one per core. */
export const BUILTIN_LOCAL = 'local';

/** Asset kinds the control plane registers (`mlw <kind> create`). */
export const ASSET_KINDS = ['compute', 'datastore', 'data', 'environment', 'model', 'component'] as const;
export type AssetKind = (typeof ASSET_KINDS)[number];

/** A spec sent by a client: the file's path inside the workspace, optionally its unsaved text. */
export interface SpecRequest {
  path: string;
  text?: string;
  /** `key.path=value` overrides, as `--set` gives them. */
  set?: string[];
}

export interface AssetSummary {
  kind: AssetKind;
  name: string;
  /** '' for unversioned kinds (compute, datastore). */
  version: string;
  createdAt: string;
  archived: boolean;
  sourcePath?: string;
  /** The job whose output this asset is. */
  job?: string;
}

export interface AssetDetail extends AssetSummary {
  spec: Record<string, unknown>;
  contentHash: string;
  /** A data or model version registered from a local path: that path, and the datastore copy `spec.path` names. */
  upload?: AssetUpload;
}

export interface AssetUpload {
  /** The local file or folder as it was when registered (absolute). */
  localPath: string;
  /** `azureml://datastores/workspaceblobstore/paths/LocalUpload/<hash>/<name>`. */
  uri: string;
  files: number;
  bytes: number;
}

export interface JobSummary {
  name: string;
  type: string;
  experiment: string;
  displayName?: string;
  status: JobStatus;
  /** Why it is in this status: the queue position while Queued, the failure while Failed. */
  reason?: string;
  compute: string;
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  exitCode?: number;
}

export interface JobOutputInfo {
  name: string;
  type: string;
  mode: string;
  uri: string;
  /** The output's files, sorted; the first 1,000 when there are more. */
  files: string[];
  /** How many files the output holds. */
  fileCount: number;
}

export interface JobDetail extends JobSummary {
  specPath: string;
  spec: Record<string, unknown>;
  image?: string;
  snapshot?: string;
  outputs: JobOutputInfo[];
  events: JobEvent[];
}

/** One entry of a job's (or the workspace's) event stream; `seq` is the SSE id. */
export type JobEvent =
  | { seq: number; job: string; type: 'status'; time: string; status: JobStatus; reason?: string }
  | { seq: number; job: string; type: 'log'; time: string; text: string }
  | { seq: number; job: string; type: 'metric'; time: string; key: string; value: number; step: number }
  /** On the workspace stream only (`job` is ''): an asset version registered or archived. */
  | { seq: number; job: string; type: 'asset'; time: string; kind: AssetKind; name: string; version?: string; change: 'registered' | 'archived' };

export interface ApiErrorBody {
  error: string;
  message: string;
  /** Validation findings, `path:line:col severity rule message`, when a spec was rejected. */
  diagnostics?: string[];
}

export interface Health {
  version: string;
  pid: number;
  workspace: string;
  runningJobs: number;
}

/** `GET /api/assets/environment/<name>/image`: the image a job using the environment runs in, and whether it exists. */
export interface EnvironmentImage {
  image: string;
  hash?: string;
  built: boolean;
  building: boolean;
}

export interface ComputeQueue {
  compute: string;
  capacity: number;
  running: string[];
  queued: { job: string; reason: string }[];
}

/** `.mlw/serve.json`, written with mode 0600 by the daemon. */
export interface ServeInfo {
  pid: number;
  port: number;
  token: string;
  version: string;
  startedAt: string;
}

export const SERVE_INFO_FILE = 'serve.json';
export const TOKEN_HEADER = 'authorization';

const specRequestSchema = {
  type: 'object',
  required: ['path'],
  additionalProperties: false,
  properties: {
    path: { type: 'string', minLength: 1, maxLength: 4096 },
    text: { type: 'string', maxLength: 4 * 1024 * 1024 },
    set: { type: 'array', maxItems: 100, items: { type: 'string', maxLength: 4096, pattern: '^[^=]+=' } },
  },
} as const;

export const BODY_SCHEMAS = { specRequest: specRequestSchema } as const;

/** Largest request body the daemon reads (a spec is at most 4 MiB; JSON escaping can grow it). */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;
