import crypto from 'node:crypto';
import path from 'node:path';
import type { ComputeQueue, SpecRequest } from '../api/contracts';
import type { AssetDetail, AssetKind, AssetUpload, JobDetail, JobSummary } from '../vocabulary';
import { ASSET_KINDS, isTerminal } from '../vocabulary';
import { toIndexedAsset } from '../api/registered-assets';
import type { ComputeDriver } from '../compute/driver';
import { HostProcessDriver } from '../compute/host';
import { regularFilesInside } from '../data/contained-fs';
import { DatastoreResolver, DEFAULT_DATASTORE } from '../data/datastores';
import { assetKindOfType } from '../data/staging';
import { isInside, readOrCreateKey } from '../data/fs-util';
import { snapshotCode } from '../data/snapshot';
import { kindInfo, maskSecrets, parseReference, toValidName, type IndexedAsset } from '../language';
import { DataError } from '../data/errors';
import { AssetRepository, isVersioned } from '../store/assets';
import { Store } from '../store/database';
import { EventLog } from '../store/events';
import { JobRepository, toJobSummary, type OutputRow, type JobRow } from '../store/jobs';
import { jobShmBytes, resolveCompute, type ComputeTarget } from './computes';
import type { EnvironmentImageStatus } from '../env/builder';
import { HostEnvironmentBuilder } from '../env/host-env';
import type { EnvironmentProvider, NamedOutput, ResolvedCommandJob, RunEnvironment } from './job-runner';
import { uploadLocalPath } from './asset-upload';
import { specContentHash } from './content-hash';
import { ensureDefaultDatastores } from './default-datastores';
import { runFiles, WorkspaceLayout } from './layout';
import { RunLogs } from './run-log';
import { AssetResolver, computeName, generateJobName } from './resolve';
import { Scheduler, queueReason } from './scheduler';
import { refuseInvalidName, SpecLoader } from './spec-loader';
import { Conflict, NotFound, SpecRejected, Unavailable, Unsupported } from '../errors';

export interface ControlPlaneOptions {
  /** The Docker driver, created on first use. */
  docker?: () => ComputeDriver;
  environments?: () => EnvironmentProvider;
  local?: ComputeDriver;
  /** Extra environment for every run (the tracking URI once the API listens). */
  runEnvironment?: RunEnvironment;
  /** Called when the last active job ended (the daemon's idle timer). */
  onIdle?: () => void;
}

/** How many of an output's files a job's detail lists (it counts them all). */
const LISTED_FILES = 1000;

/** The workspace's system of record and its engine: assets, jobs and their lifecycle. */
export class ControlPlane {
  readonly layout: WorkspaceLayout;
  readonly store: Store;
  readonly assets: AssetRepository;
  readonly jobs: JobRepository;
  readonly events: EventLog;
  readonly loader: SpecLoader;
  private readonly resolver: AssetResolver;
  private readonly datastores: DatastoreResolver;
  private readonly scheduler: Scheduler;
  private readonly targets = new Map<string, ComputeTarget>();
  private readonly drivers: { local: ComputeDriver; docker: () => ComputeDriver };
  private readonly environments: (() => EnvironmentProvider) | undefined;
  private readonly runLogs: RunLogs;

  constructor(root: string, options: ControlPlaneOptions = {}) {
    this.layout = new WorkspaceLayout(path.resolve(root));
    // Only the daemon (holding serve.lock) constructs the control plane, so it is the database's single writer.
    this.store = Store.open(this.layout.database, { exclusive: true });
    this.runLogs = new RunLogs(this.layout.root, (job) => this.jobs.get(job));
    this.events = new EventLog(this.store, this.runLogs);
    this.assets = new AssetRepository(this.store, ({ kind, name, version, change }) => this.events.append('', { type: 'asset', kind, name, ...(version !== undefined ? { version } : {}), change }));
    this.jobs = new JobRepository(this.store);
    this.loader = new SpecLoader(this.layout.root, { assets: () => this.registeredForIndex() });
    this.resolver = new AssetResolver(this.assets, this.loader, this.layout.root);
    const docker = options.docker;
    this.environments = options.environments;
    this.drivers = {
      local: options.local ?? new HostProcessDriver(),
      docker: () => {
        if (!docker) throw new Unavailable('this control plane was started without Docker support');
        return docker();
      },
    };
    const datastores = (this.datastores = new DatastoreResolver({
      workspaceRoot: this.layout.root,
      mlwDir: this.layout.mlwDir,
      lookup: (name) => this.datastoreRecord(name),
      names: () => this.assets.list('datastore').map((d) => d.name),
      jobOutput: (job, output) => this.jobs.outputs(job).find((o) => o.name === output)?.uri,
    }));
    let hostEnvironments: HostEnvironmentBuilder | undefined;
    this.scheduler = new Scheduler(
      {
        jobs: this.jobs,
        events: this.events,
        resolver: datastores,
        environments: () => {
          if (!options.environments) throw new Error('this control plane was started without an environment builder');
          return options.environments();
        },
        hostEnvironments: () => (hostEnvironments ??= new HostEnvironmentBuilder({ root: this.layout.hostEnvironments })),
        snapshots: this.layout.snapshots,
        workspaceRoot: this.layout.root,
        defaultDatastore: DEFAULT_DATASTORE,
        registerOutputs: (outputs) => this.store.transaction(() => outputs.map((output) => this.registerOutput(output))),
        transaction: (work) => this.store.transaction(work),
        runEnvironment: options.runEnvironment ?? (() => ({})),
      },
      this.jobs,
      (compute) => this.target(compute),
      () => this.scheduler.activeCount === 0 && options.onIdle?.(),
    );
  }

