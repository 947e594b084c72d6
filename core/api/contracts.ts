/**
 * The control plane's HTTP contract, shared by the daemon, the CLI and the editor: request and answer shapes that
 * are not part of the shared vocabulary (`core/vocabulary`). Request bodies are validated against `BODY_SCHEMAS`.
 */
import type { AssetDetail, AssetUpload, JobSummary } from '../vocabulary';

import type { SpecFinding } from '../vocabulary';
import type { CallerRole } from '../auth/roles';
import type { WorkspaceRecord } from '../engine/workspace-record';
import type { RegistryServerRecord } from '../engine/registry-server';

/** A spec sent by a client: the file's path inside the workspace, optionally its unsaved text. */
export interface SpecRequest {
  path: string;
  text?: string;
  /** `key.path=value` overrides, as `--set` gives them. */
  set?: string[];
}

/** `--add <path> <value...>` of an update: entries appended to the list at `path`, the values as `az ml` reads them. */
export interface SpecAddition {
  path: string;
  /** `key=value` pairs (consecutive ones make one object) or JSON values (each one entry; else a string). */
  values: string[];
}

/** An update's changes to the stored spec, as `az ml … update` takes them: `remove`, then `set`, then `add`. */
export interface StoredSpecEdits {
  /** `key.path=value`. */
  set?: string[];
  add?: SpecAddition[];
  /** `key.path`, or `list.path[index]` for one entry of a list. */
  remove?: string[];
}

export interface ApiErrorBody {
  error: string;
  message: string;
  /** What the validator found, when a spec was rejected. */
  findings?: SpecFinding[];
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

/** One node of a Swarm compute as its manager sees it, with the mlw runs' tasks on it. */
export interface ComputeNode {
  id: string;
  hostname: string;
  /** `ready`, `down`, `unknown`, `disconnected` */
  state: string;
  /** `active`, `pause`, `drain` */
  availability: string;
  role: 'manager' | 'worker';
  leader: boolean;
  address?: string;
  /** The tasks of mlw runs the manager wants running on the node (job name and task state). */
  tasks: { job: string; state: string }[];
  /** The placeholders holding a swarm compute's reserved capacity on the node (`min_instances`), by compute; absent when none. */
  reserved?: { compute: string; state: string }[];
}

/** `GET /api/computes/<name>/nodes` */
export interface ComputeNodes {
  compute: string;
  nodes: ComputeNode[];
}

/** `POST /api/assets/<kind>`: the asset as registered, and what changed. */
export interface AssetRegistration {
  asset: AssetDetail;
  created: boolean;
  updated: boolean;
  warnings: string[];
  /** A data or model version registered from a local path: where its content went. */
  upload?: AssetUpload & { reused: boolean };
}

/** `POST /api/jobs`: the job as queued, and the spec's warnings. */
export interface JobSubmission {
  job: JobSummary;
  warnings: string[];
}

/** `POST /api/assets/<kind>/<name>/archive`: how many versions were archived. */
export interface ArchiveResult {
  archived: number;
}

/** `POST /api/secrets/datastores/<name>/<key>`: a datastore credential to keep in the workspace's secrets store. */
export interface SecretRequest {
  value: string;
}

/** What to write in the spec in place of the credential. */
export interface SecretStored {
  reference: string;
}

/** One point of a metric, as the tracking API (MLflow's `metrics/get-history`) answers it. */
export interface MetricPoint {
  key: string;
  value: number | string;
  step: number;
  timestamp: number;
}

/** What the clients read of a job's MLflow run (`runs/get`): each metric's last value and the params. */
export interface TrackingRunData {
  metrics?: MetricPoint[];
  params?: { key: string; value: string }[];
}

/** `.mlw/serve.json`, written with mode 0600 by the daemon. */
export interface ServeInfo {
  pid: number;
  port: number;
  token: string;
  version: string;
  startedAt: string;
  /** Where clients reach it (`http://127.0.0.1:<port>`, or `https://<host>:<port>` when it serves TLS). */
  url?: string;
  /** The SHA-256 fingerprint of its TLS certificate (`AB:CD:…`), which clients pin. */
  tlsFingerprint?: string;
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

const secretRequestSchema = {
  type: 'object',
  required: ['value'],
  additionalProperties: false,
  properties: { value: { type: 'string', minLength: 1, maxLength: 64 * 1024 } },
} as const;

/** `add` and `remove` of an update's body (`StoredSpecEdits`); `set` is the spec request's. */
const storedSpecEditsProperties = {
  add: {
    type: 'array',
    maxItems: 100,
    items: { type: 'object', required: ['path', 'values'], additionalProperties: false, properties: { path: { type: 'string', minLength: 1, maxLength: 4096 }, values: { type: 'array', maxItems: 100, items: { type: 'string', maxLength: 4096 } } } },
  },
  remove: { type: 'array', maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 4096 } },
} as const;

export const BODY_SCHEMAS = { specRequest: specRequestSchema, secretRequest: secretRequestSchema, storedSpecEdits: storedSpecEditsProperties } as const;

/** Largest request body the daemon reads (a spec is at most 4 MiB; JSON escaping can grow it). */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** `GET /api/workspace`: what the workspace folder the daemon serves is made of (`mlw workspace show`). */
export interface WorkspaceInfo {
  /** The workspace folder on the daemon's machine. */
  folder: string;
  /** The spec `mlw workspace create` recorded, if any. */
  record?: WorkspaceRecord;
  /** The secrets store's files, relative to the folder (none until the first secret is stored). */
  secretsStore: string[];
  /** The workspace's own registry while the daemon runs it. */
  registry?: RegistryServerRecord;
}

/** `GET /api/whoami`: the role of the token a request was sent with. */
export interface Whoami {
  role: CallerRole;
  /** The named token's name (none for the workspace's own token). */
  name?: string;
}
