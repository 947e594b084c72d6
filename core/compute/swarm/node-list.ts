import type Docker from 'dockerode';
import type { ComputeNode } from '../../api/contracts';
import { RUN_LABEL } from '../driver';
import { PLACEHOLDER_LABEL } from './reserve';

interface SwarmNode {
  ID: string;
  Spec?: { Role?: string; Availability?: string };
  Description?: { Hostname?: string };
  Status?: { State?: string; Addr?: string };
  ManagerStatus?: { Leader?: boolean };
}

interface SwarmTask {
  ServiceID?: string;
  NodeID?: string;
  Status?: { State?: string };
}

/** A driver that can list the nodes it runs on (a Swarm's). */
export interface NodeLister {
  nodes(): Promise<ComputeNode[]>;
}

export function listsNodes(driver: object): driver is NodeLister {
  return typeof (driver as Partial<NodeLister>).nodes === 'function';
}

/**
 * The Swarm's nodes (managers first, then by hostname), each with the tasks of mlw runs meant to run there and the
 * placeholders of reserved capacity.
 */
export async function swarmNodes(manager: Docker): Promise<ComputeNode[]> {
  const [nodes, services, tasks] = await Promise.all([
    manager.listNodes() as Promise<SwarmNode[]>,
    manager.listServices({ filters: { label: [RUN_LABEL] } }),
    manager.listTasks({ filters: { 'desired-state': ['running'] } }) as Promise<SwarmTask[]>,
  ]);
  const placeholders = await manager.listServices({ filters: { label: [PLACEHOLDER_LABEL] } });
  const computeOfService = new Map(placeholders.flatMap((service) => (service.ID && service.Spec?.Labels?.[PLACEHOLDER_LABEL] ? [[service.ID, service.Spec.Labels[PLACEHOLDER_LABEL]] as const] : [])));
  const reservedOnNode = new Map<string, { compute: string; state: string }[]>();
  const jobOfService = new Map(services.flatMap((service) => (service.ID && service.Spec?.Labels?.[RUN_LABEL] ? [[service.ID, service.Spec.Labels[RUN_LABEL]] as const] : [])));
  const tasksOfNode = new Map<string, { job: string; state: string }[]>();
  for (const task of tasks) {
    const compute = task.ServiceID ? computeOfService.get(task.ServiceID) : undefined;
    if (compute && task.NodeID) reservedOnNode.set(task.NodeID, [...(reservedOnNode.get(task.NodeID) ?? []), { compute, state: task.Status?.State ?? 'unknown' }]);
    const job = task.ServiceID ? jobOfService.get(task.ServiceID) : undefined;
    if (!job || !task.NodeID) continue;
    const list = tasksOfNode.get(task.NodeID) ?? [];
    list.push({ job, state: task.Status?.State ?? 'unknown' });
    tasksOfNode.set(task.NodeID, list);
  }
  return nodes
    .map((node): ComputeNode => ({
      id: node.ID,
      hostname: node.Description?.Hostname || node.ID,
      state: node.Status?.State ?? 'unknown',
      availability: node.Spec?.Availability ?? 'unknown',
      role: node.Spec?.Role === 'manager' ? 'manager' : 'worker',
      leader: node.ManagerStatus?.Leader === true,
      ...(node.Status?.Addr ? { address: node.Status.Addr } : {}),
      tasks: (tasksOfNode.get(node.ID) ?? []).sort((a, b) => a.job.localeCompare(b.job)),
      ...(reservedOnNode.has(node.ID) ? { reserved: reservedOnNode.get(node.ID)!.sort((a, b) => a.compute.localeCompare(b.compute)) } : {}),
    }))
    .sort((a, b) => (a.role === b.role ? a.hostname.localeCompare(b.hostname) : a.role === 'manager' ? -1 : 1));
}
