import type Docker from 'dockerode';
import http from 'node:http';
import { PassThrough } from 'node:stream';
import { WORKSPACE_LABEL } from '../compute/driver';
import { connectDocker, engineMessage, explainEngineError, httpStatusOf, type DockerConnection } from '../compute/docker-engine';
import { writeDockerFrames } from '../compute/docker-streams';
import { modelMountPath, type DeploymentPlan } from './deployment-plan';
import type { DeploymentInstance } from './records';
import { bundledFile, SCORING_HOST_MOUNT, SCORING_PORT, scoringHostPath } from './scoring-host';

export const ENDPOINT_LABEL = 'mlw.endpoint';
export const DEPLOYMENT_LABEL = 'mlw.deployment';
export const GENERATION_LABEL = 'mlw.deployment.generation';
const PORT_KEY = `${SCORING_PORT}/tcp`;
/** How many of a container's last log lines a failure or an Unhealthy state shows. */
export const LOG_TAIL_LINES = 20;
/** How long the router's direct route to a container may take to answer before the loopback port is used instead. */
const ADDRESS_PROBE_MS = 500;

export interface DeploymentContainersOptions extends DockerConnection {
  workspace: string;
  /** `uid:gid` of the scoring process; never root. */
  user: string;
  /** Extra labels on every container (tests mark theirs to remove them). */
  labels?: Record<string, string>;
}

export interface InstanceState {
  running: boolean;
  /** Exited and about to be started again by the engine (its restart count already counts that restart). */
  restarting: boolean;
  restartCount: number;
  exitCode: number;
  /** The loopback port, which may change when the engine restarts the container. */
  port?: number;
  /** The container's address on its network. */
  address?: string;
}

/** Why a deployment could not be provisioned, with its container's last log lines. */
export class ProvisioningError extends Error {}

/** The scoring containers of deployments on the local Docker engine: one per instance, published on loopback only. */
export class DeploymentContainers {
  private readonly docker: Docker;

  constructor(private readonly options: DeploymentContainersOptions) {
    this.docker = connectDocker(options);
  }

  /** Starts `plan.instanceCount` containers and waits until each is ready; removes them all if one is not. */
  async startAll(endpoint: string, deployment: string, generation: number, plan: DeploymentPlan, image: string, signal?: AbortSignal): Promise<DeploymentInstance[]> {
    const started: DeploymentInstance[] = [];
    try {
      for (let index = 0; index < plan.instanceCount; index++) started.push(await this.start(endpoint, deployment, generation, plan, image));
      await Promise.all(started.map((instance) => this.waitReady(instance, plan, signal)));
      return Promise.all(started.map(async (instance) => this.located(instance.container, await this.state(instance.container), instance.port)));
    } catch (error) {
      await this.remove(started.map((instance) => instance.container));
      throw error;
    }
  }

  private async start(endpoint: string, deployment: string, generation: number, plan: DeploymentPlan, image: string): Promise<DeploymentInstance> {
    let container: Docker.Container;
    try {
      container = await this.docker.createContainer(this.containerSpec(endpoint, deployment, generation, plan, image));
      await container.start();
    } catch (error) {
      if (httpStatusOf(error) === 404) throw new ProvisioningError(`image ${image} is not available locally`);
      throw new ProvisioningError(`deployment ${deployment}: its container could not start: ${engineMessage(explainEngineError(error, this.docker))}`);
    }
    const state = await this.state(container.id);
    return { container: container.id, port: state?.port ?? 0 };
  }

