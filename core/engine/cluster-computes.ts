import Docker from 'dockerode';
import type { ComputeDriver, ReattachPlan, RunHandle, RunPlan } from '../compute/driver';
import { SwarmDriver } from '../compute/swarm/driver';
import { listsNodes } from '../compute/swarm/node-list';
import type { ComputeNode } from '../api/contracts';
import { BadRequest } from '../errors';
import type { SwarmComputeSpec } from '../language/types/computes';
import type { WorkspaceRegistryAddresses } from './computes';
import { swarmDriverOptions } from './swarm-computes';

type SwarmInfo = { Swarm?: { ControlAvailable?: boolean } };

/**
 * An `amlcompute` cluster: Swarm services when the workspace's Docker engine (`DOCKER_HOST`, or the local socket) is
 * a Swarm manager, else containers on that engine. The engine is asked on first use, and again after it failed to
 * answer.
 */
export class ClusterDriver implements ComputeDriver {
  readonly containerized = true;
  private backend: Promise<ComputeDriver> | undefined;
  private chosen: ComputeDriver | undefined;

  constructor(
    private readonly docker: () => ComputeDriver,
    private readonly swarm: () => ComputeDriver,
    private readonly engine: () => Docker = () => new Docker(),
  ) {}

  get kind(): ComputeDriver['kind'] {
    return this.chosen?.kind ?? 'docker';
  }

  /** Known once the engine answered; both backends run a plan's instances on their own engine. */
  get runsInstances(): boolean {
    return this.chosen?.runsInstances ?? this.docker().runsInstances;
  }

  async ping(): Promise<void> {
    await (await this.choose()).ping();
  }

  async start(plan: RunPlan): Promise<RunHandle> {
    return (await this.choose()).start(plan);
  }

  async reattach(runId: string, ref: string, plan: ReattachPlan): Promise<RunHandle | undefined> {
    return (await this.choose()).reattach(runId, ref, plan);
  }

  /** The Swarm's nodes, when the cluster is one. */
  async nodes(): Promise<ComputeNode[]> {
    const backend = await this.choose();
    if (!listsNodes(backend)) throw new BadRequest('this amlcompute runs Docker containers (its Docker engine is not a Swarm manager), so it has no nodes to list');
    return backend.nodes();
  }

  private choose(): Promise<ComputeDriver> {
    this.backend ??= this.engine()
      .info()
      .then(
        (info: SwarmInfo) => (this.chosen = info.Swarm?.ControlAvailable ? this.swarm() : this.docker()),
        // An engine that did not answer: the Docker driver says why, and the next use asks again.
        () => ((this.backend = undefined), this.docker()),
      );
    return this.backend;
  }
}

/**
 * The driver of each `amlcompute` compute, one per name. On a Swarm its images go through the workspace's registry,
 * pushed by the manager's engine at the address the nodes pull from (the manager is one of the nodes).
 */
export function clusterDrivers(docker: () => ComputeDriver, workspaceRegistry?: WorkspaceRegistryAddresses): (compute?: { name: string }) => ComputeDriver {
  const drivers = new Map<string, ClusterDriver>();
  const viaNodes: WorkspaceRegistryAddresses | undefined =
    workspaceRegistry &&
    (async (hostAddress) => {
      const addresses = await workspaceRegistry(hostAddress);
      return addresses && { pull: addresses.pull, push: addresses.pull };
    });
  return (compute) => {
    const name = compute?.name ?? 'cluster';
    let driver = drivers.get(name);
    if (!driver) {
      let swarm: SwarmDriver | undefined;
      const spec = { name, type: 'swarm' } as unknown as SwarmComputeSpec;
      driver = new ClusterDriver(docker, () => (swarm ??= new SwarmDriver(swarmDriverOptions(name, spec, viaNodes))));
      drivers.set(name, driver);
    }
    return driver;
  };
}
