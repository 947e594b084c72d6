import Docker from 'dockerode';
import { Unavailable } from '../../errors';
import { DockerDriver } from '../docker';
import { ENGINE_RESTARTED_REASON } from '../docker-exit';
import { engineMessage, httpStatusOf } from '../docker-engine';
import type { ComputeDriver, ReattachPlan, RunExit, RunHandle, RunPlan } from '../driver';
import { archiveMountCopier } from './mount-archive';
import { connectRemoteEngine, remoteEngineRefusal, type HostKeyCheck, type RemoteEngine } from './remote-engine';

export interface RemoteDriverOptions {
  /** The engine on this machine that holds the images runs use (default: `DOCKER_HOST` or the local socket). */
  local?: Docker;
  /** `uid:gid` the run's processes have; default `1000:1000`. */
  user?: string;
  stopGraceSeconds?: number;
  /** Serves the tracking API on one of this machine's addresses; resolves to where runs reach it there. */
  trackingAt?: (address: string) => Promise<RemoteTracking>;
}

/** The tracking API as a remote engine's containers reach it: an HTTPS URI and the certificate (a file) it serves. */
export interface RemoteTracking {
  uri: string;
  certificateFile: string;
  /** The port the listener had before, when another program took it: runs started before then lose tracking. */
  movedFrom?: number;
}

/** Where the run finds the tracking listener's certificate, which `MLFLOW_TRACKING_SERVER_CERT_PATH` names. */
const CONTAINER_TRACKING_CERTIFICATE = '/mlw/tracking/server-cert.pem';

/** What the control plane gives runs so they reach its tracking API; a remote engine has no route back to it. */
const TRACKING_VARIABLES = ['MLFLOW_TRACKING_URI', 'MLFLOW_RUN_ID', 'MLFLOW_EXPERIMENT_ID', 'MLFLOW_TRACKING_TOKEN'];
const DEFAULT_USER = '1000:1000';

/**
 * Runs each plan in a container on a remote Docker engine (mutual TLS or SSH), a distributed one in a container per
 * instance there. The container code is the Docker driver's, with a client to the remote engine; what differs is that
 * images are shipped to it (once, by id), mounts are copied in and out instead of bound, and the engine's failures
 * are told as the remote engine's.
 */
export class RemoteDriver implements ComputeDriver {
  readonly kind = 'remote' as const;
  readonly containerized = true;
  readonly runsInstances = true;
  private readonly remote: Docker;
  private readonly local: Docker;
  private readonly containers: DockerDriver;
  private readonly hostKey: HostKeyCheck = {};
  /** Image ids being shipped, so that runs starting together send an image once. */
  private readonly shipping = new Map<string, Promise<void>>();

  constructor(
    private readonly compute: string,
    private readonly engine: RemoteEngine,
    private readonly options: RemoteDriverOptions = {},
  ) {
    this.remote = connectRemoteEngine(engine, this.hostKey);
    this.local = options.local ?? new Docker();
    const user = options.user ?? DEFAULT_USER;
    this.containers = new DockerDriver({ docker: this.remote, user, stopGraceSeconds: options.stopGraceSeconds, mountCopier: archiveMountCopier(user) });
  }

  async ping(): Promise<void> {
    try {
      await this.remote.ping();
    } catch (error) {
      throw this.explain(error);
    }
  }

  async start(plan: RunPlan): Promise<RunHandle> {
    if (!plan.image) throw new Error(`run ${plan.runId}: the remote compute ${this.compute} needs an image (environment)`);
    await this.ping();
    const image = await this.ensureImage(plan.image);
    const tracking = await this.tracking(plan);
    try {
      return this.translated(await this.containers.start({ ...plan, image, ...tracking }));
    } catch (error) {
      throw this.explain(error);
    }
  }

  async reattach(runId: string, ref: string, plan: ReattachPlan): Promise<RunHandle | undefined> {
    try {
      const handle = await this.containers.reattach(runId, ref, plan);
      if (handle) await this.serveTrackingAgain(plan);
      return handle && this.translated(handle);
    } catch (error) {
      throw this.explain(error);
    }
  }

