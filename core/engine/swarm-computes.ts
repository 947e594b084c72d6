import Docker from 'dockerode';
import type { ComputeDriver } from '../compute/driver';
import { remoteEngineOf, remoteEngineOptions, remoteEngineRefusal, type HostKeyCheck } from '../compute/remote/remote-engine';
import { SwarmDriver, type SwarmDriverOptions } from '../compute/swarm/driver';
import { DEFAULT_IDLE_SECONDS } from '../compute/swarm/reserve';
import { SpecRejected } from '../errors';
import type { SwarmComputeSpec } from '../language/types/computes';
import type { SecretsStore } from '../secrets/store';

/** Where a manager's credentials (`tls:`, `ssh:`) are read: the secrets store, and the folder relative paths start from. */
export interface ManagerCredentials {
  secrets: SecretsStore;
  baseDir: string;
}

/**
 * The Swarm driver of each `type: swarm` compute, made once per name and spec (a changed spec gets a new driver;
 * runs of the old one keep theirs).
 */
export function swarmDrivers(workspaceRegistry?: SwarmDriverOptions['workspaceRegistry'], credentials?: ManagerCredentials): (compute?: { name: string; spec: Record<string, unknown> }) => ComputeDriver {
  const drivers = new Map<string, SwarmDriver>();
  return (compute) => {
    if (!compute) throw new SpecRejected('a swarm compute needs a spec');
    const key = `${compute.name}\n${JSON.stringify(compute.spec)}`;
    let driver = drivers.get(key);
    if (!driver) drivers.set(key, (driver = new SwarmDriver(swarmDriverOptions(compute.name, compute.spec as unknown as SwarmComputeSpec, workspaceRegistry, credentials))));
    return driver;
  };
}

/** A compute without `registry:` pushes through the workspace's registry (`workspaceRegistry`), when it has one. */
export function swarmDriverOptions(
  name: string,
  spec: SwarmComputeSpec,
  workspaceRegistry?: SwarmDriverOptions['workspaceRegistry'],
  credentials?: ManagerCredentials,
): SwarmDriverOptions {
  return {
    ...managerConnection(name, spec, credentials),
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
    ...(spec.min_instances !== undefined || spec.idle_time_before_scale_down !== undefined
      ? { reserve: { compute: name, minInstances: spec.min_instances ?? 0, idleSeconds: spec.idle_time_before_scale_down ?? DEFAULT_IDLE_SECONDS } }
      : {}),
    containerHostAddress: async () => (await import('../tracking/bridge')).bridgeGateway(new Docker()),
  };
}

/**
 * A manager with `tls:` or `ssh:` is reached as a remote compute's engine is (same spec fields, same checks); else
 * at its plain address.
 */
function managerConnection(name: string, spec: SwarmComputeSpec, credentials: ManagerCredentials | undefined): Pick<SwarmDriverOptions, 'manager' | 'managerRefusal'> {
  const dockerHost = spec.docker_host ?? '';
  if (!spec.tls && !spec.ssh && !dockerHost.startsWith('ssh://')) return { manager: managerAddress(name, spec.docker_host) };
  if (spec.tls && !dockerHost.startsWith('tcp://')) throw new SpecRejected(`compute ${name}: tls: needs docker_host: tcp://<host>:<port>, not ${JSON.stringify(dockerHost)}`);
  if (spec.ssh && !dockerHost.startsWith('ssh://')) throw new SpecRejected(`compute ${name}: ssh: needs docker_host: ssh://<user>@<host>[:<port>], not ${JSON.stringify(dockerHost)}`);
  if (!credentials) throw new SpecRejected(`compute ${name}: a manager reached over TLS or SSH needs the workspace's secrets store, which this control plane lacks`);
  const engine = remoteEngineOf(name, { endpoint: dockerHost, tls: spec.tls, ssh: spec.ssh }, credentials.secrets, credentials.baseDir);
  const hostKey: HostKeyCheck = {};
  return { manager: remoteEngineOptions(engine, hostKey), managerRefusal: (error) => remoteEngineRefusal(error, engine, hostKey) };
}

/** `unix:///run/docker.sock` or `tcp://10.0.0.5:2375` (plain HTTP: a trusted network); without one, `DOCKER_HOST` or the local socket. */
function managerAddress(name: string, dockerHost: string | undefined): Docker.DockerOptions {
  if (!dockerHost) return {};
  const unix = /^unix:\/\/(\/.+)$/.exec(dockerHost);
  if (unix) return { socketPath: unix[1]! };
  const tcp = /^tcp:\/\/([^:/]+):(\d+)\/?$/.exec(dockerHost);
  if (tcp) return { host: tcp[1]!, port: Number(tcp[2]), protocol: 'http' };
  throw new SpecRejected(`compute ${name}: docker_host ${dockerHost} is not a manager address mlw can reach; use unix:///path/to/docker.sock, tcp://host:port (with tls: for mutual TLS) or ssh://user@host[:port] (with ssh:)`);
}
