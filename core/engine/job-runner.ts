import fs from 'node:fs';
import path from 'node:path';
import type { JobStatus } from '../vocabulary';
import type { RunExit, RunHandle, RunMount, RunPlan } from '../compute/driver';
import { RUN_LABEL, WORKSPACE_LABEL } from '../compute/driver';
import { CONTAINER_CODE_DIR } from '../data/layout';
import { prepareOutputs, stageInputs, type StagedOutput } from '../data/staging';
import type { DatastoreResolver } from '../data/datastores';
import { redactSas } from '../data/blob';
import type { EventLog } from '../store/events';
import type { JobRepository, JobRow } from '../store/jobs';
import { substituteCommand } from './command';
import type { CommandPlan } from './kinds/command';
import type { JobLifecycle } from './lifecycle';
import type { ComputeTarget } from './computes';
import { runFiles } from './layout';
import { distributedInstances, refuseDistributedWithoutInstances } from './distribution';
import { LogTailer } from './log-tailer';
import { readRunRecord, recordRunExit, recordRunStarted, recordRunStarting, type RunRecord, type StopRequest } from './run-record';
import { dataAssetKey } from './resolve';
import type { EnsureOptions, EnvironmentImageStatus, EnvironmentSource } from '../env/builder';
import { environmentVariables, prepareHostEnvironment, type HostEnvironment, type HostEnvironmentBuilder } from '../env/host-env';

/** The environment builder as the runner uses it (`core/env`'s `EnvironmentBuilder`). */
export interface EnvironmentProvider {
  ensure(source: EnvironmentSource, options: EnsureOptions): Promise<{ image: string; built: boolean }>;
  status(source: EnvironmentSource): Promise<EnvironmentImageStatus>;
}

export interface RunnerContext {
  jobs: JobRepository;
  events: EventLog;
  lifecycle: JobLifecycle;
  resolver: DatastoreResolver;
  environments: () => EnvironmentProvider;
  /** Builds the conda environments of host-process jobs. */
  hostEnvironments: () => HostEnvironmentBuilder;
  snapshots: string;
  workspaceRoot: string;
  defaultDatastore: string;
  /** Extra environment variables every run gets (tracking URI and the like). */
  runEnvironment: RunEnvironment;
  /** Registers named outputs as data or model assets with the job as their lineage, in one transaction. */
  registerOutputs: (outputs: NamedOutput[]) => string[];
  /** Runs store writes as one transaction. */
  transaction: <T>(work: () => T) => T;
}

export interface NamedOutput {
  job: string;
  output: string;
  assetName: string;
  version?: string;
  type: string;
  uri: string;
}

/** Extra environment for a run; containers reach the daemon at another address than host processes. */
export type RunEnvironment = (job: JobRow, target: { containerized: boolean }) => Record<string, string> | Promise<Record<string, string>>;

/** How many log lines a failure reason quotes. */
const REASON_TAIL_LINES = 10;

/**
 * Drives one job from Preparing to a terminal status: stage, build, run, collect, finalize. It can also pick up
 * a job a previous daemon left Running or Finalizing (`resume`).
 */
export class JobRunner {
  private handle: RunHandle | undefined;
  private readonly abort = new AbortController();
  /** Set when the control plane closes without stopping its jobs: the run goes on, and nothing more is written. */
  private readonly detached = new AbortController();
  private stopReason: StopRequest | undefined;
  private tailer: LogTailer | undefined;
  private exitRecorded = false;

  constructor(private readonly ctx: RunnerContext, private readonly job: JobRow, private readonly target: ComputeTarget, private readonly spec: CommandPlan) {}

  /** Asks the job to stop; it ends Canceled (or with `status`, e.g. a timeout) once the run stopped. */
  async cancel(reason = 'canceled by the user', status: JobStatus = 'Canceled'): Promise<void> {
    this.stopReason ??= { status, reason };
    this.abort.abort();
    await this.handle?.stop();
  }

