import type { AssetKind } from './assets';
import type { DeploymentHealth, ProvisioningState } from './endpoints';
import type { JobStatus } from './jobs';

/** One entry of a job's (or the workspace's) event stream; `seq` is the SSE id. */
export type JobEvent =
  | { seq: number; job: string; type: 'status'; time: string; status: JobStatus; reason?: string; /** The pipeline or sweep the job belongs to. */ parent?: string }
  | { seq: number; job: string; type: 'log'; time: string; text: string }
  | { seq: number; job: string; type: 'metric'; time: string; key: string; value: number; step: number }
  /** On the workspace stream only (`job` is ''): an asset version registered or archived. */
  | { seq: number; job: string; type: 'asset'; time: string; kind: AssetKind; name: string; version?: string; change: 'registered' | 'archived' }
  /** On the workspace stream only: an online endpoint or one of its deployments changed (`deleted`: it is gone). */
  | { seq: number; job: string; type: 'endpoint'; time: string; endpoint: string; deployment?: string; state: ProvisioningState | 'deleted'; health?: DeploymentHealth };
