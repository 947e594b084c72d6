import path from 'node:path';
import type { ComputeNodes, ComputeQueue, SpecRequest } from '../api/contracts';
import type { AssetDetail, AssetKind, AssetUpload, JobDetail, JobSummary } from '../vocabulary';
import { ASSET_KINDS, isTerminal } from '../vocabulary';
import { toIndexedAsset } from '../api/registered-assets';
import type { ComputeDriver } from '../compute/driver';
import { HostProcessDriver } from '../compute/host';
import type { DriverRegistry } from '../compute/registry';
import { DatastoreResolver, DEFAULT_DATASTORE, type DatastoreRecord } from '../data/datastores';
import { readOrCreateKey } from '../data/fs-util';
import { snapshotCode } from '../data/snapshot';
import { kindInfo, maskSecrets, toValidName, type IndexedAsset } from '../language';
import { AssetRepository, isVersioned } from '../store/assets';
import { Store } from '../store/database';
import { EventLog } from '../store/events';
import { JobRepository, toJobSummary, type JobRow } from '../store/jobs';
import { resolveCompute, standardDrivers, type ComputeTarget, type WorkspaceRegistryAddresses } from './computes';
import { asksForReservedCapacity, holdCapacity } from './reserved-capacity';
import { listsNodes } from '../compute/swarm/node-list';
import { remoteDrivers, type RemoteDriverOptions } from '../compute/remote';
import type { EnvironmentImageStatus } from '../env/builder';
import { HostEnvironmentBuilder } from '../env/host-env';
import type { EnvironmentProvider, RunEnvironment } from './job-runner';
import { JobOutputs } from './job-outputs';
import { commandKind, JobKinds } from './kinds';
import { componentLoader } from './kinds/component-loader';
import type { SubmitContext } from './kinds/kind';
import type { OrchestrationContext } from './kinds/orchestration';
import { pipelineKind } from './kinds/pipeline-job';
import { sweepKind } from './kinds/sweep-job';
import { JobLifecycle } from './lifecycle';
import { uploadLocalPath } from './asset-upload';
import { forgetArchivedDatastoreSecrets, registeredDatastore } from './workspace-datastores';
import { specContentHash } from './content-hash';
import { ensureDefaultDatastores } from './default-datastores';
import { runFiles, WorkspaceLayout } from './layout';
import { RunLogs } from './run-log';
import { sealDatastoreCredentials } from '../secrets/datastore-credentials';
import { SecretsStore } from '../secrets/store';
import { AssetResolver, computeName, generateJobName } from './resolve';
import { refuseDistributedWithoutInstances, type DistributedPlan } from './distribution';
import { Scheduler } from './scheduler';
import { refuseInvalidName, SpecLoader, type LoadedSpec } from './spec-loader';
import { BadRequest, Conflict, NotFound, SpecRejected, Unavailable, Unsupported } from '../errors';
import { BatchEndpoints } from './batch/endpoints';
import type { PreparedJob } from './kinds/kind';

export interface ControlPlaneOptions {
  /** The Docker driver, created on first use. */
  docker?: () => ComputeDriver;
  environments?: () => EnvironmentProvider;
  local?: ComputeDriver;
  /** Extra environment for every run (the tracking URI once the API listens). */
  runEnvironment?: RunEnvironment;
  /** Serves the tracking API on one of this machine's addresses for a remote compute's containers; answers its URI. */
  trackingAt?: RemoteDriverOptions['trackingAt'];
  /** The workspace's registry, for Swarm computes without `registry:`. */
  workspaceRegistry?: WorkspaceRegistryAddresses;
  /** Called when the last active job ended (the daemon's idle timer). */
  onIdle?: () => void;
}

/** The workspace's system of record and its engine: assets, jobs and their lifecycle. */
export class ControlPlane {
  readonly layout: WorkspaceLayout;
  readonly store: Store;
  readonly assets: AssetRepository;
  readonly jobs: JobRepository;
  readonly events: EventLog;
  readonly secrets: SecretsStore;
  readonly loader: SpecLoader;
  readonly lifecycle: JobLifecycle;
  readonly kinds: JobKinds;
  readonly batch: BatchEndpoints;
  private readonly submitContext: SubmitContext;
  readonly resolver: AssetResolver;
  readonly datastores: DatastoreResolver;
  private readonly outputs: JobOutputs;
  private readonly scheduler: Scheduler;
  private readonly targets = new Map<string, ComputeTarget>();
  private readonly drivers: DriverRegistry;
  private readonly environments: (() => EnvironmentProvider) | undefined;
  private readonly runLogs: RunLogs;
  private closed = false;

