import os from 'node:os';
import { BUILTIN_LOCAL } from '../vocabulary';
import type { ComputeDriver, RunResources } from '../compute/driver';
import type { AssetRepository } from '../store/assets';
import { DriverRegistry } from '../compute/registry';
import type { RegistryAddresses } from '../compute/swarm/images';
import { swarmDrivers, type ManagerCredentials } from './swarm-computes';
import { clusterDrivers } from './cluster-computes';

/** The workspace's registry as nodes reaching this machine at an address pull from it; none without one. */
export type WorkspaceRegistryAddresses = (hostAddress: () => Promise<string>) => Promise<RegistryAddresses | undefined>;
import { BadRequest, SpecRejected, Unsupported } from '../errors';

/** A compute target as the scheduler sees it. */
export interface ComputeTarget {
  name: string;
  type: string;
  driver: ComputeDriver;
  /** Concurrent runs (`max_instances`). */
  capacity: number;
  defaultImage?: string;
  resources?: RunResources;
}

/**
 * The compute types mlw runs today: `local` as host processes, the Azure-style clusters and instances on Docker,
 * `swarm` as services on a Docker Swarm, and `remote` on the remote Docker engine its spec names (one driver per
 * compute).
 */
export function standardDrivers(
  local: ComputeDriver,
  docker: () => ComputeDriver,
  remote?: (name: string, spec: Record<string, unknown>) => ComputeDriver,
  workspaceRegistry?: WorkspaceRegistryAddresses,
  managerCredentials?: ManagerCredentials,
): DriverRegistry {
  const registry = new DriverRegistry()
    .register(['local'], { driver: () => local, containerized: false })
    .register(['docker'], { driver: docker, containerized: true })
    .register(['amlcompute'], { driver: clusterDrivers(docker, workspaceRegistry), containerized: true })
    .register(['swarm'], { driver: swarmDrivers(workspaceRegistry, managerCredentials), containerized: true })
    .register(['computeinstance'], { driver: docker, containerized: true, singleInstance: true });
  if (remote) {
    registry.register(['remote'], {
      driver: (compute) => {
        if (!compute) throw new Error('a remote compute needs its spec');
        return remote(compute.name, compute.spec);
      },
      containerized: true,
    });
  }
  return registry;
}

/**
 * Which driver a compute spec maps to, and with how many concurrent runs. A registered compute (`registered`, its
 * spec as the caller looked it up in `assets`) wins; else a compute spec in the workspace folder (what the editor
 * resolves the reference to).
 */
export function resolveCompute(
  name: string,
  registered: Record<string, unknown> | undefined,
  assets: AssetRepository,
  drivers: DriverRegistry,
  definedInWorkspace: (name: string) => Record<string, unknown> | undefined,
): ComputeTarget {
  const found = registered ?? definedInWorkspace(name);
  if (!found) {
    if (name === BUILTIN_LOCAL) return { name, type: 'local', driver: drivers.get('local')!.driver(), capacity: os.availableParallelism() };
    const known = [BUILTIN_LOCAL, ...assets.list('compute').map((c) => c.name)];
    throw new SpecRejected(`unknown compute ${name}; registered: ${known.join(', ')} (register one with \`mlw compute create -f <file>\`)`);
  }
  const spec = found as { type?: string; max_instances?: number; default_image?: string; resources?: { cpus?: number; memory?: string | number; shm_size?: string } };
  const type = spec.type ?? 'amlcompute';
  const entry = drivers.get(type);
  if (!entry) throw new Unsupported(`compute ${name} has type ${type}, which cannot run jobs yet (supported: ${drivers.types.join(', ')})`);
  const capacity = entry.singleInstance ? 1 : Math.max(1, Number(spec.max_instances ?? 1));
  if (!entry.containerized) return { name, type, driver: entry.driver({ name, spec: found }), capacity };
  return { name, type, driver: entry.driver({ name, spec: found }), capacity, defaultImage: spec.default_image, resources: toResources(spec.resources) };
}

function toResources(resources: { cpus?: number; memory?: string | number; shm_size?: string } | undefined): RunResources | undefined {
  if (!resources) return undefined;
  return {
    ...(resources.cpus !== undefined ? { cpus: Number(resources.cpus) } : {}),
    ...(resources.memory !== undefined ? { memoryBytes: parseBytes(resources.memory) } : {}),
    ...(resources.shm_size !== undefined ? { shmBytes: parseBytes(resources.shm_size) } : {}),
  };
}

/** A command job's `resources.shm_size` in bytes: it sets a container's /dev/shm, over the compute's. */
export function jobShmBytes(resources: unknown): number | undefined {
  const shm = (resources as { shm_size?: string | number } | null | undefined)?.shm_size;
  return shm === undefined || shm === null ? undefined : parseBytes(shm);
}

/** `512m`, `4g`, `1.5G`, `2048` (bytes) → bytes. */
export function parseBytes(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$/i.exec(value);
  if (!match) throw new BadRequest(`cannot read the size ${value}; use e.g. 512m or 4g`);
  const power = ' kmgt'.indexOf(match[2]!.toLowerCase() || ' ');
  return Math.round(Number(match[1]) * 1024 ** power);
}