  private containerSpec(endpoint: string, deployment: string, generation: number, plan: DeploymentPlan, image: string): Docker.ContainerCreateOptions {
    const env: Record<string, string> = {
      HOME: '/tmp',
      PYTHONUNBUFFERED: '1',
      ...plan.environmentVariables,
      AML_APP_ROOT: plan.code.mountDir,
      AZUREML_ENTRY_SCRIPT: plan.code.scoringScript,
      ...(plan.model ? { AZUREML_MODEL_DIR: plan.model.modelDir, MLW_MODEL_PATH: modelMountPath(plan.model) } : {}),
      MLW_SCORING_PORT: String(SCORING_PORT),
      MLW_REQUEST_TIMEOUT_MS: String(plan.request.timeoutMs),
      MLW_MAX_CONCURRENT_REQUESTS: String(plan.request.maxConcurrent),
      MLW_MAX_QUEUE_WAIT_MS: String(plan.request.maxQueueWaitMs),
    };
    const code = plan.code.builtin ? `${bundledFile(plan.code.scoringScript)}:${plan.code.mountDir}/${plan.code.scoringScript}:ro` : `${plan.code.hostDir}:${plan.code.mountDir}:ro`;
    const binds = [`${scoringHostPath()}:${SCORING_HOST_MOUNT}:ro`, code, ...(plan.model ? [`${plan.model.hostPath}:${modelMountPath(plan.model)}:ro`] : [])];
    return {
      Image: image,
      Entrypoint: ['python3', SCORING_HOST_MOUNT],
      Cmd: [],
      WorkingDir: plan.code.mountDir,
      Env: Object.entries(env).map(([key, value]) => `${key}=${value}`),
      Labels: { ...this.options.labels, [WORKSPACE_LABEL]: this.options.workspace, [ENDPOINT_LABEL]: endpoint, [DEPLOYMENT_LABEL]: deployment, [GENERATION_LABEL]: String(generation) },
      User: this.options.user,
      ExposedPorts: { [PORT_KEY]: {} },
      HostConfig: {
        Binds: binds,
        PortBindings: { [PORT_KEY]: [{ HostIp: '127.0.0.1', HostPort: '' }] },
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        Init: true,
        // A crashing scoring process is started again by the engine (with its back-off); the monitor reports it.
        RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 0 },
      },
    };
  }

  /** Polls the readiness route until it answers 200; fails at once when the container stops or restarts. */
  private async waitReady(instance: DeploymentInstance, plan: DeploymentPlan, signal?: AbortSignal): Promise<void> {
    const probe = plan.readiness;
    const limitS = probe.initialDelayS + probe.periodS * probe.failureThreshold;
    const deadline = Date.now() + limitS * 1000;
    for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
      if (signal?.aborted) throw new ProvisioningError('the control plane stopped while the deployment was being provisioned');
      const state = await this.state(instance.container);
      if (!state || !state.running || state.restartCount > 0) {
        const logs = await this.logs(instance.container, LOG_TAIL_LINES);
        throw new ProvisioningError(`container ${instance.container.slice(0, 12)} exited${state ? ` with code ${state.exitCode}` : ''} before it was ready; its last log lines:\n${logs}`);
      }
      if (state.port && (await readyAt('127.0.0.1', state.port, probe.timeoutS * 1000))) return;
      if (Date.now() > deadline) {
        const logs = await this.logs(instance.container, LOG_TAIL_LINES);
        throw new ProvisioningError(`container ${instance.container.slice(0, 12)} was not ready within ${limitS} s (readiness_probe); its last log lines:\n${logs}`);
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  /**
   * The instance with its loopback port and, when this host reaches the container's own address (a local Linux
   * engine), that address: the router sends there and spares each request the engine's port forwarding process.
   */
  async located(container: string, state: InstanceState | undefined, port: number): Promise<DeploymentInstance> {
    const address = state?.address && (await readyAt(state.address, SCORING_PORT, ADDRESS_PROBE_MS)) ? state.address : undefined;
    return { container, port: state?.port ?? port, ...(address ? { address } : {}) };
  }

  async state(container: string): Promise<InstanceState | undefined> {
    try {
      const info = await this.docker.getContainer(container).inspect();
      const binding = info.NetworkSettings.Ports?.[PORT_KEY]?.find((entry) => entry.HostIp === '127.0.0.1') ?? info.NetworkSettings.Ports?.[PORT_KEY]?.[0];
      const address = Object.values(info.NetworkSettings.Networks ?? {}).find((network) => network.IPAddress)?.IPAddress;
      return { running: info.State.Running && !info.State.Restarting, restarting: info.State.Restarting, restartCount: info.RestartCount, exitCode: info.State.ExitCode, ...(binding ? { port: Number(binding.HostPort) } : {}), ...(address ? { address } : {}) };
    } catch (error) {
      if (httpStatusOf(error) === 404) return undefined;
      throw explainEngineError(error, this.docker);
    }
  }

  /** The container's last `lines` log lines (stdout and stderr as written). */
  async logs(container: string, lines: number): Promise<string> {
    try {
      const frames = (await this.docker.getContainer(container).logs({ stdout: true, stderr: true, follow: false, tail: lines })) as unknown as Buffer;
      const sink = new PassThrough();
      const chunks: Buffer[] = [];
      sink.on('data', (chunk: Buffer) => chunks.push(chunk));
      await writeDockerFrames(frames, sink);
      return Buffer.concat(chunks).toString('utf8');
    } catch (error) {
      return `(no log: ${engineMessage(error)})`;
    }
  }

  /** Containers of a deployment generation that a previous daemon left. */
  async find(endpoint: string, deployment: string, generation: number): Promise<string[]> {
    const filters = { label: [`${WORKSPACE_LABEL}=${this.options.workspace}`, `${ENDPOINT_LABEL}=${endpoint}`, `${DEPLOYMENT_LABEL}=${deployment}`, `${GENERATION_LABEL}=${generation}`] };
    return (await this.docker.listContainers({ all: true, filters })).map((c) => c.Id);
  }

  /** Every container of a deployment (all generations), or of an endpoint when `deployment` is not given. */
  async ofDeployment(endpoint: string, deployment?: string): Promise<string[]> {
    const filters = { label: [`${WORKSPACE_LABEL}=${this.options.workspace}`, `${ENDPOINT_LABEL}=${endpoint}`, ...(deployment ? [`${DEPLOYMENT_LABEL}=${deployment}`] : [])] };
    return (await this.docker.listContainers({ all: true, filters })).map((c) => c.Id);
  }

  /** Restarts a container whose scoring process no longer answers (SIGKILL after the engine's grace). */
  async restart(container: string): Promise<void> {
    await this.docker.getContainer(container).restart({ t: 2 }).catch((error: unknown) => (httpStatusOf(error) === 404 ? undefined : Promise.reject(explainEngineError(error, this.docker))));
  }

  async remove(containers: string[]): Promise<void> {
    await Promise.all(containers.map((id) => this.docker.getContainer(id).remove({ force: true, v: true }).catch((error: unknown) => (httpStatusOf(error) === 404 ? undefined : Promise.reject(explainEngineError(error, this.docker))))));
  }
}

/** Where the router sends a request for an instance: the container's own address, else its loopback port. */
export function upstreamOf(instance: DeploymentInstance): { host: string; port: number } {
  return instance.address ? { host: instance.address, port: SCORING_PORT } : { host: '127.0.0.1', port: instance.port };
}

function readyAt(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get({ host, port, path: '/ready', timeout: timeoutMs, agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}
