import type Docker from 'dockerode';
import { createWriteStream, mkdirSync, realpathSync } from 'node:fs';
import * as path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { reportExit, RUN_LABEL, type ComputeDriver, type ReattachPlan, type RunExit, type RunHandle, type RunMount, type RunPlan } from './driver';
import { describeExit, engineContinuity, stopSignal, type EngineContinuity } from './docker-exit';
import {
  connectDocker, engineMessage, engineSocketPath, explainEngineError, freshConnectionClient, httpStatusOf, isConnectionError, pingEngine, unlessAbsent, type DockerConnection,
} from './docker-engine';
import { abandonInstances, INSTANCE_LABEL, startInstances, type InstancePlacement } from './docker-instances';
import { appendAfterExisting, pipeDockerFrames, readBody, writeDockerFrames } from './docker-streams';

export interface DockerDriverOptions extends DockerConnection {
  /** `uid:gid` the run's processes have; default `1000:1000`. Never root unless asked for here. */
  user?: string;
  /** Seconds between SIGTERM and SIGKILL when a run is stopped; default 10. */
  stopGraceSeconds?: number;
  /**
   * For an engine that cannot bind this machine's paths (a remote one): copies the plan's mounts into each container
   * before it starts and the writable ones back after it exits (of a multi-instance run, instance 0's only). Default:
   * bind mounts.
   */
  mountCopier?: MountCopier;
}

export interface MountCopier {
  copyIn(container: Docker.Container, mounts: RunMount[]): Promise<void>;
  copyOut(container: Docker.Container, mounts: RunMount[]): Promise<void>;
}

const DEFAULT_USER = '1000:1000';
const DEFAULT_STOP_GRACE_SECONDS = 10;
/**
 * The engine reads stdout and stderr from two pipes in two goroutines, so their relative order is lost (measured:
 * `echo a; echo b >&2; echo c` came back reordered in most runs). One pipe for both keeps the log in the order written;
 * the image's own entrypoint is replaced, as the command is a complete shell command.
 */
const MERGE_STDERR_ENTRYPOINT = ['/bin/sh', '-c', 'exec "$@" 2>&1', 'mlw-run'];
const WELL_KNOWN_SOCKETS = ['/var/run/docker.sock', '/run/docker.sock'];

interface WaitAnswer {
  StatusCode: number;
  Error?: { Message?: string } | null;
}

/** Runs each plan in its own container, as a non-root user without capabilities. */
export class DockerDriver implements ComputeDriver {
  readonly kind = 'docker' as const;
  readonly containerized = true;
  /** Instances share a network on one engine, each with the run's folders bind-mounted or its own copy of them. */
  readonly runsInstances = true;
  private readonly docker: Docker;
  /** For the questions only a new connection answers truthfully (is the engine going away?). */
  private readonly probe: Docker;
  private readonly user: string;
  private readonly stopGraceSeconds: number;
  private readonly mountCopier: MountCopier | undefined;

  constructor(options: DockerDriverOptions = {}) {
    this.docker = connectDocker(options);
    this.probe = freshConnectionClient(this.docker);
    this.user = options.user ?? DEFAULT_USER;
    this.stopGraceSeconds = options.stopGraceSeconds ?? DEFAULT_STOP_GRACE_SECONDS;
    this.mountCopier = options.mountCopier;
  }

  ping(): Promise<void> {
    return pingEngine(this.docker);
  }

  async start(plan: RunPlan): Promise<RunHandle> {
    if (!plan.image) throw new Error(`run ${plan.runId}: the docker compute needs an image (environment)`);
    this.rejectEngineSocketMounts(plan.mounts);
    if (plan.instances?.length) {
      return startInstances(this.docker, plan, (instancePlan, placement, sink) => this.startContainer(instancePlan, placement, sink));
    }
    return this.startContainer(plan, undefined, () => {
      mkdirSync(path.dirname(plan.logFile), { recursive: true });
      return createWriteStream(plan.logFile, { flags: 'a' });
    });
  }

  private async startContainer(plan: RunPlan, placement: InstancePlacement | undefined, openLog: () => Writable): Promise<RunHandle> {
    const image = plan.image!;
    let container: Docker.Container;
    try {
      container = await this.docker.createContainer({ ...this.containerSpec(plan, image, placement), ...(placement ? { name: placement.name } : {}) });
    } catch (error) {
      if (httpStatusOf(error) === 404) {
        throw new Error(`image ${image} is not available locally; build it or load it with docker load`);
      }
      const explained = explainEngineError(error, this.docker);
      if (explained !== error) throw explained;
      throw new Error(`run ${plan.runId}: container could not be created: ${engineMessage(error)}`, { cause: error });
    }

    // Attach and wait are both established before start, as `docker run` does: no output and no exit can be missed.
    const abort = new AbortController();
    try {
      await this.mountCopier?.copyIn(container, plan.mounts);
      const [output, waitStream] = await Promise.all([
        (container.attach({ stream: true, stdout: true, stderr: true, abortSignal: abort.signal }) as unknown as Promise<Readable>)
          .then(ignoreErrorsAfterAbort),
        this.openWait(container.id, 'next-exit', abort.signal).then(ignoreErrorsAfterAbort),
      ]);
      const written = pipeDockerFrames(output, openLog());
      await container.start();
      // Copied folders come back from instance 0 only, so a run's outputs are written once.
      const sendsBack = !placement || plan.labels[INSTANCE_LABEL] === '0';
      return this.track(container, readWaitAnswer(waitStream), written, plan.onExit, sendsBack ? plan.mounts : undefined);
    } catch (error) {
      abort.abort();
      await container.remove({ force: true }).catch(() => undefined);
      throw new Error(`run ${plan.runId}: container did not start: ${engineMessage(explainEngineError(error, this.docker))}`, {
        cause: error,
      });
    }
  }