  /** Re-attaches to runs a previous daemon left in flight and starts queued jobs. */
  start(): void {
    ensureDefaultDatastores(this.assets, this.layout);
    this.scheduler.resume();
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
    // Until an encrypted secrets store exists, credentials are kept and shown only masked.
    const secrets = maskSecrets(value);
    const contentHash = specContentHash(secrets, () => readOrCreateKey(path.join(this.layout.mlwDir, 'assets.key')));
    const { detail, created, updated } = this.assets.register({ kind, name, version, spec: secrets.masked, sourcePath: spec.path, contentHash, ...(upload ? { upload } : {}) });
    this.loader.assetsChanged();
    this.targets.delete(name);
    return { asset: detail, created, updated, warnings: spec.warnings, ...(upload ? { upload: { ...upload, reused: reused === true } } : {}) };
  }

  async submitJob(request: SpecRequest): Promise<{ job: JobSummary; warnings: string[] }> {
    const spec = this.loader.load(request.path, request.text, request.set);
    const relative = path.relative(this.layout.root, spec.path);
    if (kindInfo(spec.kind).asset === 'job' && spec.kind !== 'job/command') throw new Unsupported(`${relative}: ${kindInfo(spec.kind).title}s are not supported yet; command jobs are`);
    if (spec.kind !== 'job/command') throw new SpecRejected(`${relative} is a ${kindInfo(spec.kind).asset} spec, not a job${registerHint(kindInfo(spec.kind).asset, relative)}`);
    const value = spec.value as Record<string, unknown> & { command: string; code?: string; name?: string; experiment_name?: string; display_name?: string };
    const specDir = path.dirname(spec.path);
    const compute = computeName(value.compute);
    const target = this.target(compute);
    await target.driver.ping();
    const shmBytes = jobShmBytes(value.resources);
    const resolved: ResolvedCommandJob = {
      command: value.command,
      ...(value.environment !== undefined ? { environment: this.resolver.environment(value.environment, specDir) } : {}),
      ...(value.inputs ? { inputs: value.inputs as Record<string, unknown> } : {}),
      ...(value.outputs ? { outputs: value.outputs as Record<string, unknown> } : {}),
      ...(value.environment_variables ? { environment_variables: value.environment_variables as Record<string, string> } : {}),
      ...(value.limits ? { limits: value.limits as { timeout?: number } } : {}),
      spec_dir: specDir,
      data_assets: this.resolver.dataAssets(value.inputs as Record<string, unknown> | undefined),
      ...(shmBytes !== undefined ? { shm_bytes: shmBytes } : {}),
    };
    this.checkDataPaths(value, specDir);
    const snapshot = value.code ? await snapshotCode(this.loader.insideWorkspace(path.resolve(specDir, value.code)), this.layout.snapshots) : undefined;
    const experiment = value.experiment_name ?? toValidName(path.basename(specDir));
    const name = value.name ?? generateJobName(experiment);
    refuseInvalidName(spec, name, relative);
    const row = this.store.transaction(() => {
      if (this.jobs.exists(name)) throw new Conflict(`a job named ${name} already exists; job names are unique (remove name: to get a generated one)`);
      const ahead = this.jobs.queuedCount(compute);
      const busy = this.scheduler.runningOn(compute).length;
      const reason = queueReason(compute, busy, target.capacity, ahead);
      const job = this.jobs.insert({ name, type: 'command', experiment, ...(value.display_name ? { displayName: value.display_name } : {}), compute, spec: resolved as unknown as Record<string, unknown>, specPath: spec.path, runDir: this.layout.runDir(name), ...(snapshot ? { snapshotHash: snapshot.hash } : {}) }, 'Queued');
      this.jobs.setStatus(name, 'Queued', reason ? { reason } : {});
      this.events.append(name, { type: 'status', status: 'Queued', ...(reason ? { reason } : {}) });
      return job;
    });
    // The answer is the job as submitted; the scheduler may start it right away.
    const submitted = this.withQueueReason(this.jobs.get(row.name)!);
    this.scheduler.kick();
    return { job: submitted, warnings: spec.warnings };
  }