  /** Stops following the run without touching it (the store is closing); the next control plane takes the job over. */
  detach(): void {
    this.detached.abort();
    this.tailer?.stop();
  }

  async run(): Promise<void> {
    try {
      let plan: { plan: RunPlan; outputs: Record<string, StagedOutput> };
      // The run folder, not the database, says whether the run was started: the database may have lost its last commits.
      const record = readRunRecord(this.job.run_dir);
      if ((this.job.status === 'Queued' || this.job.status === 'Preparing') && !record.starting) {
        this.transition('Preparing');
        plan = await this.prepare();
        if (this.detached.signal.aborted) return;
        if (this.abort.signal.aborted) return this.end(this.stopReason!.status, this.stopReason!.reason);
        this.handle = await this.start(plan.plan);
        this.ctx.jobs.patch(this.job.name, { driver_ref: this.handle.ref });
        // A cancel that arrived while the run was starting had no handle to stop yet.
        if (this.abort.signal.aborted) void this.handle.stop();
        await this.markRunning(this.handle, Date.now());
      } else {
        const ref = this.job.driver_ref ?? record.started?.ref;
        // Leaves Queued before the first await, so the scheduler never starts this job as a new one.
        if (this.job.status === 'Queued' || this.job.status === 'Preparing') this.resumeStarted(ref);
        plan = await this.prepare(false);
        // A cancel or timeout the database lost still decides how the job ends (unless one arrived while preparing).
        if (record.exited?.stopped) this.stopReason ??= record.exited.stopped;
        if (this.job.status !== 'Finalizing' || this.job.exit_code === null) {
          this.handle = await this.reconnect(plan.plan, record, ref ?? '');
          if (!this.handle) return this.end('Failed', this.fateUnknown(record, ref));
          // A cancel that arrived while re-attaching had no handle to stop yet.
          if (this.abort.signal.aborted) void this.handle.stop();
          if (this.job.status === 'Preparing') await this.markRunning(this.handle, record.started?.at ?? record.starting!.at);
        }
      }
      if (this.handle) {
        const exit = await this.follow(this.handle, plan.plan.logFile);
        this.recordExit(exit);
        this.ctx.jobs.patch(this.job.name, { exit_code: exit.exitCode, ended_at: Date.now() });
        this.transition('Finalizing');
        await this.finalize(plan.outputs);
        if (this.stopReason) return this.end(this.stopReason.status, this.stopReason.reason);
        if (exit.exitCode !== 0 || exit.reason) return this.end('Failed', failureReason(exit, exit.logFile ?? plan.plan.logFile));
      } else {
        const exit = this.recordedExit(record);
        await this.finalize(plan.outputs);
        if (this.stopReason) return this.end(this.stopReason.status, this.stopReason.reason);
        if (exit.exitCode !== 0 || exit.reason) return this.end('Failed', failureReason(exit, exit.logFile ?? plan.plan.logFile));
      }
      this.registerOutputs();
      this.end('Completed');
    } catch (error) {
      if (this.detached.signal.aborted) return;
      await this.tailer?.drain();
      if (this.stopReason) return this.end(this.stopReason.status, this.stopReason.reason);
      this.end('Failed', (error as Error).message);
    }
  }

  /** Records durably that the run is being started, before it exists; and what it is once it does. */
  private async start(plan: RunPlan): Promise<RunHandle> {
    const driver = this.target.driver;
    recordRunStarting(this.job.run_dir, {
      compute: this.target.name,
      driver: driver.kind,
      identity: driver.containerized ? `container labelled ${RUN_LABEL}=${this.job.name}` : 'host process group (its pid: the started entry, state/pid)',
    });
    let handle: RunHandle;
    try {
      handle = await driver.start(plan);
    } catch (error) {
      this.recordExit({ exitCode: -1, reason: `the run did not start: ${(error as Error).message}` });
      throw error;
    }
    recordRunStarted(this.job.run_dir, handle.ref);
    return handle;
  }

