import path from 'node:path';
import type { RunInstance } from '../compute/driver';
import { rankFailedNotice } from '../compute/instance-log';
import type { Distribution } from '../language/types/jobs';
import { SpecRejected } from '../errors';

/** What a command job asks for beyond one process: `resources.instance_count` and `distribution`, checked. */
export interface DistributedPlan {
  instance_count: number;
  distribution?: Distribution;
}

/** The port rank 0 listens on for PyTorch's rendezvous (torch's own default). */
export const PYTORCH_MASTER_PORT = '29500';
/** The port each TensorFlow task serves on, in `TF_CONFIG`. */
export const TENSORFLOW_PORT = 2222;
/** The port in `AZ_BATCH_MASTER_NODE` (`<host>:<port>`), as Azure ML's MPI jobs give it. */
export const MPI_MASTER_PORT = 6105;

/**
 * Reads `resources.instance_count` and `distribution` of a command job; `undefined` when it runs as one process.
 * A value mlw cannot run is refused here, at submission, with the field it is at.
 */
export function readDistributedPlan(resources: unknown, distribution: unknown): DistributedPlan | undefined {
  const count = (resources as { instance_count?: unknown } | null | undefined)?.instance_count;
  const instanceCount = count === undefined || count === null ? 1 : positiveInteger(count, 'resources.instance_count');
  if (distribution === undefined || distribution === null) return instanceCount > 1 ? { instance_count: instanceCount } : undefined;
  const given = distribution as Record<string, unknown>;
  const type = String(given.type ?? '').toLowerCase();
  if (type === 'pytorch' || type === 'mpi') {
    const processes = given.process_count_per_instance;
    if (processes !== undefined) positiveInteger(processes, 'distribution.process_count_per_instance');
  } else if (type === 'tensorflow') {
    const ps = given.parameter_server_count === undefined ? 0 : nonNegativeInteger(given.parameter_server_count, 'distribution.parameter_server_count');
    const workers = given.worker_count === undefined ? instanceCount - ps : positiveInteger(given.worker_count, 'distribution.worker_count');
    if (workers < 1 || workers + ps !== instanceCount) {
      throw new SpecRejected(`distribution: ${workers} workers and ${ps} parameter servers need instance_count ${workers + ps} (each runs on its own instance), not ${instanceCount}`);
    }
  } else {
    throw new SpecRejected(`distribution.type: mlw runs pytorch, tensorflow and mpi distributions, not ${JSON.stringify(given.type ?? null)}`);
  }
  return { instance_count: instanceCount, distribution: { ...given, type } as Distribution };
}

/** Refuses a distributed job on a compute whose driver runs one process or one container per job: not as asked. */
export function refuseDistributedWithoutInstances(plan: { distributed?: DistributedPlan }, target: { name: string; type?: string; capacity: number; driver: { containerized: boolean; runsInstances: boolean } }): void {
  const distributed = plan.distributed;
  if (distributed && target.driver.runsInstances && distributed.instance_count > target.capacity) {
    throw new SpecRejected(`resources.instance_count: ${distributed.instance_count}: compute ${target.name} has ${target.capacity} instance${target.capacity === 1 ? '' : 's'} (max_instances); a job's instances start together, so it would never start`);
  }
  if (!distributed || target.driver.runsInstances) return;
  const what = distributed.instance_count > 1 ? `resources.instance_count: ${distributed.instance_count}` : `distribution (${distributed.distribution!.type})`;
  const how = target.driver.containerized ? `runs one container per job (type ${target.type ?? 'unknown'})` : 'runs the command as one process on this machine';
  throw new SpecRejected(`${what}: compute ${target.name} ${how}; run distributed jobs on a Docker compute (type amlcompute or docker), a remote engine (type remote) or a Swarm (type swarm)`);
}

/** The instances a distributed job runs on, each with the variables Azure ML sets there, and the command each runs. */
export function distributedInstances(jobName: string, plan: DistributedPlan, command: string, userLogsDir: string): { instances: RunInstance[]; command: string } {
  const count = plan.instance_count;
  const hosts = Array.from({ length: count }, (_, index) => instanceHostname(jobName, index));
  const distribution = plan.distribution;
  const perInstance = distribution && distribution.type !== 'tensorflow' && distribution.type !== 'ray' ? Number(distribution.process_count_per_instance ?? 1) : 1;
  const logOf = (index: number) =>
    perInstance === 1
      ? { logFile: path.join(userLogsDir, `std_log_process_${index}.txt`), logPrefix: `[rank ${index}] ` }
      : { logFile: path.join(userLogsDir, `std_log_node_${index}.txt`), logPrefix: `[node ${index}] ` };
  const instances = hosts.map((hostname, index): RunInstance => ({ hostname, env: instanceEnv(plan, hosts, index, perInstance), ...logOf(index) }));
  if (perInstance === 1) return { instances, command };
  const [rankVar, localVar] = distribution!.type === 'mpi' ? ['OMPI_COMM_WORLD_RANK', 'OMPI_COMM_WORLD_LOCAL_RANK'] : ['RANK', 'LOCAL_RANK'];
  return { instances, command: launchProcesses(command, perInstance, rankVar!, localVar!) };
}

function instanceEnv(plan: DistributedPlan, hosts: string[], index: number, perInstance: number): Record<string, string> {
  const distribution = plan.distribution;
  const world = String(hosts.length * perInstance);
  const single = perInstance === 1;
  return { ...frameworkEnv(distribution, hosts, index, perInstance, world, single), ...(single ? {} : { MLW_FIRST_RANK: String(index * perInstance) }) };
}

