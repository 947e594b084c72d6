import os from 'node:os';
import path from 'node:path';
import type { JobStatus } from '../vocabulary';
import type { AssetRepository } from '../store/assets';
import type { Store } from '../store/database';
import type { EventLog } from '../store/events';
import type { JobRepository } from '../store/jobs';
import type { JobRow } from '../store/jobs';
import type { BlobDatastore } from '../data/blob';
import { type Artifacts, ArtifactStore, proxiedPath } from './artifacts';
import { BlobArtifactStore } from './blob-artifacts';
import { forbidden } from './errors';
import { ExperimentRepository } from './experiments';
import { GroupCommit } from './group-commit';
import { MetricStream } from './metric-stream';
import { MetricRepository, type MetricPoint } from './metrics';
import { ModelRegistry } from './registry';
import { RunSearcher } from './run-search';
import { RunTokens } from '../auth/run-tokens';
import { TokenScope } from './token-scope';
import { RunRepository, type KeyValue, type RunRow, type RunStatus } from './runs';

const RUN_STATUS_OF: Record<JobStatus, RunStatus> = {
  NotStarted: 'SCHEDULED',
  Queued: 'SCHEDULED',
  Preparing: 'SCHEDULED',
  Running: 'RUNNING',
  Finalizing: 'RUNNING',
  Completed: 'FINISHED',
  Failed: 'FAILED',
  Canceled: 'KILLED',
};

/** Who sent a tracking request: the workspace's own token, or a job's per-run token. */
export type Principal = { kind: 'workspace' } | { kind: 'run'; runId: string };

/** Where jobs reach the tracking API: loopback for host processes, the Docker bridge for containers. */
export interface TrackingEndpoints {
  loopback: string;
  /** Starts the bridge listener on first use; resolves to its URL as containers see it. */
  container?: () => Promise<string>;
}

/**
 * The tracking store of a workspace and the glue to its jobs: a job is an MLflow run named like the job, in the
 * experiment named by the job's `experiment_name`, whose status follows the job's.
 */
/** What tracking needs of the workspace: the store it shares, the assets models register as, job events and rows. */
export interface TrackingWorkspace {
  store: Store;
  assets: AssetRepository;
  events: EventLog;
  jobs: Pick<JobRepository, 'get' | 'statuses'>;
  /** `.mlw/`: the artifact datastore and the token key live there. */
  mlwDir: string;
  /** `workspaceartifactstore` when it is a Blob container (a workspace on a storage account), with its credentials. */
  artifactDatastore?: () => BlobDatastore | undefined;
}