  async reattach(runId: string, ref: string, plan: ReattachPlan): Promise<RunHandle | undefined> {
    const info = await this.findRunContainer(runId, ref);
    if (!info) return undefined;
    if (info.Config.Labels?.[INSTANCE_LABEL] !== undefined) return abandonInstances(this.docker, runId, plan);
    const container = this.docker.getContainer(info.Id);
    mkdirSync(path.dirname(plan.logFile), { recursive: true });
    const logFile = appendAfterExisting(plan.logFile);

    if (info.State.Running) {
      const waitStream = await this.openWait(info.Id, 'not-running');
      const logs = (await container.logs({ follow: true, stdout: true, stderr: true })) as unknown as Readable;
      return this.track(container, readWaitAnswer(waitStream), pipeDockerFrames(logs, logFile), plan.onExit, plan.mounts);
    }

    const logs = (await container.logs({ follow: false, stdout: true, stderr: true })) as unknown as Buffer;
    await writeDockerFrames(logs, logFile);
    let exit: RunExit =
      info.State.Status === 'created'
        ? { exitCode: -1, reason: 'container was created but never started (the control plane stopped before starting it)' }
        : describeExit(info.State.ExitCode, info, { stopRequested: false, engine: await this.continuityIfKilled(info.State.ExitCode, info) });
    if (info.State.Status !== 'created') exit = await this.copyOut(container, plan.mounts, exit);
    reportExit(plan.onExit, exit);
    await this.remove(container);
    return { ref: info.Id, exited: Promise.resolve(exit), stop: async () => undefined };
  }

  private containerSpec(plan: RunPlan, image: string, placement?: InstancePlacement): Docker.ContainerCreateOptions {
    const env = { HOME: '/tmp', ...plan.env };
    const resources = plan.resources ?? {};
    return {
      Image: image,
      Entrypoint: MERGE_STDERR_ENTRYPOINT,
      Cmd: ['/bin/sh', '-c', plan.command],
      WorkingDir: plan.workingDir,
      Env: Object.entries(env).map(([key, value]) => `${key}=${value}`),
      Labels: { ...plan.labels, [RUN_LABEL]: plan.runId },
      User: this.user,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      OpenStdin: false,
      HostConfig: {
        Binds: this.mountCopier ? [] : plan.mounts.map((mount) => `${mount.source}:${mount.target}${mount.readOnly ? ':ro' : ''}`),
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        // An init as PID 1 forwards SIGTERM to the shell; a bare `sh` as PID 1 ignores it and every stop would wait the full grace.
        Init: true,
        ExtraHosts: ['host.docker.internal:host-gateway'],
        AutoRemove: false,
        ...(resources.cpus ? { NanoCpus: Math.round(resources.cpus * 1e9) } : {}),
        ...(resources.memoryBytes ? { Memory: resources.memoryBytes, MemorySwap: resources.memoryBytes } : {}),
        ...(resources.shmBytes ? { ShmSize: resources.shmBytes } : {}),
        ...(placement ? { NetworkMode: placement.network } : {}),
      },
      ...(placement ? { NetworkingConfig: { EndpointsConfig: { [placement.network]: { Aliases: [placement.alias] } } } } : {}),
    };
  }

  /** Refuses any mount that would hand the run the engine's socket (the socket itself or a folder holding it). */
  private rejectEngineSocketMounts(mounts: RunMount[]): void {
    const sockets = [engineSocketPath(this.docker), ...WELL_KNOWN_SOCKETS].filter((s): s is string => !!s).map(realPath);
    for (const mount of mounts) {
      const source = realPath(mount.source);
      const exposes = sockets.some((socket) => socket === source || socket.startsWith(source.endsWith('/') ? source : `${source}/`));
      if (exposes) throw new Error(`mount ${mount.source} would expose the Docker engine socket to the run; refused`);
    }
  }