  constructor(root: string, options: ControlPlaneOptions = {}) {
    this.layout = new WorkspaceLayout(path.resolve(root));
    // Only the daemon (holding serve.lock) constructs the control plane, so it is the database's single writer.
    this.store = Store.open(this.layout.database, { exclusive: true });
    this.runLogs = new RunLogs(this.layout.root, (job) => this.jobs.get(job));
    this.events = new EventLog(this.store, this.runLogs);
    this.secrets = new SecretsStore(this.layout.secrets);
    this.assets = new AssetRepository(this.store, ({ kind, name, version, change }) => {
      this.events.append('', { type: 'asset', kind, name, ...(version !== undefined ? { version } : {}), change });
      if (kind === 'datastore' && change === 'archived') forgetArchivedDatastoreSecrets(this.secrets, name);
    });
    this.jobs = new JobRepository(this.store);
    this.loader = new SpecLoader(this.layout.root, { assets: () => this.registeredForIndex() });
    this.resolver = new AssetResolver(this.assets, this.loader, this.layout.root);
    const docker = options.docker;
    this.environments = options.environments;
    this.drivers = standardDrivers(options.local ?? new HostProcessDriver(), () => {
      if (!docker) throw new Unavailable('this control plane was started without Docker support');
      return docker();
    }, remoteDrivers(this.secrets, this.layout.root, { trackingAt: options.trackingAt }), options.workspaceRegistry, { secrets: this.secrets, baseDir: this.layout.root });
    this.lifecycle = new JobLifecycle(this.store, this.jobs, this.events);
    const datastores = (this.datastores = new DatastoreResolver({
      workspaceRoot: this.layout.root,
      mlwDir: this.layout.mlwDir,
      lookup: (name) => this.datastoreRecord(name),
      names: () => this.assets.list('datastore').map((d) => d.name),
      jobOutput: (job, output) => this.jobs.outputs(job).find((o) => o.name === output)?.uri,
    }));
    this.outputs = new JobOutputs({ jobs: this.jobs, assets: this.assets, datastores, root: this.layout.root, assetsChanged: () => this.loader.assetsChanged() });
    let hostEnvironments: HostEnvironmentBuilder | undefined;
    this.scheduler = new Scheduler(
      {
        jobs: this.jobs,
        events: this.events,
        lifecycle: this.lifecycle,
        resolver: datastores,
        environments: () => {
          if (!options.environments) throw new Error('this control plane was started without an environment builder');
          return options.environments();
        },
        hostEnvironments: () => (hostEnvironments ??= new HostEnvironmentBuilder({ root: this.layout.hostEnvironments })),
        snapshots: this.layout.snapshots,
        workspaceRoot: this.layout.root,
        defaultDatastore: DEFAULT_DATASTORE,
        registerOutputs: (outputs) => this.store.transaction(() => outputs.map((output) => this.outputs.register(output))),
        transaction: (work) => this.store.transaction(work),
        runEnvironment: options.runEnvironment ?? (() => ({})),
      },
      this.jobs,
      (compute) => this.target(compute),
      () => {
        if (this.scheduler.activeCount === 0) options.onIdle?.();
      },
    );
    // Every child that ends (a run, a sweep step, a skipped step) lets its parent go on, once.
    this.events.subscribe((event) => {
      if (event.type === 'status' && event.parent && isTerminal(event.status)) void this.advanceParent(event.parent);
    });
    this.submitContext = { root: this.layout.root, resolver: this.resolver, datastores, snapshot: async (codeDir) => (await snapshotCode(this.loader.insideWorkspace(codeDir), this.layout.snapshots)).hash };
    const orchestration: OrchestrationContext = {
      jobs: this.jobs,
      lifecycle: this.lifecycle,
      submit: this.submitContext,
      transaction: (work) => this.store.transaction(work),
      runDir: (job) => this.layout.runDir(job),
      enqueue: (job) => this.enqueue(job),
      stopRun: (job, reason) => this.stopJob(job, reason),
      advance: (job) => this.advanceParent(job.name),
      kick: () => this.scheduler.kick(),
    };
    const loadComponent = componentLoader(this.resolver, this.loader);
    this.kinds = new JobKinds([commandKind, pipelineKind(orchestration, loadComponent), sweepKind({ ...orchestration, events: this.events }, loadComponent)]);
    const pipelines = { load: loadComponent, prepare: (spec: LoadedSpec) => this.kinds.ofType('pipeline')!.prepare(spec, this.submitContext) };
    this.batch = new BatchEndpoints({ store: this.store, loader: this.loader, submit: this.submitContext, mlwDir: this.layout.mlwDir, submitPlan: (job) => this.submitPlan(job), pipelines, mlflowImage: process.env.MLW_MLFLOW_SERVING_IMAGE });
  }

