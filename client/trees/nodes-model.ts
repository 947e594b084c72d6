import type { ComputeNode } from '../../core/api/contracts';
import type { AssetExtras } from './assets-model';
import type { TreeIcon, TreeNode } from './tree-node';

/**
 * A Swarm compute's nodes under its row: hostname, state, availability and role, with the mlw runs on each and how
 * many instances of the compute's reserved capacity (`min_instances`) it holds.
 */
export function nodesExtras(compute: string, nodes: readonly ComputeNode[] | string): AssetExtras {
  if (typeof nodes === 'string') {
    return { children: [{ id: `nodes:${compute}`, label: 'Nodes', description: 'cannot be listed', tooltip: nodes, icon: { id: 'warning', color: 'problemsWarningIcon.foreground' }, contextValue: 'nodes;error', resource: { type: 'info' } }] };
  }
  const ready = nodes.filter((node) => node.state === 'ready' && node.availability === 'active').length;
  return {
    description: `${ready}/${nodes.length} nodes ready`,
    children: [{
      id: `nodes:${compute}`,
      label: 'Nodes',
      description: `${nodes.length}`,
      icon: { id: 'server-environment' },
      contextValue: 'nodes',
      resource: { type: 'info' },
      expanded: true,
      children: nodes.map((node) => nodeRow(compute, node)),
    }],
  };
}

function nodeRow(compute: string, node: ComputeNode): TreeNode {
  const role = node.leader ? 'manager (leader)' : node.role;
  const tasks = node.tasks.length === 1 ? '1 task' : `${node.tasks.length} tasks`;
  const reserved = (node.reserved ?? []).filter((held) => held.compute === compute).length;
  const id = `nodes:${compute}:${node.id}`;
  return {
    id,
    label: node.hostname,
    description: [node.state, node.availability, role, tasks, ...(reserved ? [`${reserved} reserved`] : [])].join(' · '),
    tooltip: [`Node ${node.hostname} (${node.id})`, `State: ${node.state}`, `Availability: ${node.availability}`, `Role: ${role}`, node.address ? `Address: ${node.address}` : undefined].filter(Boolean).join('\n'),
    icon: nodeIcon(node),
    contextValue: `compute-node;state=${node.state};availability=${node.availability}`,
    resource: { type: 'compute-node', compute, node: node.hostname },
    ...(node.tasks.length
      ? { children: node.tasks.map((task) => ({ id: `${id}:${task.job}`, label: task.job, description: task.state, icon: { id: task.state === 'running' ? 'sync~spin' : 'clock', color: 'charts.blue' }, contextValue: 'queue-entry;running', resource: { type: 'queue-entry' as const, compute, job: task.job }, command: { command: 'mlw.job.showLogs', title: 'Show Logs', arguments: [task.job] } })) }
      : {}),
  };
}

function nodeIcon(node: ComputeNode): TreeIcon {
  if (node.state !== 'ready') return { id: 'vm-outline', color: 'errorForeground' };
  if (node.availability !== 'active') return { id: 'vm', color: 'charts.yellow' };
  return { id: 'vm-active', color: 'testing.iconPassed' };
}