export class TrackingService {
  readonly experiments: ExperimentRepository;
  readonly runs: RunRepository;
  readonly metrics: MetricRepository;
  readonly searcher: RunSearcher;
  readonly registry: ModelRegistry;
  private readonly localArtifacts: ArtifactStore;
  private blobArtifacts: { key: string; store: BlobArtifactStore } | undefined;
  readonly tokens: RunTokens;
  readonly writes: GroupCommit;
  private readonly stream: MetricStream;
  private readonly scope: TokenScope;
  private readonly principals = new WeakMap<object, Principal>();
  private endpoints: TrackingEndpoints | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly workspace: TrackingWorkspace) {
    const store = workspace.store;
    this.experiments = new ExperimentRepository(store);
    this.runs = new RunRepository(store);
    this.metrics = new MetricRepository(store);
    this.searcher = new RunSearcher(this.runs, this.metrics, this.experiments);
    this.registry = new ModelRegistry(store, workspace.assets);
    this.localArtifacts = new ArtifactStore(path.join(workspace.mlwDir, 'datastores', 'workspaceartifactstore'));
    this.tokens = new RunTokens(path.join(workspace.mlwDir, 'tracking.key'));
    this.writes = new GroupCommit(store);
    this.stream = new MetricStream(store, workspace.events);
    this.scope = new TokenScope(store, this.runs, workspace.jobs);
    store.transaction(() => this.experiments.ensureDefault());
  }

  /** Where proxied artifacts are kept: the Blob container of `workspaceartifactstore` when it is one, else its folder. */
  get artifacts(): Artifacts {
    const blob = this.workspace.artifactDatastore?.();
    if (!blob) return this.localArtifacts;
    const key = JSON.stringify(blob);
    if (this.blobArtifacts?.key !== key) this.blobArtifacts = { key, store: new BlobArtifactStore(blob) };
    return this.blobArtifacts.store;
  }

  /** Where jobs reach the API, known once the daemon listens. */
  listenAt(endpoints: TrackingEndpoints): void {
    this.endpoints = endpoints;
  }

  /** Follows job status events (so runs track their jobs) and gives runs to jobs that have none yet. */
  start(): void {
    this.unsubscribe ??= this.workspace.events.subscribe((event) => {
      if (event.type === 'status') this.syncJob(event.job, event.status, Date.parse(event.time));
    });
    const tracked = this.runs.jobNames();
    for (const job of this.workspace.jobs.statuses()) if (!tracked.has(job.name)) this.syncJob(job.name, job.status, Date.now());
  }

  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.stream.close();
  }

  /** The environment a job's process or container gets: where to log, as which run, with which token. */
  async runEnvironment(job: JobRow, containerized: boolean): Promise<Record<string, string>> {
    if (!this.endpoints) return {};
    const run = this.runOfJob(job);
    const uri = containerized && this.endpoints.container ? await this.endpoints.container() : this.endpoints.loopback;
    return {
      MLFLOW_TRACKING_URI: uri,
      MLFLOW_RUN_ID: run.run_uuid,
      MLFLOW_EXPERIMENT_ID: String(run.experiment_id),
      MLFLOW_TRACKING_TOKEN: this.tokens.issue(run.run_uuid),
    };
  }

  /** Appends metrics, params and tags to a run; resolves once they are committed. */
  logBatch(run: RunRow, metrics: MetricPoint[], params: KeyValue[], tags: KeyValue[]): Promise<void> {
    return this.writes.run(() => {
      const current = this.runs.requireActive(run.run_uuid);
      if (params.length) this.runs.logParams(current, params);
      this.metrics.log(current, metrics);
      if (tags.length) this.runs.setTags(current, tags);
    }).then(() => {
      const job = metrics.length ? this.jobOf(run) : undefined;
      if (job) this.stream.push(job, metrics);
    });
  }

  // --- authorization -------------------------------------------------------------------------------------------

  /** Accepts a per-run token for a tracking request (the workspace token is checked by the API itself). */
  acceptRunToken(request: object, token: string): boolean {
    const runId = this.tokens.verify(token);
    if (!runId) return false;
    this.principals.set(messageOf(request), { kind: 'run', runId });
    return true;
  }

  /** `request` is a Fastify request or its Node message; both name the same principal. */
  principal(request: object): Principal {
    return this.principals.get(messageOf(request)) ?? { kind: 'workspace' };
  }

  /** The job's own run when a run token sent the request. */
  tokenRun(request: object): RunRow | undefined {
    const principal = this.principal(request);
    return principal.kind === 'run' ? this.runs.find(principal.runId) : undefined;
  }

  /** Writes by a run token stop when its job ends. */
  requireLiveToken(request: object): void {
    const principal = this.principal(request);
    if (principal.kind === 'run') this.scope.requireLive(principal.runId);
  }

  /** A run token writes only to its own run and the runs nested under it, while its job runs. */
  requireRunWrite(request: object, run: RunRow | string): void {
    const principal = this.principal(request);
    if (principal.kind === 'workspace') return;
    this.scope.requireLive(principal.runId);
    const runId = typeof run === 'string' ? run : run.run_uuid;
    if (!this.scope.isWithin(run, principal.runId)) throw forbidden(`this token may write only to run ${principal.runId} and the runs nested under it, not to run ${runId}`);
  }

  /** A run token reads its own run, the runs nested under it and the runs of the models its job was given. */
  requireRunRead(request: object, run: RunRow): void {
    const principal = this.principal(request);
    if (principal.kind === 'run' && !this.scope.canReadRun(principal.runId, run.run_uuid)) throw forbidden(`this token may read only run ${principal.runId} and the runs nested under it, not run ${run.run_uuid}`);
  }

  /** Which runs a request may see (all of them for the workspace token). */
  runVisibility(request: object): ((run: RunRow) => boolean) | undefined {
    const principal = this.principal(request);
    return principal.kind === 'run' ? (run) => this.scope.isWithin(run, principal.runId) : undefined;
  }

  /** A run token reads only its job's experiment. */
  canReadExperiment(request: object, experimentId: number | string): boolean {
    const principal = this.principal(request);
    return principal.kind === 'workspace' || String(this.scope.experimentOf(principal.runId)) === String(experimentId);
  }

  requireExperimentRead(request: object, experimentId: number | string): void {
    if (!this.canReadExperiment(request, experimentId)) throw forbidden(`this token may read only the experiment of its job, not experiment ${experimentId}`);
  }

  /** A run token reads the models it was given as inputs and those its runs registered. */
  canReadModel(request: object, name: string): boolean {
    const principal = this.principal(request);
    return principal.kind === 'workspace' || this.scope.canReadModel(principal.runId, name);
  }

  canReadVersion(request: object, name: string, version: string | number): boolean {
    const principal = this.principal(request);
    return principal.kind === 'workspace' || this.scope.canReadVersion(principal.runId, name, String(version));
  }

  requireModelRead(request: object, name: string, version?: string): void {
    const allowed = version === undefined ? this.canReadModel(request, name) : this.canReadVersion(request, name, version);
    if (!allowed) throw forbidden(`this token may read only the models its job was given or registered, not ${name}${version === undefined ? '' : ` version ${version}`}`);
  }

  /**
   * A run token adds versions only to the registered models its job's runs created or its job declares as outputs:
   * a new version becomes the model asset's latest, which later jobs load.
   */
  requireVersionCreate(request: object, name: string): void {
    const principal = this.principal(request);
    if (principal.kind === 'workspace') return;
    if (!this.scope.canAddVersion(principal.runId, name, this.registry.creatorRun(name))) {
      throw forbidden(`this token may add versions only to the registered models its job created or declares as a model output, not to ${name}`);
    }
  }

  /** Workspace-level changes (experiments, the registry's edits) need the workspace token. */
  requireWorkspace(request: object, what: string): void {
    const principal = this.principal(request);
    if (principal.kind === 'run') throw forbidden(`a run token cannot ${what}; only its run can be written`);
  }

  /** Artifact writes: the path must lie in a run the token may write to. */
  requireArtifactWrite(request: object, relative: string): void {
    const principal = this.principal(request);
    if (principal.kind === 'workspace') return;
    const [, runId] = relative.split('/');
    const run = runId ? this.runs.find(runId) : undefined;
    if (!run || !relative.startsWith(proxiedPath(run.artifact_uri) + '/')) throw forbidden(`this token may write only to the artifacts of run ${principal.runId}`);
    this.requireRunWrite(request, run);
  }

  /**
   * Artifact reads: the path must lie in a run the token reads, or in a model its job was given. Returns the folder
   * (relative to the artifact store) the read stays within: that run's or model's for a run token, the whole store
   * ('') for the workspace token.
   */
  requireArtifactRead(request: object, relative: string): string {
    const principal = this.principal(request);
    if (principal.kind === 'workspace') return '';
    const folder = this.scope.artifactFolder(principal.runId, relative);
    if (folder === undefined) throw forbidden(`this token may read only the artifacts of run ${principal.runId}, its nested runs and the models its job was given`);
    return folder;
  }

  /** The folder a read of a run's artifacts (`folder`) stays within: that folder for a run token, the store otherwise. */
  artifactReadFolder(request: object, folder: string): string {
    return this.principal(request).kind === 'run' ? folder : '';
  }

  /** The job a run belongs to: its own, or its outermost parent's. */
  jobOf(run: RunRow): string | undefined {
    for (const current of this.scope.lineage(run)) if (current.job_name) return current.job_name;
    return undefined;
  }

  // --- jobs as runs ----------------------------------------------------------------------------------------------

  private runOfJob(job: JobRow): RunRow {
    return this.runs.find(job.name) ?? this.workspace.store.transaction(() => {
      const experimentId = this.experiments.idForName(job.experiment);
      const user = userName();
      // A pipeline step's or sweep trial's run is a child run of its parent job's run, as MLflow nests runs.
      const parent = job.parent ? this.workspace.jobs.get(job.parent) : undefined;
      const parentRun = parent ? this.runOfJob(parent) : undefined;
      return this.runs.create({
        experimentId,
        jobName: job.name,
        runName: job.display_name ?? job.name,
        userId: user,
        startTime: job.created_at,
        status: RUN_STATUS_OF[job.status],
        tags: [{ key: 'mlflow.user', value: user }, { key: 'mlflow.source.name', value: job.spec_path }, { key: 'mlflow.source.type', value: 'JOB' }, { key: 'mlw.compute', value: job.compute }, ...(parentRun ? [{ key: 'mlflow.parentRunId', value: parentRun.run_uuid }] : [])],
      });
    });
  }

  private syncJob(name: string, status: JobStatus, time: number): void {
    try {
      const job = this.workspace.jobs.get(name);
      if (!job) return;
      const run = this.runOfJob(job);
      const terminal = status === 'Completed' || status === 'Failed' || status === 'Canceled';
      const endTime = job.ended_at ?? time;
      this.workspace.store.transaction(() => {
        this.runs.update(run, { status: RUN_STATUS_OF[status], ...(terminal ? { endTime } : {}) });
        if (terminal) this.runs.endOpenNested(run, RUN_STATUS_OF[status], endTime);
      });
      // Metrics logged before the process ended go out before the terminal status closes the job's stream.
      if (status === 'Finalizing' || terminal) this.stream.flush();
    } catch {
      // The job's lifecycle must not depend on tracking; the run catches up on the next transition.
    }
  }
}

function messageOf(request: object): object {
  return 'raw' in request && typeof request.raw === 'object' && request.raw !== null ? request.raw : request;
}

function userName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return '';
  }
}