  /** Stops a job that has not ended: its run, the job with its own children (a pipeline, a sweep), or a queued job. */
  private async stopJob(job: JobRow, reason: string): Promise<void> {
    const orchestrator = this.kinds.ofType(job.type)?.orchestrator;
    if (orchestrator) return orchestrator.cancel(job, reason);
    if (await this.scheduler.cancel(job, reason)) return;
    // Not running (not started yet): it ends here, unless it ended meanwhile.
    const current = this.jobs.get(job.name);
    if (current && !isTerminal(current.status)) this.lifecycle.transition(current, 'Canceled', { reason });
  }

  /** Lets a pipeline or sweep decide what comes next after one of its children ended. */
  private async advanceParent(name: string): Promise<void> {
    // A child ending while the store closes leaves its parent to the next daemon, which advances it on start.
    if (this.closed) return;
    try {
      const parent = this.jobs.get(name);
      const orchestrator = parent && this.kinds.ofType(parent.type)?.orchestrator;
      if (!parent || !orchestrator || isTerminal(parent.status)) return;
      await orchestrator.advance(parent);
    } catch (error) {
      if (!this.closed) process.emitWarning(`job ${name}: ${(error as Error).message}`);
    }
  }

  /** Re-attaches to runs a previous daemon left in flight and starts queued jobs. */
  start(): void {
    ensureDefaultDatastores(this.assets, this.layout);
    this.scheduler.resume(this.kinds.scheduledTypes);
    for (const parent of this.jobs.list({ status: ['NotStarted', 'Running'], types: this.kinds.orchestratedTypes, oldestFirst: true })) void this.advanceParent(parent.name);
    for (const compute of this.assets.list('compute')) void this.holdCapacity(compute.name).then((warning) => warning && process.emitWarning(warning));
  }

  get activeJobs(): number {
    return this.scheduler.activeCount;
  }

  async registerAsset(kind: AssetKind, request: SpecRequest): Promise<{ asset: AssetDetail; created: boolean; updated: boolean; warnings: string[]; upload?: AssetUpload & { reused: boolean } }> {
    const spec = this.loader.load(request.path, request.text, request.set);
    const info = kindInfo(spec.kind);
    if (info.asset !== kind) throw new SpecRejected(`${path.relative(this.layout.root, spec.path)} is a ${info.asset} spec, not a ${kind} spec`);
    const name = String(spec.value.name ?? '');
    if (!name) throw new SpecRejected(`${path.relative(this.layout.root, spec.path)} has no name`);
    refuseInvalidName(spec, name, path.relative(this.layout.root, spec.path));
    const { spec: value, upload, reused } = await uploadLocalPath(kind, spec.value, path.dirname(spec.path), this.datastores);
    const version = isVersioned(kind) ? (value.version !== undefined ? String(value.version) : this.assets.nextVersion(kind, name)) : '';
    // A datastore's credentials go into the secrets store, a reference in their place; any other secret is masked.
    const sealed = kind === 'datastore' ? sealDatastoreCredentials(this.secrets, name, value) : undefined;
    const secrets = maskSecrets(sealed?.spec ?? value);
    const contentHash = specContentHash({ masked: secrets.masked, values: [...(sealed?.values ?? []), ...secrets.values] }, () => readOrCreateKey(path.join(this.layout.mlwDir, 'assets.key')));
    sealed?.save();
    const { detail, created, updated } = this.assets.register({ kind, name, version, spec: secrets.masked, sourcePath: spec.path, contentHash, ...(upload ? { upload } : {}) });
    sealed?.prune();
    this.loader.assetsChanged();
    const replaced = this.targets.get(name);
    this.targets.delete(name);
    const held = kind === 'compute' ? await this.holdCapacity(name, replaced) : undefined;
    return { asset: detail, created, updated, warnings: [...spec.warnings, ...(held ? [held] : [])], ...(upload ? { upload: { ...upload, reused: reused === true } } : {}) };
  }

