import type Docker from 'dockerode';
import net from 'node:net';
import os from 'node:os';

interface SwarmNode {
  ID: string;
  Spec?: { Role?: string; Availability?: string; Labels?: Record<string, string> };
  Description?: { Hostname?: string; Platform?: { OS?: string; Architecture?: string }; Engine?: { Labels?: Record<string, string> } };
  Status?: { State?: string };
}

/**
 * Distinct nodes for the instances of a run, one each: ready, active nodes that meet the compute's placement
 * constraints, in the order of their names. The services are pinned to them (`node.id == …`), which spreads instances
 * of separate services as no Swarm placement option does.
 */
export async function instanceNodes(manager: Docker, constraints: string[], count: number): Promise<string[]> {
  const nodes = (await manager.listNodes()) as SwarmNode[];
  const eligible = nodes
    .filter((node) => node.Status?.State === 'ready' && (node.Spec?.Availability ?? 'active') === 'active')
    .filter((node) => constraints.every((constraint) => meets(node, constraint)))
    .sort((a, b) => (a.Description?.Hostname ?? a.ID).localeCompare(b.Description?.Hostname ?? b.ID));
  if (eligible.length < count) {
    const names = eligible.map((node) => node.Description?.Hostname ?? node.ID).join(', ') || 'none';
    const placed = constraints.length ? ` that meet the placement constraints (${constraints.join('; ')})` : '';
    throw new Error(`${count} instances run on ${count} distinct nodes, but the Swarm has ${eligible.length} ready, active nodes${placed}: ${names}`);
  }
  return eligible.slice(0, count).map((node) => node.ID);
}

/**
 * Whether a node meets a Swarm placement constraint (`key == value` or `key != value`, compared as Swarm does, without
 * case). A key mlw does not know is left to the Swarm, which gets the constraints too.
 */
function meets(node: SwarmNode, constraint: string): boolean {
  const match = /^\s*([\w.-]+)\s*(==|!=)\s*(.*?)\s*$/.exec(constraint);
  if (!match) return true;
  const [, key, operator, expected] = match as unknown as [string, string, string, string];
  const lower = key.toLowerCase();
  const label = (labels: Record<string, string> | undefined, prefix: string) => labels?.[key.slice(prefix.length)];
  const actual = lower === 'node.id' ? node.ID
    : lower === 'node.hostname' ? node.Description?.Hostname
    : lower === 'node.role' ? node.Spec?.Role
    : lower === 'node.platform.os' ? node.Description?.Platform?.OS
    : lower === 'node.platform.arch' ? node.Description?.Platform?.Architecture
    : lower.startsWith('node.labels.') ? label(node.Spec?.Labels, 'node.labels.')
    : lower.startsWith('engine.labels.') ? label(node.Description?.Engine?.Labels, 'engine.labels.')
    : null;
  if (actual === null) return true;
  const equal = actual !== undefined && actual.toLowerCase() === expected.toLowerCase();
  return operator === '==' ? equal : !equal;
}

interface InstanceTask {
  Spec?: { ContainerSpec?: { Hostname?: string } };
  NetworksAttachments?: { Network?: { Spec?: { Name?: string } }; Addresses?: string[] }[];
}

/**
 * Each instance's address on the run's network by its hostname, once the manager assigned one to every instance (it
 * does when it creates the task, before any node runs it); undefined before.
 */
export async function instanceAddresses(manager: Docker, filters: { label: string[] }, network: string, hostnames: string[]): Promise<Record<string, string> | undefined> {
  const tasks = (await manager.listTasks({ filters })) as InstanceTask[];
  const hosts: Record<string, string> = {};
  for (const task of tasks) {
    const hostname = task.Spec?.ContainerSpec?.Hostname;
    const address = task.NetworksAttachments?.find((attachment) => attachment.Network?.Spec?.Name === network)?.Addresses?.[0];
    if (hostname && address) hosts[hostname] = address.split('/')[0]!;
  }
  return hostnames.every((hostname) => hosts[hostname]) ? hosts : undefined;
}

/** This host's address on the network the Swarm nodes advertise themselves on. */
export async function nodesNetworkAddress(manager: Docker): Promise<string> {
  const nodes = (await manager.listNodes()) as { Status?: { Addr?: string } }[];
  const nodeAddresses = nodes.flatMap((node) => (node.Status?.Addr && net.isIPv4(node.Status.Addr) ? [node.Status.Addr] : []));
  for (const entries of Object.values(os.networkInterfaces())) {
    for (const entry of entries ?? []) {
      if (entry.family !== 'IPv4' || entry.internal || !entry.cidr) continue;
      const subnet = new net.BlockList();
      subnet.addSubnet(entry.address, Number(entry.cidr.split('/')[1]), 'ipv4');
      if (nodeAddresses.some((address) => subnet.check(address, 'ipv4'))) return entry.address;
    }
  }
  throw new Error(`no address of this host is on the Swarm nodes' network (nodes: ${nodeAddresses.join(', ') || 'none'}); set host_address in the compute`);
}