  /**
   * The run's environment and mounts with the tracking API at `tracking_address`, where this control plane serves it
   * over HTTPS for the engine's containers, and the certificate to trust there copied in with the mounts; without
   * that address the engine has no known route back, so tracking is off.
   */
  private async tracking(plan: RunPlan): Promise<Pick<RunPlan, 'env' | 'mounts'>> {
    const env = { ...plan.env };
    if (env.MLFLOW_TRACKING_TOKEN === undefined) return { env, mounts: plan.mounts };
    const address = this.engine.trackingAddress;
    if (address && this.options.trackingAt) {
      const { uri, certificateFile } = await this.options.trackingAt(address);
      env.MLFLOW_TRACKING_URI = uri;
      env.MLFLOW_TRACKING_SERVER_CERT_PATH = CONTAINER_TRACKING_CERTIFICATE;
      plan.notice?.(`[mlw] tracking: runs on compute ${this.compute} log to ${uri}`);
      return { env, mounts: [...plan.mounts, { source: certificateFile, target: CONTAINER_TRACKING_CERTIFICATE, readOnly: true }] };
    }
    for (const name of TRACKING_VARIABLES) delete env[name];
    const why = address ? 'this control plane serves no tracking API' : 'the compute has no tracking_address (an address of this machine its containers can reach)';
    plan.notice?.(`[mlw] tracking is off on compute ${this.compute}: ${why}, so MLFLOW_TRACKING_URI is not set`);
    return { env, mounts: plan.mounts };
  }

  /** A run this control plane's predecessor started logs to its `tracking_address` listener: that listens again. */
  private async serveTrackingAgain(plan: ReattachPlan): Promise<void> {
    const address = this.engine.trackingAddress;
    if (plan.env?.MLFLOW_TRACKING_TOKEN === undefined || !address || !this.options.trackingAt) return;
    const tracking = await this.options.trackingAt(address).catch((error: unknown) => void plan.notice?.(`[mlw] tracking lost: ${(error as Error).message}`));
    if (tracking?.movedFrom) {
      plan.notice?.(`[mlw] tracking lost: this run logs to port ${tracking.movedFrom} of ${address}, which another program took while the control plane restarted; the tracking API listens at ${tracking.uri} now, so what the run logs from here on is not recorded`);
    }
  }

  /** The image's id, after sending the image from this machine's engine when the remote one lacks it. */
  private async ensureImage(image: string): Promise<string> {
    let id: string;
    try {
      id = (await this.local.getImage(image).inspect()).Id;
    } catch (error) {
      if (httpStatusOf(error) === 404) throw new Error(`image ${image} is not on this machine's Docker engine, so it cannot be shipped to compute ${this.compute}; build or load it here first`);
      throw new Error(`image ${image} could not be read from this machine's Docker engine: ${engineMessage(error)}`, { cause: error });
    }
    let shipped = this.shipping.get(id);
    if (!shipped) {
      shipped = this.shipIfMissing(image, id).finally(() => this.shipping.delete(id));
      this.shipping.set(id, shipped);
    }
    await shipped;
    return id;
  }

  private async shipIfMissing(image: string, id: string): Promise<void> {
    const present = await this.remote.getImage(id).inspect().then(() => true, (error: unknown) => {
      if (httpStatusOf(error) === 404) return false;
      throw this.explain(error);
    });
    if (present) return;
    try {
      const progress = await this.remote.loadImage(await this.local.getImage(id).get(), { quiet: true });
      await new Promise<void>((resolve, reject) => this.remote.modem.followProgress(progress, (error: Error | null) => (error ? reject(error) : resolve())));
    } catch (error) {
      throw new Error(`image ${image} could not be shipped to compute ${this.compute}: ${engineMessage(this.explain(error))}`, { cause: error });
    }
    if (!(await this.remote.getImage(id).inspect().then(() => true, () => false))) {
      throw new Error(`image ${image} was sent to compute ${this.compute}, but its engine does not hold ${id} afterwards`);
    }
  }

  /** An exit whose cause is the lost connection says so in the remote engine's terms. */
  private translated(handle: RunHandle): RunHandle {
    const exited = handle.exited.then((exit): RunExit => {
      if (exit.reason !== ENGINE_RESTARTED_REASON && !exit.reason?.startsWith('container vanished')) return exit;
      return { exitCode: exit.exitCode, reason: `the connection to the remote engine of compute ${this.compute} (${this.engine.endpoint}) was lost while the job ran: the engine stopped, restarted or cannot be reached; the container's end is unknown` };
    });
    return { ref: handle.ref, exited, stop: async () => {
      await handle.stop().catch((error: unknown) => Promise.reject(this.explain(error)));
      await exited;
    } };
  }

  /** A failure to talk to the engine, in words that say what to check. */
  private explain(error: unknown): Error {
    const refusal = remoteEngineRefusal(error, this.engine, this.hostKey);
    if (refusal) return new Unavailable(`compute ${this.compute}: the remote engine at ${this.engine.endpoint} ${refusal}`, { cause: error });
    return error instanceof Error ? error : new Error(String(error));
  }
}
