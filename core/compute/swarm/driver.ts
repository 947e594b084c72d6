import Docker from 'dockerode';
import fs, { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { writePrivateFile } from '../../data/fs-util';
import { Unavailable } from '../../errors';
import { reportExit, RUN_LABEL, type ComputeDriver, type ReattachPlan, type RunExit, type RunHandle, type RunPlan, type RunResources } from '../driver';
import { engineAddress, engineMessage } from '../docker-engine';
import { appendAfterExisting, resumableLog } from '../docker-streams';
import { INSTANCE_LABEL, removeNetwork, startInstances } from '../docker-instances';
import { CERTIFICATE_PATH } from './bootstrap';
import { RunDataServer, type RunDataIdentity } from './data-plane';
import { followService, POLL_INTERVAL_MS } from './follow';
import { RegistryPublisher, type RegistryAddresses } from './images';
import { swarmNodes } from './node-list';
import { instanceAddresses, instanceNodes, nodesNetworkAddress } from './nodes';
import { serviceName, serviceSpec } from './service-spec';
import { capacityOf, SwarmReserve, type ReserveSettings } from './reserve';
import type { ComputeNode } from '../../api/contracts';

export interface SwarmPlacement {
  constraints?: string[];
  /** `spread=node.labels.zone` */
  preferences?: string[];
  maxReplicasPerNode?: number;
}

export interface SwarmDriverOptions {
  /** How to reach a manager of the Swarm (`socketPath`, `host` and `port`, HTTPS with client certificates, or SSH). */
  manager: Docker.DockerOptions;
  /** Why the manager refused mlw or could not be reached, in words of the compute's spec (`tls:`, `ssh:`); undefined when it cannot tell. */
  managerRefusal?: (error: unknown) => string | undefined;
  /** This host's engine, which builds or holds the run images; default `DOCKER_HOST` or the local socket. */
  local?: Docker;
  /** The registry as the nodes pull from it; without one (nor `workspaceRegistry`), every node must already hold the run images. */
  registry?: string;
  /** Without `registry`: the workspace's registry as the nodes reach this host at the given address; none without one. */
  workspaceRegistry?: (hostAddress: () => Promise<string>) => Promise<RegistryAddresses | undefined>;
  /** The same registry as this host's engine pushes to it; default `registry`. */
  registryPush?: string;
  /** This host's address as the nodes reach it (run files and tracking go there); default: found from the nodes' addresses. */
  hostAddress?: string;
  placement?: SwarmPlacement;
  /** Added to every run service. */
  labels?: Record<string, string>;
  /** Network the tasks join (an overlay network). */
  network?: string;
  /** `uid:gid` the run's command has; default `1000:1000`. */
  user?: string;
  stopGraceSeconds?: number;
  /** Capacity held while idle (`min_instances`, `idle_time_before_scale_down`); none without. */
  reserve?: ReserveSettings;
  /** The address `host.docker.internal` stands for in a tracking URI given to the run (the Docker bridge's, on this host). */
  containerHostAddress?: () => Promise<string>;
}

/** The run's data server identity (certificate, key, token, port) in its state folder. */
const DATA_SERVER_FILE = 'swarm-data-server.json';

/** What a run's services share: the image, labels, the token and certificate, and the data server. */
interface SwarmRun {
  name: string;
  image: string;
  labels: Record<string, string>;
  secretId: string;
  configId: string;
  server: RunDataServer;
}

/**
 * Runs each plan as a one-shot service on a Docker Swarm: one replica that is never restarted, whose command is a
 * bootstrap that fetches the run's files from this host, runs the command and sends its outputs back. A plan's
 * instances run as one such service each, on distinct nodes, named by their hostnames on an overlay of the run's own.
 */
export class SwarmDriver implements ComputeDriver {
  readonly kind = 'swarm' as const;
  readonly containerized = true;
  readonly runsInstances = true;
  private readonly manager: Docker;
  /** A client that gives up on a manager that does not answer, for `ping`. */
  private readonly probe: Docker;
  private readonly publisher: RegistryPublisher | undefined;
  private address: Promise<string> | undefined;
  /** The data server of each run this driver follows. */
  private readonly servers = new Map<string, RunDataServer>();
  private readonly reserve: SwarmReserve | undefined;

  constructor(private readonly options: SwarmDriverOptions) {
    this.manager = new Docker(options.manager);
    // docker-modem's SSH transport cannot time a request out (its stream has no setTimeout); sshOptions.readyTimeout bounds the connection.
    this.probe = new Docker(options.manager.protocol === 'ssh' ? options.manager : { ...options.manager, timeout: 10_000 });
    this.reserve = options.reserve && new SwarmReserve(this.manager, options.reserve, options.placement);
    const local = options.local ?? new Docker();
    const workspaceRegistry = options.workspaceRegistry;
    this.publisher = options.registry
      ? new RegistryPublisher(local, options.registry, options.registryPush)
      : workspaceRegistry && new RegistryPublisher(local, () => workspaceRegistry(() => this.hostAddress()));
  }

  async ping(): Promise<void> {
    let info: { Swarm?: { ControlAvailable?: boolean; LocalNodeState?: string } };
    try {
      info = (await this.probe.info()) as typeof info;
    } catch (error) {
      const refusal = this.options.managerRefusal?.(error);
      if (refusal) throw new Unavailable(`the Swarm manager at ${engineAddress(this.manager)} ${refusal}`, { cause: error });
      throw new Unavailable(`Swarm manager not reachable at ${engineAddress(this.manager)}: ${engineMessage(error)}; check the compute's docker_host`, { cause: error });
    }
    if (!info.Swarm?.ControlAvailable) {
      throw new Unavailable(`the Docker engine at ${engineAddress(this.manager)} is not a Swarm manager (swarm state: ${info.Swarm?.LocalNodeState || 'inactive'}); point docker_host at a manager`);
    }
  }

  /** The Swarm's nodes as the manager sees them, with the mlw runs' tasks on each. */
  async nodes(): Promise<ComputeNode[]> {
    await this.ping();
    try {
      return await swarmNodes(this.manager);
    } catch (error) {
      throw new Unavailable(`the Swarm manager at ${engineAddress(this.manager)} did not list its nodes: ${engineMessage(error)}`, { cause: error });
    }
  }

  /**
   * Holds the compute's idle capacity as placeholders that run `image` (the compute's `default_image`); without one,
   * those an earlier daemon left are adopted and more are added from the first run on, with its image.
   */
  async holdCapacity(held: { workspace: string; image?: string; resources?: RunResources }): Promise<void> {
    if (!this.reserve) return;
    await this.ping();
    const image = held.image && (this.publisher ? await this.publisher.reference(held.image) : held.image);
    await this.reserve.hold({ workspace: held.workspace, ...(image ? { image } : {}), ...(held.resources ? { resources: held.resources } : {}) });
  }

  /** Removes the placeholders (the daemon stops). */
  async releaseCapacity(): Promise<void> {
    await this.reserve?.close();
  }

  async start(plan: RunPlan): Promise<RunHandle> {
    if (!plan.image) throw new Error(`run ${plan.runId}: the swarm compute needs an image (environment)`);
    await this.ping();
    const image = this.publisher ? await this.publisher.reference(plan.image) : plan.image;
    const instances = plan.instances?.length || 1;
    await this.reserve?.acquire(instances, capacityOf(plan, image));
    let handle: RunHandle;
    try {
      handle = await this.launch(plan, image);
    } catch (error) {
      this.reserve?.release(instances);
      throw error;
    }
    this.reserve?.releaseAtEnd(handle.exited, instances);
    return handle;
  }

  private async launch(plan: RunPlan, image: string): Promise<RunHandle> {
    const address = await this.hostAddress();
    const identity = await RunDataServer.newIdentity(address, plan.mounts, await this.trackingTarget(plan.env));
    const server = await RunDataServer.start(address, identity);
    this.servers.set(plan.runId, server);
    try {
      mkdirSync(plan.stateDir, { recursive: true });
      writePrivateFile(path.join(plan.stateDir, DATA_SERVER_FILE), JSON.stringify(server.identity));
      const labels = { ...this.options.labels, ...plan.labels, [RUN_LABEL]: plan.runId };
      const name = serviceName(plan.runId);
      const secret = await this.manager.createSecret({ Name: `${name}-token`, Labels: labels, Data: Buffer.from(identity.token).toString('base64') });
      const config = await this.manager.createConfig({ Name: `${name}-ca`, Labels: labels, Data: Buffer.from(identity.certificate).toString('base64') });
      const run: SwarmRun = { name, image, labels, secretId: secret.id as string, configId: config.id as string, server };
      if (plan.instances?.length) return await this.startInstances(plan, run);
      const service = await this.manager.createService(serviceSpec(this.options, plan, { ...run, service: name, env: this.runEnvironment(plan, server) }));
      mkdirSync(path.dirname(plan.logFile), { recursive: true });
      const log = { live: createWriteStream(plan.logFile, { flags: 'a' }), rest: () => appendAfterExisting(plan.logFile) };
      return await followService(this.manager, service.id, plan, log, () => this.removeRun(plan.runId, plan.stateDir));
    } catch (error) {
      await this.removeRun(plan.runId, plan.stateDir);
      throw new Error(`run ${plan.runId}: the Swarm service${plan.instances?.length ? 's' : ''} could not be created: ${engineMessage(error)}`, { cause: error });
    }
  }

  /**
   * One service per instance, each pinned to a node of its own and named by the instance's hostname on the run's
   * overlay network (DNS round robin: this Swarm may have no IPVS for virtual IPs). Every instance fetches the run's
   * files; only instance 0 sends the writable ones back, so outputs are written once.
   */
  private async startInstances(plan: RunPlan, run: SwarmRun): Promise<RunHandle> {
    const nodes = await instanceNodes(this.manager, this.options.placement?.constraints ?? [], plan.instances!.length);
    const handle = await startInstances(
      this.manager,
      plan,
      async (instancePlan, placement, openLog) => {
        const index = Number(instancePlan.labels[INSTANCE_LABEL]);
        const env = { ...this.runEnvironment(instancePlan, run.server), MLW_SEND_BACK: index === 0 ? '1' : '0', MLW_INSTANCE_HOSTS: '1' };
        const labels = { ...run.labels, ...instancePlan.labels };
        const spec = serviceSpec(this.options, instancePlan, { ...run, service: placement.alias, env, labels }, { network: placement.network, node: nodes[index]! });
        const service = await this.manager.createService(spec);
        const sink = openLog();
        try {
          return await followService(this.manager, service.id, instancePlan, resumableLog(sink), () => this.removeService(service.id));
        } catch (error) {
          sink.end();
          throw error;
        }
      },
      { name: run.name, driver: 'overlay' },
    );
    let ended = false;
    void this.publishHosts(plan, run, () => ended).catch((error: unknown) => process.emitWarning(`run ${plan.runId}: the instances' addresses could not be read: ${engineMessage(error)}`));
    const exited = handle.exited.then(async (exit) => {
      ended = true;
      await this.removeRun(plan.runId, plan.stateDir);
      return exit;
    });
    return {
      ref: handle.ref,
      exited,
      ...(handle.started ? { started: handle.started } : {}),
      stop: async () => {
        await handle.stop();
        await exited;
      },
    };
  }

  /** Tells the instances each other's address on the run's network once the manager assigned them all. */
  private async publishHosts(plan: RunPlan, run: SwarmRun, ended: () => boolean): Promise<void> {
    const hostnames = plan.instances!.map((instance) => instance.hostname);
    while (!ended()) {
      const hosts = await instanceAddresses(this.manager, { label: [`${RUN_LABEL}=${plan.runId}`] }, run.name, hostnames);
      if (hosts) return run.server.setHosts(hosts);
      await delay(POLL_INTERVAL_MS);
    }
  }

  async reattach(runId: string, _ref: string, plan: ReattachPlan): Promise<RunHandle | undefined> {
    const services = await this.manager.listServices({ filters: { label: [`${RUN_LABEL}=${runId}`] } });
    const service = services[0];
    if (!service?.ID) return undefined;
    if (services.some((s) => s.Spec?.Labels?.[INSTANCE_LABEL] !== undefined)) return this.abandonInstances(runId, plan, services.length);
    await this.serveAgain(runId, plan.stateDir);
    mkdirSync(path.dirname(plan.logFile), { recursive: true });
    const log = { live: appendAfterExisting(plan.logFile), rest: () => appendAfterExisting(plan.logFile) };
    await this.reserve?.acquire(1);
    const handle = await followService(this.manager, service.ID, plan, log, () => this.removeRun(runId, plan.stateDir));
    this.reserve?.releaseAtEnd(handle.exited, 1);
    return handle;
  }

  /** As on a Docker engine, a multi-instance run is not followed again after a restart: its services are removed. */
  private async abandonInstances(runId: string, plan: ReattachPlan, count: number): Promise<RunHandle> {
    await this.removeRun(runId, plan.stateDir);
    const exit: RunExit = {
      exitCode: -1,
      reason: `the control plane stopped while the run's ${count} instances ran; a multi-instance run is not re-attached, so they were stopped`,
    };
    reportExit(plan.onExit, exit);
    return { ref: '', exited: Promise.resolve(exit), stop: async () => undefined };
  }

  /** Serves a run started by an earlier daemon again, as its task knows it (address, certificate, token). */
  private async serveAgain(runId: string, stateDir: string): Promise<void> {
    let identity: RunDataIdentity;
    try {
      identity = JSON.parse(fs.readFileSync(path.join(stateDir, DATA_SERVER_FILE), 'utf8')) as RunDataIdentity;
    } catch {
      return;
    }
    try {
      this.servers.set(runId, await RunDataServer.start(await this.hostAddress(), identity));
    } catch (error) {
      process.emitWarning(`run ${runId}: its files cannot be served again on port ${identity.port} (${(error as Error).message}); its outputs will not come back`);
    }
  }

  /** The plan's environment, what the bootstrap needs, and tracking pointed at the data server, which forwards it. */
  private runEnvironment(plan: RunPlan, server: RunDataServer): Record<string, string> {
    return {
      HOME: '/tmp',
      ...plan.env,
      MLW_DATA_URL: server.url,
      MLW_MOUNTS: JSON.stringify(plan.mounts.map((mount, index) => ({ index, target: mount.target, readOnly: mount.readOnly }))),
      MLW_RUN_COMMAND: plan.command,
      MLW_RUN_DIR: plan.workingDir,
      MLW_RUN_USER: this.options.user ?? '1000:1000',
      ...(server.identity.tracking ? { MLFLOW_TRACKING_URI: server.url, MLFLOW_TRACKING_SERVER_CERT_PATH: CERTIFICATE_PATH } : {}),
    };
  }

  /** The tracking API the plan names, as this host reaches it (`host.docker.internal` is the Docker bridge's address). */
  private async trackingTarget(env: Record<string, string>): Promise<URL | undefined> {
    if (!env.MLFLOW_TRACKING_URI) return undefined;
    const target = new URL(env.MLFLOW_TRACKING_URI);
    if (target.hostname === 'host.docker.internal' && this.options.containerHostAddress) target.hostname = await this.options.containerHostAddress();
    return target;
  }

  private hostAddress(): Promise<string> {
    this.address ??= this.options.hostAddress ? Promise.resolve(this.options.hostAddress) : nodesNetworkAddress(this.manager);
    this.address.catch(() => (this.address = undefined));
    return this.address;
  }

  private async removeService(serviceId: string): Promise<void> {
    await this.manager.getService(serviceId).remove().catch(() => undefined);
  }

  /** Removes the run's services, secret, config and network, and stops serving its files. */
  private async removeRun(runId: string, stateDir: string): Promise<void> {
    const filters = { label: [`${RUN_LABEL}=${runId}`] };
    const ignore = () => undefined;
    const services = await this.manager.listServices({ filters }).catch(() => []);
    for (const service of services) await this.manager.getService(service.ID).remove().catch(ignore);
    const networks = await this.manager.listNetworks({ filters }).catch(() => []);
    // A node keeps its part of the run's network until its task's container is gone.
    if (services.length && networks.length) await this.tasksGone(filters);
    for (const network of networks) await removeNetwork(this.manager, network.Id);
    for (const secret of await this.manager.listSecrets({ filters }).catch(() => [])) await this.manager.getSecret(secret.ID).remove().catch(ignore);
    for (const config of await this.manager.listConfigs({ filters }).catch(() => [])) await this.manager.getConfig(config.ID).remove().catch(ignore);
    await this.servers.get(runId)?.close();
    this.servers.delete(runId);
    fs.rmSync(path.join(stateDir, DATA_SERVER_FILE), { force: true });
  }

  /** Waits, for a bounded time, until the Swarm forgot the tasks of removed services (their containers stopped). */
  private async tasksGone(filters: { label: string[] }): Promise<void> {
    const deadline = Date.now() + ((this.options.stopGraceSeconds ?? 10) + 20) * 1000;
    while (Date.now() < deadline) {
      const tasks = await this.manager.listTasks({ filters }).catch(() => []);
      if (tasks.length === 0) return;
      await delay(POLL_INTERVAL_MS);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.servers.values()].map((server) => server.close()));
    this.servers.clear();
  }
}