  async cancelJob(name: string): Promise<JobSummary> {
    const job = this.requireJob(name);
    if (isTerminal(job.status)) return toJobSummary(job);
    if (!(await this.scheduler.cancel(job))) {
      this.store.transaction(() => {
        this.jobs.setStatus(name, 'Canceled', { reason: 'canceled by the user', ended_at: Date.now() });
        this.events.append(name, { type: 'status', status: 'Canceled', reason: 'canceled by the user' });
      });
    }
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

  listJobs(): JobSummary[] {
    return this.jobs.list({ limit: 1000 }).map((job) => this.withQueueReason(job));
  }

  jobDetail(name: string): JobDetail {
    const job = this.requireJob(name);
    return {
      ...this.withQueueReason(job),
      specPath: job.spec_path,
      spec: JSON.parse(job.spec),
      ...(job.image ? { image: job.image } : {}),
      ...(job.snapshot_hash ? { snapshot: job.snapshot_hash } : {}),
      outputs: this.jobs.outputs(name).map((o) => {
        const location = this.outputLocationOf(job, o);
        const files = regularFilesInside(location.root, location.relative, Number.POSITIVE_INFINITY);
        return { name: o.name, type: o.type, mode: o.mode, uri: o.uri, files: files.slice(0, LISTED_FILES), fileCount: files.length };
      }),
      events: this.events.ofJob(name, 'status'),
    };
  }

  /** Host folder of a job output (for downloads), as a path below the folder it is read within. */
  outputFolder(job: string, output: string): { root: string; relative: string } {
    const jobRow = this.requireJob(job);
    const row = this.jobs.outputs(jobRow.name).find((o) => o.name === output);
    if (!row) throw new NotFound(`job ${job} has no output ${output}`);
    return this.outputLocationOf(jobRow, row);
  }

  /**
   * An output folder below a folder no job can replace as a whole: the run's folder (`upload`) or the datastore's
   * root. A link a job left in place of the output folder itself is then not followed either.
   */
  private outputLocationOf(job: JobRow, row: OutputRow): { root: string; relative: string } {
    let datastoreRoot: string | undefined;
    try {
      const location = this.datastores.resolve(row.uri, this.layout.root, { mustExist: false });
      if (location.kind === 'local') datastoreRoot = location.root;
    } catch {
      // a datastore removed since: the output folder itself is the root
    }
    const root = [job.run_dir, datastoreRoot].find((candidate) => candidate !== undefined && isInside(candidate, row.host_path)) ?? row.host_path;
    return { root, relative: path.relative(root, row.host_path) };
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
    this.store.close();
  }

  private registerOutput(output: NamedOutput): string {
    const kind = assetKindOfType(output.type);
    const version = output.version ?? this.assets.nextVersion(kind, output.assetName);
    const spec = { name: output.assetName, version, type: output.type, path: output.uri, description: `output ${output.output} of job ${output.job}` };
    const contentHash = crypto.createHash('sha256').update(JSON.stringify(spec)).digest('hex');
    this.assets.register({ kind, name: output.assetName, version, spec, contentHash, job: output.job });
    this.loader.assetsChanged();
    return `${output.output} registered as ${kind} ${output.assetName}:${version}`;
  }

  /** Refuses at submission what staging would refuse later: missing data, unknown datastores, paths escaping. */
  private checkDataPaths(spec: Record<string, unknown>, specDir: string): void {
    const pathOf = (entry: unknown) => (typeof entry === 'object' && entry !== null && typeof (entry as { path?: unknown }).path === 'string' ? (entry as { path: string }).path : undefined);
    for (const [section, mustExist] of [['inputs', true], ['outputs', false]] as const) {
      for (const [name, entry] of Object.entries((spec[section] ?? {}) as Record<string, unknown>)) {
        const given = pathOf(entry);
        const form = given === undefined ? undefined : parseReference(given)?.form;
        if (form !== 'file' && form !== 'datastore-path' && form !== 'job-output') continue;
        try {
          this.datastores.resolve(given!, specDir, { mustExist });
        } catch (error) {
          throw DataError.at(`${section}.${name}`, `${section}.${name}`, error);
        }
      }
    }
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

  private datastoreRecord(name: string): { name: string; type: string; path?: string } | undefined {
    const asset = this.assets.get('datastore', name);
    if (!asset) return undefined;
    const spec = asset.spec as { type?: string; path?: string };
    const base = asset.sourcePath ? path.dirname(asset.sourcePath) : this.layout.root;
    return { name, type: spec.type ?? 'azure_blob', ...(spec.path ? { path: path.resolve(base, spec.path) } : {}) };
  }

  private registeredForIndex(): IndexedAsset[] {
    return this.assets.list().map((a) => toIndexedAsset(a, a.sourcePath));
  }
}

/** How to register a spec of this kind instead, for the kinds the control plane registers. */
function registerHint(asset: string, file: string): string {
  return (ASSET_KINDS as readonly string[]).includes(asset) ? `; register it with \`mlw ${asset} create -f ${file}\`` : `; ${asset} specs cannot be registered or run by mlw yet`;
}
