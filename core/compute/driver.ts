/**
 * What a compute driver runs (a `RunPlan`, built by the engine from the job spec) is kept apart from where it
 * runs (the driver). Drivers never read specs; they get paths, a command and an environment.
 */

/** A host directory or file made visible to the run. */
export interface RunMount {
  /** Absolute host path. */
  source: string;
  /** Path the run sees: identical to `source` for host processes, under `/mlw/…` in containers. */
  target: string;
  readOnly: boolean;
}

export interface RunResources {
  cpus?: number;
  memoryBytes?: number;
  shmBytes?: number;
}

/**
 * One of the instances (nodes) of a multi-instance run: each runs `command` with the plan's environment plus its own,
 * and reaches the others by their `hostname` on a network private to the run.
 */
export interface RunInstance {
  /** Name the other instances reach this one by (a DNS label, unique within the run). */
  hostname: string;
  /** Added to the plan's `env` for this instance (its rank and the like). */
  env: Record<string, string>;
  /** Absolute host path of this instance's own log; its lines also go to the plan's `logFile`, prefixed by `logPrefix`. */
  logFile: string;
  logPrefix: string;
}

export interface RunPlan {
  runId: string;
  /** Shell command with every `${{…}}` already substituted (run by `/bin/sh -c`). */
  command: string;
  /** Working directory as the run sees it (the code snapshot, or an empty folder). */
  workingDir: string;
  env: Record<string, string>;
  mounts: RunMount[];
  /** Image to run in; required by container drivers, ignored by the host driver. */
  image?: string;
  resources?: RunResources;
  /** Absolute host path of the combined stdout/stderr log (`user_logs/std_log.txt`); the driver appends to it. */
  logFile: string;
  /** Host folder the driver may use for its own bookkeeping (exit code file, pid). */
  stateDir: string;
  labels: Record<string, string>;
  /** Writes one of mlw's own lines to the job's log (not the run's output), e.g. that a feature is off on this compute. */
  notice?: (line: string) => void;
  /**
   * Called while the run waits for room to run (a cluster placing it), each time the reason changes, in the words of
   * whoever holds it back ("no suitable node (insufficient resources on 3 nodes)").
   */
  waiting?: (reason: string) => void;
  /**
   * Called once with the exit as soon as the driver knows it, before the driver removes anything that would tell it
   * (a container): the engine records it durably there.
   */
  onExit?: (exit: RunExit) => void;
  /**
   * Runs the command on several instances at once (a distributed job) instead of one. The run ends when every instance
   * exited 0, or with the first instance that failed, once the others are stopped; stopping it stops them all.
   */
  instances?: RunInstance[];
}

export interface RunExit {
  exitCode: number;
  /** Set when the run did not end by itself: killed from outside, vanished, out of memory. */
  reason?: string;
  /** The log that tells why the run failed, when not the plan's `logFile` (the failing instance's). */
  logFile?: string;
}

/** A started (or re-attached) run. */
export interface RunHandle {
  /** Process id or container id. */
  readonly ref: string;
  /** Resolves once the run ended and its output is fully written to the log file. */
  readonly exited: Promise<RunExit>;
  /**
   * Resolves once the run actually runs, when that can be later than `start` returning (a cluster that has not placed
   * it yet); never when it ends without having run. Drivers whose runs run once started omit it.
   */
  readonly started?: Promise<void>;
  /** Stops the run (SIGTERM, then SIGKILL after a grace period); `exited` then resolves. */
  stop(): Promise<void>;
}

/** `mounts` lets a driver that copies them (a remote engine) bring the writable ones back. */
export type ReattachPlan = Pick<RunPlan, 'logFile' | 'stateDir' | 'onExit'> & Partial<Pick<RunPlan, 'mounts' | 'notice' | 'waiting' | 'env'>>;

/**
 * Tells `onExit` how a run ended. Recording it can fail (a full disk, a run folder made unwritable); that must neither
 * lose the exit nor leave a container behind, so the failure is reported as a warning in the daemon's log instead.
 */
export function reportExit(onExit: RunPlan['onExit'], exit: RunExit): void {
  try {
    onExit?.(exit);
  } catch (error) {
    process.emitWarning(`the exit of a run (exit code ${exit.exitCode}) could not be recorded: ${(error as Error).message}`);
  }
}

export interface ComputeDriver {
  readonly kind: 'local' | 'docker' | 'swarm' | 'remote';
  /** Whether `RunPlan` paths are container paths (`/mlw/…`) rather than host paths. */
  readonly containerized: boolean;
  /** Whether it runs a plan's `instances` (one container each); a driver without it runs one container per job. */
  readonly runsInstances: boolean;
  /** Fails with a clear message when the driver cannot run anything (e.g. the Docker engine is down). */
  ping(): Promise<void>;
  start(plan: RunPlan): Promise<RunHandle>;
  /**
   * Re-attaches to a run started by an earlier daemon (`ref` may be empty when that daemon stopped before storing
   * it); `undefined` when the driver finds neither the run nor a record of its exit.
   */
  reattach(runId: string, ref: string, plan: ReattachPlan): Promise<RunHandle | undefined>;
  /**
   * Holds the capacity the compute keeps while idle (a swarm compute's `min_instances`), in the workspace's name and
   * with the compute's `default_image` and `resources`; called again when the compute is registered anew.
   */
  holdCapacity?(held: { workspace: string; image?: string; resources?: RunResources }): Promise<void>;
  /** Gives that capacity back: the control plane stops, or the compute got a new spec (a new driver). */
  releaseCapacity?(): Promise<void>;
}

/** Labels every mlw-managed container and image carries, so reconcile and test clean-up can find them. */
export const RUN_LABEL = 'mlw.run';
export const WORKSPACE_LABEL = 'mlw.workspace';