  async submitJob(request: SpecRequest): Promise<{ job: JobSummary; warnings: string[] }> {
    const spec = this.loader.load(request.path, request.text, request.set);
    const relative = path.relative(this.layout.root, spec.path);
    const kind = this.kinds.ofSpec(spec.kind);
    if (!kind && kindInfo(spec.kind).asset === 'job') throw new Unsupported(`${relative}: ${kindInfo(spec.kind).title}s are not supported yet; ${this.kinds.runnableJobs} are`);
    if (!kind) throw new SpecRejected(`${relative} is a ${kindInfo(spec.kind).asset} spec, not a job${registerHint(kindInfo(spec.kind).asset, relative)}`);
    const value = spec.value as { name?: string; experiment_name?: string; display_name?: string };
    if (!kind.orchestrator) await this.target(computeName(spec.value.compute)).driver.ping();
    const prepared = await kind.prepare(spec, this.submitContext);
    if (!kind.orchestrator) refuseDistributedWithoutInstances(prepared.plan as { distributed?: DistributedPlan }, this.target(prepared.compute));
    const experiment = value.experiment_name ?? toValidName(path.basename(path.dirname(spec.path)));
    const name = value.name ?? generateJobName(experiment);
    refuseInvalidName(spec, name, relative);
    const row = this.store.transaction(() => {
      if (this.jobs.exists(name)) throw new Conflict(`a job named ${name} already exists; job names are unique (remove name: to get a generated one)`);
      const job = this.jobs.insert({ name, type: kind.type, experiment, ...(value.display_name ? { displayName: value.display_name } : {}), compute: prepared.compute, spec: prepared.plan as Record<string, unknown>, specPath: spec.path, runDir: this.layout.runDir(name), ...(prepared.snapshotHash ? { snapshotHash: prepared.snapshotHash } : {}) }, kind.orchestrator ? 'NotStarted' : 'Queued');
      return kind.orchestrator ? this.lifecycle.transition(job, 'Running', { patch: { started_at: Date.now() } }) : this.enqueue(job);
    });
    // The answer is the job as submitted; the scheduler may start it right away.
    const submitted = this.withQueueReason(this.jobs.get(row.name)!);
    if (kind.orchestrator) await kind.orchestrator.advance(row);
    else this.scheduler.kick();
    return { job: submitted, warnings: spec.warnings };
  }

  /** Records and starts a job whose plan was generated rather than read from a spec (a batch endpoint's invocation). */
  async submitPlan(job: { type: string; experiment: string; displayName: string; specPath: string; prepared: PreparedJob; name?: string }): Promise<JobSummary> {
    const { plan, compute, snapshotHash } = job.prepared;
    const orchestrator = this.kinds.ofType(job.type)?.orchestrator;
    if (!orchestrator) await this.target(compute).driver.ping();
    const name = job.name ?? generateJobName(job.experiment);
    const row = this.store.transaction(() => {
      if (job.name !== undefined && this.jobs.exists(name)) throw new Conflict(`a job named ${name} already exists; job names are unique`);
      const inserted = this.jobs.insert({ name, type: job.type, experiment: job.experiment, displayName: job.displayName, compute, spec: plan as Record<string, unknown>, specPath: job.specPath, runDir: this.layout.runDir(name), ...(snapshotHash ? { snapshotHash } : {}) }, orchestrator ? 'NotStarted' : 'Queued');
      return orchestrator ? this.lifecycle.transition(inserted, 'Running', { patch: { started_at: Date.now() } }) : this.enqueue(inserted);
    });
    const submitted = this.withQueueReason(this.jobs.get(row.name)!);
    if (orchestrator) await orchestrator.advance(row);
    else this.scheduler.kick();
    return submitted;
  }

  /** Puts a stored job in its compute's queue (with the queue position as its reason); a step or trial may pass its row from before its plan was written. */
  enqueue(job: JobRow): JobRow {
    const reason = this.scheduler.waitReason(this.jobs.get(job.name) ?? job);
    return this.lifecycle.transition(job, 'Queued', reason ? { reason } : {});
  }

  async cancelJob(name: string): Promise<JobSummary> {
    const job = this.requireJob(name);
    if (isTerminal(job.status)) return toJobSummary(job);
    await this.stopJob(job, 'canceled by the user');
    return toJobSummary(this.requireJob(name));
  }

  /** Whether a registered environment's image is built (cached), and its tag; asks the Docker engine. */
  async environmentImage(name: string, version?: string): Promise<EnvironmentImageStatus> {
    const asset = this.assets.get('environment', name, version);
    if (!asset) throw new NotFound(`no environment named ${name}${version ? ` with version ${version}` : ''}`);
    if (!this.environments) throw new Unavailable('this control plane was started without an environment builder');
    const source = this.resolver.environment(`azureml:${name}:${asset.version}`, this.layout.root)!;
    try {
      return await this.environments().status(source);
    } catch (error) {
      throw new Unavailable(`environment ${name}:${asset.version}: ${(error as Error).message}`);
    }
  }

