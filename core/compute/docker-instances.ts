import type Docker from 'dockerode';
import type { Writable } from 'node:stream';
import { reportExit, RUN_LABEL, type ReattachPlan, type RunExit, type RunHandle, type RunPlan } from './driver';
import { setTimeout as delay } from 'node:timers/promises';
import { engineMessage, explainEngineError, httpStatusOf, isConnectionError } from './docker-engine';
import { failedRankIn, InstanceLogs } from './instance-log';

/** Labels each container of a multi-instance run with its index. */
export const INSTANCE_LABEL = 'mlw.instance';

/** Where one instance's container goes: its name, the run's network and the name the others reach it by there. */
export interface InstancePlacement {
  name: string;
  network: string;
  alias: string;
}

export type StartContainer = (plan: RunPlan, placement: InstancePlacement, openLog: () => Writable) => Promise<RunHandle>;

/** The run's own network: a bridge on one engine, or an attachable overlay across the nodes of a Swarm. */
export interface InstanceNetwork {
  name: string;
  driver: 'bridge' | 'overlay';
}

/**
 * Starts one container per instance on a bridge network of the run's own (removed with the run), as Docker's
 * embedded DNS resolves the instances' aliases there only. The first instance that fails stops the others: ranks
 * waiting for a dead peer would otherwise wait forever.
 */
export async function startInstances(docker: Docker, plan: RunPlan, startContainer: StartContainer, own: InstanceNetwork = { name: `mlw-${plan.runId}`, driver: 'bridge' }): Promise<RunHandle> {
  const instances = plan.instances!;
  const network = own.name;
  try {
    await docker.createNetwork({ Name: network, Driver: own.driver, Attachable: own.driver === 'overlay', CheckDuplicate: true, Labels: { ...plan.labels, [RUN_LABEL]: plan.runId } });
  } catch (error) {
    throw new Error(`run ${plan.runId}: the network of its ${instances.length} instances could not be created: ${engineMessage(explainEngineError(error, docker))}`, { cause: error });
  }
  const logs = new InstanceLogs(plan.logFile);
  // All sinks exist before any instance starts: the combined log closes when the last open sink ends.
  const sinks = instances.map((instance) => logs.sink(instance.logFile, instance.logPrefix));
  const handedOut = new Set<number>();
  const handles: RunHandle[] = [];
  try {
    for (const [index, instance] of instances.entries()) {
      const instancePlan: RunPlan = {
        ...plan,
        env: { ...plan.env, ...instance.env },
        logFile: instance.logFile,
        labels: { ...plan.labels, [INSTANCE_LABEL]: String(index) },
        instances: undefined,
        onExit: undefined,
      };
      const placement = { name: `${network}-${index}`, network, alias: instance.hostname };
      handles.push(await startContainer(instancePlan, placement, () => (handedOut.add(index), sinks[index]!)));
    }
  } catch (error) {
    // A container that got its sink ends it when its output stream closes; the rest are ended here.
    sinks.forEach((sink, index) => handedOut.has(index) || sink.end());
    await Promise.all(handles.map((handle) => handle.stop().catch(() => undefined)));
    await removeNetwork(docker, network);
    throw error;
  }

  let firstFailure: { exit: RunExit; index: number } | undefined;
  const stopAll = () => Promise.all(handles.map((handle) => handle.stop()));
  const exits = handles.map((handle, index) =>
    handle.exited.then((exit) => {
      if ((exit.exitCode !== 0 || exit.reason) && !firstFailure) {
        firstFailure = { exit, index };
        void stopAll().catch(() => undefined);
      }
      return exit;
    }),
  );
  const exited = (async (): Promise<RunExit> => {
    const all = await Promise.all(exits);
    await logs.flushed();
    await removeNetwork(docker, network);
    const exit = firstFailure ? describeFailure(firstFailure.exit, firstFailure.index, plan) : all.find((e) => e.exitCode !== 0 || e.reason) ?? { exitCode: 0 };
    reportExit(plan.onExit, exit);
    return exit;
  })();
  // The run runs once every instance does.
  const started = handles.some((handle) => handle.started) ? Promise.all(handles.map((handle) => handle.started)).then(() => undefined) : undefined;
  return {
    ref: handles[0]!.ref,
    exited,
    ...(started ? { started } : {}),
    stop: async () => {
      await stopAll();
      await exited;
    },
  };
}

/** The first instance that failed, in the run's terms; an instance stopped as part of the run's stop is no failure of its own. */
function describeFailure(exit: RunExit, index: number, plan: RunPlan): RunExit {
  if (exit.reason === 'stopped') return exit;
  const instance = plan.instances![index]!;
  const where = `instance ${index} of ${plan.instances!.length} (${instance.hostname})`;
  // An instance of several processes names the one that failed first; its other processes were stopped.
  const rank = exit.reason ? undefined : failedRankIn(instance.logFile);
  const what = `${rank ? `rank ${rank} on ${where}` : where} failed${exit.reason ? `: ${exit.reason}` : ''}; the others were stopped`;
  return { exitCode: exit.exitCode, reason: what, logFile: instance.logFile };
}

/**
 * A multi-instance run found after a restart is not followed again: its instances are stopped and removed, with their
 * network, so nothing is left behind, and the run ends failed saying so.
 */
export async function abandonInstances(docker: Docker, runId: string, plan: ReattachPlan): Promise<RunHandle> {
  const listed = await docker.listContainers({ all: true, filters: { label: [`${RUN_LABEL}=${runId}`] } });
  await Promise.all(listed.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
  await removeNetwork(docker, `mlw-${runId}`);
  const exit: RunExit = {
    exitCode: -1,
    reason: `the control plane stopped while the run's ${listed.length} instances ran; a multi-instance run is not re-attached, so they were stopped`,
  };
  reportExit(plan.onExit, exit);
  return { ref: listed[0]?.Id ?? '', exited: Promise.resolve(exit), stop: async () => undefined };
}

/** How long a network still in use is asked again: a Swarm forgets a removed service's tasks only once their nodes stopped them. */
const NETWORK_IN_USE_WAIT_MS = 30_000;

export async function removeNetwork(docker: Docker, name: string): Promise<void> {
  const deadline = Date.now() + NETWORK_IN_USE_WAIT_MS;
  for (;;) {
    try {
      await docker.getNetwork(name).remove();
      return;
    } catch (error) {
      if (httpStatusOf(error) === 404) return;
      if (isConnectionError(error) || Date.now() > deadline) {
        process.emitWarning(`network ${name} could not be removed: ${engineMessage(error)}`);
        return;
      }
      await delay(250);
    }
  }
}