function frameworkEnv(distribution: Distribution | undefined, hosts: string[], index: number, perInstance: number, world: string, single: boolean): Record<string, string> {
  switch (distribution?.type) {
    case 'pytorch':
      return {
        MASTER_ADDR: hosts[0]!,
        MASTER_PORT: PYTORCH_MASTER_PORT,
        WORLD_SIZE: world,
        NODE_RANK: String(index),
        ...(single ? { RANK: String(index), LOCAL_RANK: '0' } : {}),
      };
    case 'mpi':
      return {
        AZ_BATCH_MASTER_NODE: `${hosts[0]}:${MPI_MASTER_PORT}`,
        AZ_BATCHAI_MPI_MASTER_NODE: hosts[0]!,
        AZ_BATCH_HOST_LIST: hosts.join(','),
        OMPI_COMM_WORLD_SIZE: world,
        OMPI_COMM_WORLD_LOCAL_SIZE: String(perInstance),
        ...(single ? { OMPI_COMM_WORLD_RANK: String(index), OMPI_COMM_WORLD_LOCAL_RANK: '0' } : {}),
      };
    case 'tensorflow': {
      const ps = Number(distribution.parameter_server_count ?? 0);
      const workers = hosts.length - ps;
      const address = (host: string) => `${host}:${TENSORFLOW_PORT}`;
      const task = index < workers ? { type: 'worker', index } : { type: 'ps', index: index - workers };
      const cluster = { worker: hosts.slice(0, workers).map(address), ...(ps > 0 ? { ps: hosts.slice(workers).map(address) } : {}) };
      return { TF_CONFIG: JSON.stringify({ cluster, task, environment: 'cloud' }) };
    }
    default:
      return {};
  }
}

/**
 * A shell command that starts `processes` copies of `command`, each with its global and local rank, and forwards a
 * stop to them. The first process that fails stops the others (after 10 s, with SIGKILL), says so in the log
 * (`rankFailedNotice`) and gives the instance its exit status, as Azure ML's per-process launch. POSIX `sh` has no
 * `wait -n`: a CHLD trap ends a pending `wait` when any process ends (dash, busybox) or skips it when one ended since
 * the last look, and a one-second `sleep` bounds it where a trap does not end a `wait` (bash) or came just before it.
 */
function launchProcesses(command: string, processes: number, rankVar: string, localVar: string): string {
  return [
    `set -- ${shellQuote(command)}`,
    'mlw_pids=""; mlw_ranks=""; mlw_local=0; mlw_stopping=""',
    `trap 'mlw_stopping=1; kill $mlw_pids 2>/dev/null' TERM INT`,
    "trap 'mlw_ended=1' CHLD",
    `while [ "$mlw_local" -lt ${processes} ]; do`,
    '  mlw_rank=$((MLW_FIRST_RANK + mlw_local))',
    `  ${rankVar}=$mlw_rank ${localVar}=$mlw_local /bin/sh -c "$1" &`,
    '  mlw_pids="$mlw_pids $!"; mlw_ranks="$mlw_ranks $!:$mlw_rank"; mlw_local=$((mlw_local + 1))',
    'done',
    'mlw_status=0; mlw_grace=""',
    'while :; do',
    '  mlw_left=""; mlw_ended=""',
    '  for mlw_entry in $mlw_ranks; do',
    '    mlw_pid=${mlw_entry%%:*}',
    '    if kill -0 "$mlw_pid" 2>/dev/null; then mlw_left="$mlw_left $mlw_entry"; continue; fi',
    '    wait "$mlw_pid"; mlw_code=$?',
    '    [ "$mlw_code" -eq 0 ] || [ "$mlw_status" -ne 0 ] && continue',
    '    mlw_status=$mlw_code',
    '    [ -n "$mlw_stopping" ] && continue',
    `    echo "${rankFailedNotice('${mlw_entry#*:}', '$mlw_code')}"; mlw_grace=10`,
    '    kill $mlw_pids 2>/dev/null',
    '  done',
    '  mlw_ranks=$mlw_left',
    '  [ -n "$mlw_ranks" ] || break',
    '  [ "$mlw_grace" = 0 ] && kill -KILL $mlw_pids 2>/dev/null',
    '  [ -n "$mlw_grace" ] && mlw_grace=$((mlw_grace - 1))',
    '  if command -v sleep >/dev/null; then sleep 1 & mlw_tick=$!; [ -n "$mlw_ended" ] || wait "$mlw_tick"; kill "$mlw_tick" 2>/dev/null; wait "$mlw_tick" 2>/dev/null',
    '  else mlw_first=${mlw_ranks# }; wait "${mlw_first%%:*}"; fi',
    'done',
    'exit "$mlw_status"',
  ].join('\n');
}

/** A DNS label naming instance `index` of a job on the job's own network (at most 63 characters). */
export function instanceHostname(jobName: string, index: number): string {
  const stem = jobName.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 50) || 'job';
  return `${stem}-${index}`;
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function positiveInteger(value: unknown, field: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new SpecRejected(`${field} must be a whole number of at least 1, not ${JSON.stringify(value)}`);
  return number;
}

function nonNegativeInteger(value: unknown, field: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new SpecRejected(`${field} must be a whole number of at least 0, not ${JSON.stringify(value)}`);
  return number;
}
