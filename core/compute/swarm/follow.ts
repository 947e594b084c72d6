import type Docker from 'dockerode';
import type { Readable, Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { reportExit, type ReattachPlan, type RunExit, type RunHandle } from '../driver';
import { engineAddress, engineMessage, httpStatusOf, isConnectionError } from '../docker-engine';
import { pipeDockerFrames, writeDockerFrames } from '../docker-streams';
import { describeTaskExit, taskRan, TERMINAL_STATES, waitingNotice, type SwarmTask, type TaskEnd } from './tasks';

/** How often the manager is asked about a run's tasks. */
export const POLL_INTERVAL_MS = 500;
/** The manager fetches a finished task's log from its node; a node that stopped answering must not hold the exit back. */
const LOG_FETCH_TIMEOUT_MS = 30_000;

/** Where a service's log goes: the live stream, then what that stream missed once the task ended. */
export interface LogTarget {
  live: Writable;
  rest: () => Writable;
}

/** Follows a service to its end; `finish` then removes what the run no longer needs. */
export async function followService(manager: Docker, serviceId: string, plan: ReattachPlan, log: LogTarget, finish: () => Promise<void>): Promise<RunHandle> {
  const follow = (await manager.getService(serviceId).logs({ follow: true, stdout: true, stderr: true })) as unknown as Readable;
  const written = pipeDockerFrames(follow, log.live);
  let stopRequested = false;
  let ran!: () => void;
  const started = new Promise<void>((resolve) => (ran = resolve));
  const waiting = waitingNotice(plan);
  let running = false;
  const watch = (task: SwarmTask) => (taskRan(task) ? ((running = true), ran()) : waiting(task));
  const exited = (async (): Promise<RunExit> => {
    let exit: RunExit;
    let logComplete = false;
    try {
      const end = await taskEnd(manager, serviceId, () => stopRequested, watch);
      exit = describeTaskExit(end, stopRequested);
      // The manager would ask the lost node for the rest of the log, and wait for it.
      logComplete = !end.lostNode;
    } catch (error) {
      exit = { exitCode: -1, reason: `the Swarm manager at ${engineAddress(manager)} stopped answering: ${engineMessage(error)}` };
    }
    follow.destroy();
    await written.catch(() => undefined);
    await completeLog(manager, serviceId, log.rest(), logComplete);
    reportExit(plan.onExit, exit);
    await finish();
    return exit;
  })();
  return {
    ref: serviceId,
    exited,
    started,
    stop: async () => {
      stopRequested = true;
      await (running ? stopTask(manager, serviceId) : removeService(manager, serviceId));
      await exited;
    },
  };
}

/**
 * Stops the service's running task by scaling the service to no replica: the task gets SIGTERM (SIGKILL after the
 * grace) and the service stays, so what its processes print on the way out still reaches the run's log; the run's
 * end removes it. A service that cannot be updated is removed.
 */
async function stopTask(manager: Docker, serviceId: string): Promise<void> {
  const service = manager.getService(serviceId);
  try {
    const { Version, Spec } = (await service.inspect()) as { Version: { Index: number }; Spec: { Mode?: unknown } };
    await service.update({ version: Version.Index, ...Spec, Mode: { Replicated: { Replicas: 0 } } });
  } catch (error) {
    if (httpStatusOf(error) !== 404) await removeService(manager, serviceId);
  }
}

async function removeService(manager: Docker, serviceId: string): Promise<void> {
  await manager.getService(serviceId).remove().catch((error: unknown) => {
    if (httpStatusOf(error) !== 404) throw error;
  });
}

/**
 * The service's task once it ended or its node went down; no task when the service was removed before (a stop).
 * `watch` sees the task's state at each poll.
 */
async function taskEnd(manager: Docker, serviceId: string, stopRequested: () => boolean, watch: (task: SwarmTask) => void): Promise<TaskEnd> {
  for (;;) {
    let tasks: SwarmTask[];
    try {
      tasks = (await manager.listTasks({ filters: { service: [serviceId] } })) as SwarmTask[];
    } catch (error) {
      if (isConnectionError(error)) throw error;
      tasks = [];
    }
    const task = tasks.sort((a, b) => (a.CreatedAt ?? '').localeCompare(b.CreatedAt ?? '')).at(-1);
    if (task) watch(task);
    if (task && TERMINAL_STATES.has(task.Status.State)) return { task };
    if (stopRequested() && !task) return {};
    const lostNode = task?.NodeID ? await downNode(manager, task.NodeID) : undefined;
    if (lostNode) return { task, lostNode };
    await delay(POLL_INTERVAL_MS);
  }
}

/** The node's name when the manager sees it down, else undefined. */
async function downNode(manager: Docker, nodeId: string): Promise<string | undefined> {
  const node = (await manager.getNode(nodeId).inspect().catch(() => undefined)) as { Status?: { State?: string }; Description?: { Hostname?: string } } | undefined;
  return node?.Status?.State === 'down' ? node.Description?.Hostname || nodeId : undefined;
}

/** Writes what the live log stream did not deliver (the task's whole log, minus what `rest` already holds), and ends `rest`. */
async function completeLog(manager: Docker, serviceId: string, rest: Writable, fetch: boolean): Promise<void> {
  let frames: Buffer = Buffer.alloc(0);
  try {
    if (fetch) {
      const answer = (await manager.getService(serviceId).logs({ follow: false, stdout: true, stderr: true, abortSignal: AbortSignal.timeout(LOG_FETCH_TIMEOUT_MS) })) as unknown as Buffer;
      frames = Buffer.isBuffer(answer) ? answer : Buffer.from(answer);
    }
  } catch {
    // The service is gone (a stop): the live stream's part is all there is.
  }
  await writeDockerFrames(frames, rest).catch(() => undefined);
}