  /** A job the database still has before Running although its run folder says it was started: Running once re-attached. */
  private resumeStarted(ref: string | undefined): void {
    if (ref) this.ctx.jobs.patch(this.job.name, { driver_ref: ref });
    if (ref) this.job.driver_ref = ref;
    if (this.job.status === 'Queued') this.transition('Preparing');
  }

  /**
   * Running once the run runs: at once for a driver whose runs run once started, else when the driver says so (a
   * cluster placed it); never when it ended first. Until then the job stays Preparing, with the driver's reason.
   */
  private async markRunning(handle: RunHandle, startedAt: number): Promise<void> {
    if (handle.started) {
      const ran = await Promise.race([handle.started.then(() => true), handle.exited.then(() => false, () => false)]);
      if (!ran) return;
      startedAt = Date.now();
    }
    this.ctx.jobs.patch(this.job.name, { started_at: startedAt });
    this.transition('Running');
  }

  /** The run a previous daemon started: still alive, or ended with an exit the driver or the run folder recorded. */
  private async reconnect(plan: RunPlan, record: RunRecord, ref: string): Promise<RunHandle | undefined> {
    if (record.exited) this.exitRecorded = true;
    const handle = await this.target.driver.reattach(this.job.name, ref, plan);
    if (handle || !record.exited) return handle;
    const { exitCode, reason } = record.exited;
    return { ref, exited: Promise.resolve({ exitCode, ...(reason ? { reason } : {}) }), stop: async () => undefined };
  }

  /** How a run found in Finalizing ended: its exit code from the database, why it stopped from the run folder. */
  private recordedExit(record: RunRecord): RunExit {
    const reason = record.exited?.reason;
    return { exitCode: this.job.exit_code!, ...(reason ? { reason } : {}) };
  }

  private fateUnknown(record: RunRecord, ref: string | undefined): string {
    const what = this.target.driver.containerized ? 'container' : 'process';
    return `its fate is unknown: the run was started${record.starting ? ` at ${new Date(record.starting.at).toISOString()}` : ''} but vanished while the control plane was stopped (${what} ${ref ?? 'unknown'} not found, no exit recorded); it is not run again`;
  }

  private recordExit(exit: RunExit): void {
    if (this.exitRecorded) return;
    this.exitRecorded = true;
    recordRunExit(this.job.run_dir, exit, this.stopReason);
  }

