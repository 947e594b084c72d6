import type { RunExit } from '../driver';

/** What mlw reads of a Swarm task. */
export interface SwarmTask {
  ID: string;
  NodeID?: string;
  CreatedAt?: string;
  Status: { State: string; Err?: string; ContainerStatus?: { ExitCode?: number } };
}

export const TERMINAL_STATES = new Set(['complete', 'failed', 'rejected', 'shutdown', 'orphaned', 'remove']);

/** How a task ended: its last state, or the node it ran on going down (Swarm marks it orphaned only a day later). */
export interface TaskEnd {
  task?: SwarmTask;
  lostNode?: string;
}

/** How the run ended, from its task (or the lack of one) and whether mlw stopped it. */
export function describeTaskExit({ task, lostNode }: TaskEnd, stopRequested: boolean): RunExit {
  const exitCode = task?.Status.ContainerStatus?.ExitCode;
  if (stopRequested) return { exitCode: exitCode ?? 143, reason: 'stopped' };
  if (lostNode) return { exitCode: -1, reason: `the Swarm node ${lostNode} that ran the job went down (its outputs did not come back)` };
  if (!task) return { exitCode: -1, reason: 'the Swarm service was removed from outside mlw' };
  if (task.Status.State === 'complete') return { exitCode: exitCode ?? 0 };
  if (task.Status.State === 'failed' && exitCode) return { exitCode };
  return { exitCode: exitCode || -1, reason: `Swarm task ${task.Status.State}${task.Status.Err ? `: ${task.Status.Err}` : ''}` };
}

/** Whether the task's container runs, or ran and ended. */
export function taskRan(task: SwarmTask): boolean {
  const state = task.Status.State;
  return state === 'running' || state === 'complete' || (state === 'failed' && task.Status.ContainerStatus?.ExitCode !== undefined);
}

/**
 * Says in the job's log and its status reason, once each time it changes, why the manager has not placed the run's
 * task yet: the queue reason of a cluster, in the manager's words ("no suitable node (insufficient resources on 3 nodes)").
 */
export function waitingNotice(plan: { notice?: (line: string) => void; waiting?: (reason: string) => void }): (task: SwarmTask) => void {
  let said: string | undefined;
  return (task) => {
    const why = task.Status.State === 'pending' ? task.Status.Err : undefined;
    if (!why || why === said) return;
    said = why;
    plan.notice?.(`[mlw] waiting for a Swarm node: ${why}`);
    plan.waiting?.(`waiting for a Swarm node: ${why}`);
  };
}