  /** The newest 1,000 jobs; with `parent`, that job's steps or trials, in the order they were created. */
  listJobs(parent?: string): JobSummary[] {
    const rows = parent === undefined ? this.jobs.list({ limit: 1000 }) : this.jobs.children(parent);
    return rows.map((job) => this.withQueueReason(job));
  }

  jobDetail(name: string): JobDetail {
    const job = this.requireJob(name);
    return {
      ...this.withQueueReason(job),
      specPath: job.spec_path,
      spec: JSON.parse(job.spec),
      ...(job.image ? { image: job.image } : {}),
      ...(job.snapshot_hash ? { snapshot: job.snapshot_hash } : {}),
      outputs: this.outputs.listed(job),
      events: this.events.ofJob(name, 'status'),
      ...this.kinds.ofType(job.type)?.orchestrator?.detail(job),
    };
  }

  /** Host folder of a job output (for downloads), as a path below the folder it is read within. */
  outputFolder(job: string, output: string): { root: string; relative: string } {
    return this.outputs.folder(this.requireJob(job), output);
  }

  /** The job's user log file (it may not exist yet); a 404 when the log of a job that ran was removed. */
  logFile(job: string): string {
    const row = this.requireJob(job);
    const gone = this.runLogs.goneReason(row);
    if (gone) throw new NotFound(gone);
    return runFiles(row.run_dir).logFile;
  }

  queue(compute: string): ComputeQueue {
    return this.scheduler.queue(compute);
  }

  /** A Swarm compute's nodes; other computes have none to list. */
  async nodes(compute: string): Promise<ComputeNodes> {
    const target = this.target(compute);
    if (!listsNodes(target.driver)) throw new BadRequest(`compute ${compute} is of type ${target.type}; only a swarm compute has nodes to list`);
    return { compute, nodes: await target.driver.nodes() };
  }

  requireJob(name: string): JobRow {
    const job = this.jobs.get(name);
    if (!job) throw new NotFound(`no job named ${name}`);
    return job;
  }

  /**
   * Closes the store. Active jobs are left running for the next daemon to pick up, unless `cancelJobs` stops them
   * first (tests, and an embedding process that ends for good).
   */
  async close(options: { cancelJobs?: boolean } = {}): Promise<void> {
    if (options.cancelJobs) await this.scheduler.cancelAll('the control plane shut down');
    else this.scheduler.detach();
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.targets.values()].map((target) => target.driver.releaseCapacity?.().catch(() => undefined)));
    this.store.close();
  }

  /** Holds a registered compute's idle capacity, once the driver of its previous spec gave its own back. */
  private async holdCapacity(compute: string, replaced?: ComputeTarget): Promise<string | undefined> {
    const spec = this.assets.get('compute', compute)?.spec;
    if (!spec || (!asksForReservedCapacity(spec) && !replaced)) return undefined;
    let target: ComputeTarget;
    try {
      target = this.target(compute);
    } catch {
      return undefined;
    }
    if (replaced && replaced.driver !== target.driver) await replaced.driver.releaseCapacity?.().catch(() => undefined);
    return asksForReservedCapacity(spec) ? holdCapacity(target, this.layout.root) : undefined;
  }

  private withQueueReason(job: JobRow): JobSummary {
    const summary = toJobSummary(job);
    if (job.status !== 'Queued') return summary;
    try {
      const { reason: _stored, ...rest } = summary;
      const reason = this.scheduler.waitReason(job);
      return reason ? { ...rest, reason } : rest;
    } catch {
      return summary;
    }
  }

  private target(compute: string): ComputeTarget {
    const cached = this.targets.get(compute);
    if (cached) return cached;
    const registered = this.assets.get('compute', compute);
    const target = resolveCompute(compute, registered?.spec, this.assets, this.drivers, (name) => this.loader.definition('compute', name)?.value);
    // A compute defined only by a spec file is read again next time: the file may change.
    if (compute === 'local' || registered) this.targets.set(compute, target);
    return target;
  }

  /** A registered datastore as the resolver sees it, its credentials read from the secrets store. */
  datastoreRecord(name: string): DatastoreRecord | undefined {
    return registeredDatastore(this.assets, this.secrets, this.layout.root, name);
  }

  private registeredForIndex(): IndexedAsset[] {
    return [...this.assets.list().map((a) => toIndexedAsset(a, a.sourcePath)), ...this.batch.indexed()];
  }
}

/** How to register a spec of this kind instead, for the kinds the control plane registers. */
function registerHint(asset: string, file: string): string {
  return (ASSET_KINDS as readonly string[]).includes(asset) ? `; register it with \`mlw ${asset} create -f ${file}\`` : `; ${asset} specs cannot be registered or run by mlw yet`;
}