  private async prepare(stage = true): Promise<{ plan: RunPlan; outputs: Record<string, StagedOutput> }> {
    const spec = this.spec;
    const containerized = this.target.driver.containerized;
    const files = runFiles(this.job.run_dir);
    fs.mkdirSync(path.dirname(files.logFile), { recursive: true });
    // mlw's own lines go to the system log and the event stream; the user log holds only what the run printed,
    // so a driver can rewrite it from the container's log after a restart without shifting offsets.
    fs.mkdirSync(path.dirname(files.systemLogFile), { recursive: true });
    const log = (line: string) => {
      const text = line.endsWith('\n') ? line : line + '\n';
      fs.appendFileSync(files.systemLogFile, `${new Date().toISOString()} ${text}`);
      this.ctx.events.append(this.job.name, { type: 'log', text });
    };
    if (stage) this.copyCode(files.codeDir);
    let image: string | undefined;
    let hostEnvironment: HostEnvironment | undefined;
    if (containerized) {
      const environment = spec.environment ?? (this.target.defaultImage ? { image: this.target.defaultImage } : undefined);
      if (!environment) throw new Error(`compute ${this.target.name} runs containers, so the job needs an environment (or the compute a default_image)`);
      if (stage) {
        const built = await this.ctx.environments().ensure(environment, { onLog: (line) => log(`[environment] ${line}`), signal: this.abort.signal });
        log(`[environment] ${built.built ? 'built image' : 'using cached image'} ${built.image}`);
        image = built.image;
        this.ctx.jobs.patch(this.job.name, { image });
      } else {
        image = this.job.image ?? undefined;
      }
    } else if (stage) {
      hostEnvironment = await prepareHostEnvironment(this.ctx.hostEnvironments(), spec.environment, this.target.name, log, this.abort.signal);
    }
    const staging = { runDir: this.job.run_dir, containerized, resolver: this.ctx.resolver, log };
    const inputs = await stageInputs((spec.inputs ?? {}) as never, {
      ...staging,
      alreadyStaged: !stage,
      specDir: spec.spec_dir,
      dataAsset: (name: string, version?: string, label?: string, kind: 'data' | 'model' = 'data') => spec.data_assets?.[dataAssetKey(kind, name, version, label)],
    });
    const outputs = await prepareOutputs((spec.outputs ?? {}) as never, { ...staging, jobName: this.job.name, defaultDatastore: spec.default_datastore ?? this.ctx.defaultDatastore, timeoutSeconds: Number(spec.limits?.timeout ?? 0) });
    // Also after a restart (INSERT OR REPLACE): that restores rows the database may have lost.
    for (const output of Object.values(outputs)) {
      const type = ((spec.outputs?.[output.name] as { type?: string } | null | undefined)?.type) ?? 'uri_folder';
      this.ctx.jobs.addOutput({ job_name: this.job.name, name: output.name, type, mode: output.mode, uri: output.uri, host_path: output.hostDir });
    }
    const mounts: RunMount[] = [...Object.values(inputs).flatMap((i) => (i.mount ? [i.mount] : [])), ...Object.values(outputs).flatMap((o) => (o.mount ? [o.mount] : []))];
    if (containerized) mounts.unshift({ source: files.codeDir, target: CONTAINER_CODE_DIR, readOnly: false });
    const command = substituteCommand(spec.command, {
      inputs: Object.fromEntries(Object.values(inputs).map((i) => [i.name, i.value])),
      outputs: Object.fromEntries(Object.values(outputs).map((o) => [o.name, o.value])),
    });
    const env: Record<string, string> = {
      ...Object.fromEntries(Object.entries(spec.environment_variables ?? {}).map(([key, value]) => [key, String(value)])),
      AZUREML_RUN_ID: this.job.name,
      MLW_JOB_NAME: this.job.name,
      ...Object.assign({}, ...Object.values(inputs).map((input) => input.env ?? {}), ...Object.values(outputs).map((output) => output.env ?? {})),
      ...(await this.ctx.runEnvironment(this.job, { containerized })),
    };
    if (hostEnvironment) Object.assign(env, environmentVariables(hostEnvironment, env.PATH ?? process.env.PATH));
    if (spec.distributed) refuseDistributedWithoutInstances(spec, this.target);
    const distributed = spec.distributed && distributedInstances(this.job.name, spec.distributed, command, path.dirname(files.logFile));
    const plan: RunPlan = {
      runId: this.job.name,
      command: distributed?.command ?? command,
      workingDir: containerized ? CONTAINER_CODE_DIR : files.codeDir,
      env,
      mounts,
      ...(image ? { image } : {}),
      ...(this.target.resources || spec.shm_bytes ? { resources: { ...this.target.resources, ...(spec.shm_bytes ? { shmBytes: spec.shm_bytes } : {}) } } : {}),
      logFile: files.logFile,
      stateDir: files.stateDir,
      labels: { [WORKSPACE_LABEL]: this.ctx.workspaceRoot },
      onExit: (exit) => this.recordExit(exit),
      ...(distributed ? { instances: distributed.instances } : {}),
      notice: log,
      waiting: (reason) => {
        if (this.job.status === 'Preparing' && !this.abort.signal.aborted) this.transition('Preparing', reason);
      },
    };
    if (stage) log(`[mlw] running on ${this.target.name} (${this.target.type}): ${redactSas(command)}`);
    return { plan, outputs };
  }