  /** `/wait` answers headers once the engine registered the waiter, so a start after that cannot be missed. */
  private openWait(containerId: string, condition: 'next-exit' | 'not-running', signal?: AbortSignal): Promise<Readable> {
    return new Promise<Readable>((resolve, reject) => {
      this.docker.modem.dial(
        {
          path: `/containers/${containerId}/wait?`,
          method: 'POST',
          isStream: true,
          abortSignal: signal,
          statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
          options: { condition },
        },
        (error: unknown, stream: unknown) => (error ? reject(error) : resolve(stream as Readable)),
      );
    });
  }

  private track(container: Docker.Container, waitAnswer: Promise<WaitAnswer>, written: Promise<void>, onExit?: (exit: RunExit) => void, mounts?: RunMount[]): RunHandle {
    let stopRequested = false;
    const exited = (async (): Promise<RunExit> => {
      let exitCode: number | undefined;
      let waitFailure: string | undefined;
      try {
        const answer = await waitAnswer;
        exitCode = answer.StatusCode;
        waitFailure = answer.Error?.Message || undefined;
      } catch (error) {
        waitFailure = engineMessage(error);
      }
      await written.catch(() => undefined);
      if (exitCode === 0 && !stopRequested) {
        const exit = await this.copyOut(container, mounts, { exitCode: 0 });
        reportExit(onExit, exit);
        await this.remove(container);
        return exit;
      }
      let engineGone = false;
      const info = await container.inspect().catch((error: unknown) => ((engineGone = isConnectionError(error)), undefined));
      const code = exitCode ?? info?.State.ExitCode ?? -1;
      const engine: EngineContinuity = engineGone ? 'restarted' : stopRequested ? 'unknown' : await this.continuityIfKilled(code, info);
      const exit =
        exitCode === undefined && !info && !engineGone
          ? { exitCode: -1, reason: `container vanished${waitFailure ? ` (${waitFailure})` : ''}` }
          : describeExit(code, info, { stopRequested, engine });
      if (info && !engineGone) await this.copyOut(container, mounts, exit);
      reportExit(onExit, exit);
      await this.remove(container);
      return exit;
    })();
    return {
      ref: container.id,
      exited,
      stop: async () => {
        stopRequested = true;
        try {
          await container.stop({ t: this.stopGraceSeconds });
        } catch (error) {
          const status = httpStatusOf(error);
          if (status !== 304 && status !== 404 && status !== 409) throw explainEngineError(error, this.docker);
        }
        await exited;
      },
    };
  }

  private async findRunContainer(runId: string, ref: string): Promise<Docker.ContainerInspectInfo | undefined> {
    const byRef = ref ? await this.inspectIfPresent(ref) : undefined;
    if (byRef && byRef.Config.Labels?.[RUN_LABEL] === runId) return byRef;
    const listed = await this.docker
      .listContainers({ all: true, filters: { label: [`${RUN_LABEL}=${runId}`] } })
      .catch((error: unknown) => Promise.reject(explainEngineError(error, this.docker)));
    return listed[0] ? this.inspectIfPresent(listed[0].Id) : undefined;
  }

  private inspectIfPresent(id: string): Promise<Docker.ContainerInspectInfo | undefined> {
    return unlessAbsent(this.docker, () => this.docker.getContainer(id).inspect());
  }

  /**
   * Copies the writable mounts back from an exited container (with a mount copier). The run's outputs are only
   * complete once that worked, so a run that succeeded but whose outputs could not be had fails with the reason.
   */
  private async copyOut(container: Docker.Container, mounts: RunMount[] | undefined, exit: RunExit): Promise<RunExit> {
    if (!this.mountCopier || !mounts) return exit;
    try {
      await this.mountCopier.copyOut(container, mounts);
      return exit;
    } catch (error) {
      const message = engineMessage(explainEngineError(error, this.docker));
      return exit.exitCode === 0 && !exit.reason ? { exitCode: exit.exitCode, reason: `the run's outputs could not be copied back: ${message}` } : exit;
    }
  }

  /** Only a run that died of SIGTERM or SIGKILL can have been stopped by an engine shutdown; that is worth a look. */
  private async continuityIfKilled(exitCode: number, info: Docker.ContainerInspectInfo | undefined): Promise<EngineContinuity> {
    return stopSignal(exitCode) ? engineContinuity(this.probe, info) : 'unknown';
  }

  /** Removal after the exit is collected (never AutoRemove: the exit code would race the removal). */
  private async remove(container: Docker.Container): Promise<void> {
    await container.remove({ force: true, v: true }).catch(() => undefined);
  }
}

/** A stream destroyed by the abort after a failed start must not raise an unhandled 'error'. */
function ignoreErrorsAfterAbort(stream: Readable): Readable {
  return stream.on('error', () => undefined);
}

async function readWaitAnswer(stream: Readable): Promise<WaitAnswer> {
  const body = await readBody(stream);
  const answer = JSON.parse(body) as Partial<WaitAnswer>;
  if (typeof answer.StatusCode !== 'number') throw new Error(`unexpected answer from the engine: ${body}`);
  return answer as WaitAnswer;
}

function realPath(filePath: string): string {
  try {
    return realpathSync(filePath);
  } catch {
    return path.resolve(filePath);
  }
}
