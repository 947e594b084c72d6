import Docker from 'dockerode';
import type { ComputeDriver } from '../compute/driver';
import { SwarmDriver, type SwarmDriverOptions } from '../compute/swarm/driver';
import { SpecRejected } from '../errors';
import type { SwarmComputeSpec } from '../language/types/computes';

/**
 * The Swarm driver of each `type: swarm` compute, made once per name and spec (a changed spec gets a new driver;
 * runs of the old one keep theirs).
 */
export function swarmDrivers(workspaceRegistry?: SwarmDriverOptions['workspaceRegistry']): (compute?: { name: string; spec: Record<string, unknown> }) => ComputeDriver {
  const drivers = new Map<string, SwarmDriver>();
  return (compute) => {
    if (!compute) throw new SpecRejected('a swarm compute needs a spec');
    const key = `${compute.name}\n${JSON.stringify(compute.spec)}`;
    let driver = drivers.get(key);
    if (!driver) drivers.set(key, (driver = new SwarmDriver(swarmDriverOptions(compute.name, compute.spec as unknown as SwarmComputeSpec, workspaceRegistry))));
    return driver;
  };
}

/** A compute without `registry:` pushes through the workspace's registry (`workspaceRegistry`), when it has one. */
export function swarmDriverOptions(name: string, spec: SwarmComputeSpec, workspaceRegistry?: SwarmDriverOptions['workspaceRegistry']): SwarmDriverOptions {
  return {
    manager: managerAddress(name, spec.docker_host),
    ...(spec.registry ? { registry: spec.registry } : workspaceRegistry ? { workspaceRegistry } : {}),
    ...(spec.registry_push ? { registryPush: spec.registry_push } : {}),
    ...(spec.host_address ? { hostAddress: spec.host_address } : {}),
    ...(spec.network ? { network: spec.network } : {}),
    ...(spec.labels ? { labels: spec.labels } : {}),
    placement: {
      ...(spec.placement?.constraints ? { constraints: spec.placement.constraints } : {}),
      ...(spec.placement?.preferences ? { preferences: spec.placement.preferences } : {}),
      ...(spec.placement?.max_replicas_per_node ? { maxReplicasPerNode: spec.placement.max_replicas_per_node } : {}),
    },
    containerHostAddress: async () => (await import('../tracking/bridge')).bridgeGateway(new Docker()),
  };
}

/** `unix:///run/docker.sock` or `tcp://10.0.0.5:2375`; without one, `DOCKER_HOST` or the local socket. */
function managerAddress(name: string, dockerHost: string | undefined): Docker.DockerOptions {
  if (!dockerHost) return {};
  const unix = /^unix:\/\/(\/.+)$/.exec(dockerHost);
  if (unix) return { socketPath: unix[1]! };
  const tcp = /^tcp:\/\/([^:/]+):(\d+)\/?$/.exec(dockerHost);
  if (tcp) return { host: tcp[1]!, port: Number(tcp[2]), protocol: 'http' };
  throw new SpecRejected(`compute ${name}: docker_host ${dockerHost} is not a manager address mlw can reach; use unix:///path/to/docker.sock or tcp://host:port`);
}