  private copyCode(codeDir: string): void {
    fs.rmSync(codeDir, { recursive: true, force: true });
    if (this.job.snapshot_hash) fs.cpSync(path.join(this.ctx.snapshots, this.job.snapshot_hash), codeDir, { recursive: true });
    else fs.mkdirSync(codeDir, { recursive: true });
    // A container runs as an unprivileged user that must be able to write into its working folder.
    fs.chmodSync(codeDir, 0o777);
  }

  private startTail(logFile: string): void {
    if (this.tailer) return;
    // The file must exist to be watched; drivers only ever append to it (or rewrite the same content).
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    fs.closeSync(fs.openSync(logFile, 'a'));
    this.tailer = new LogTailer(logFile, this.job.log_offset, (piece) => {
      // A read in flight when the runner detached still hands its piece over; the next control plane reads it again.
      if (this.detached.signal.aborted) return;
      // One commit: a crash between storing a piece and its new offset would publish the piece again on re-attach.
      this.ctx.transaction(() => {
        this.ctx.events.appendLog(this.job.name, piece);
        this.ctx.jobs.patch(this.job.name, { log_offset: piece.to });
      });
    });
    this.tailer.start();
  }

  private async follow(handle: RunHandle, logFile: string): Promise<RunExit> {
    this.startTail(logFile);
    const spec = this.spec;
    const timeoutSeconds = Number(spec.limits?.timeout ?? 0);
    let timer: NodeJS.Timeout | undefined;
    if (timeoutSeconds > 0) {
      const elapsed = Date.now() - (this.ctx.jobs.get(this.job.name)?.started_at ?? Date.now());
      timer = setTimeout(() => void this.cancel(`exceeded limits.timeout of ${timeoutSeconds} s`, 'Canceled'), Math.max(0, timeoutSeconds * 1000 - elapsed));
    }
    try {
      return await Promise.race([handle.exited, untilAborted(this.detached.signal)]);
    } finally {
      clearTimeout(timer);
      if (!this.detached.signal.aborted) await this.tailer!.drain();
    }
  }

  private async finalize(outputs: Record<string, StagedOutput>): Promise<void> {
    for (const output of Object.values(outputs)) await output.finalize();
  }

  /** Outputs with a `name` become data or model assets whose lineage is this job (all of them, or none). */
  private registerOutputs(): void {
    const spec = this.spec;
    const named = this.ctx.jobs.outputs(this.job.name).flatMap((row) => {
      const declared = spec.outputs?.[row.name] as { name?: string; version?: string | number } | null | undefined;
      return declared?.name ? [{ job: this.job.name, output: row.name, assetName: declared.name, ...(declared.version !== undefined ? { version: String(declared.version) } : {}), type: row.type, uri: row.uri }] : [];
    });
    if (named.length === 0) return;
    for (const registered of this.ctx.registerOutputs(named)) this.ctx.events.append(this.job.name, { type: 'log', text: `[mlw] output ${registered}\n` });
  }

  private transition(status: JobStatus, reason?: string): void {
    this.ctx.lifecycle.transition(this.job, status, reason ? { reason } : {});
  }

  private end(status: JobStatus, reason?: string): void {
    this.tailer?.stop();
    this.transition(status, reason);
  }
}

/** Rejects once `signal` is aborted. */
function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('detached')), { once: true }));
}

function failureReason(exit: RunExit, logFile: string): string {
  let tail = '';
  try {
    tail = fs.readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-REASON_TAIL_LINES).join('\n');
  } catch {
    // No output at all.
  }
  const head = exit.reason ? `${exit.reason} (exit code ${exit.exitCode})` : `exit code ${exit.exitCode}`;
  return tail ? `${head}; last log lines:\n${tail}` : head;
}
