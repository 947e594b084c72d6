import path from 'node:path';
import { assertDirectOutputWritable } from '../../data/blob';
import type { DatastoreResolver } from '../../data/datastores';
import { DataError } from '../../data/errors';
import type { EnvironmentSource } from '../../env/builder';
import type { CommandJobSpec } from '../../language/types/jobs';
import { parseReference } from '../../language';
import type { JobRow } from '../../store/jobs';
import { jobShmBytes } from '../computes';
import { readDistributedPlan, type DistributedPlan } from '../distribution';
import type { AssetResolver } from '../resolve';
import { computeName } from '../resolve';

/** What a command job's row stores: its spec with every reference resolved at submission. */
export interface CommandPlan {
  command: string;
  environment?: EnvironmentSource;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  environment_variables?: Record<string, string | number | boolean>;
  limits?: { timeout?: number };
  /** Spec folder: relative input paths resolve against it. */
  spec_dir: string;
  /** Data asset inputs resolved at submission (`azureml:name:v` → its path and folder). */
  data_assets?: Record<string, { path: string; type?: string; baseDir: string }>;
  /** The job's `resources.shm_size` in bytes; overrides the compute's for containers. */
  shm_bytes?: number;
  /** Where outputs without a `path` go, when not the workspace's default: a pipeline's `settings.default_datastore`. */
  default_datastore?: string;
  /** `resources.instance_count` over 1 or a `distribution`: the instances it runs on and how they meet. */
  distributed?: DistributedPlan;
}

/** A command job spec (a job file, a pipeline step or a sweep trial) as the engine reads it. */
export type CommandSpec = Pick<CommandJobSpec, 'command' | 'code' | 'compute' | 'inputs' | 'outputs' | 'environment_variables' | 'limits' | 'resources'> & Partial<Pick<CommandJobSpec, 'distribution'>> & Partial<Pick<CommandJobSpec, 'environment'>>;

export interface CommandContext {
  /** The workspace folder (messages name files relative to it). */
  root: string;
  resolver: AssetResolver;
  datastores: DatastoreResolver;
  /** Snapshots a code folder (content-addressed) and returns its hash. */
  snapshot: (codeDir: string) => Promise<string>;
}

export interface PreparedCommand {
  plan: CommandPlan;
  compute: string;
  snapshotHash?: string;
}

/** Resolves a command spec's references and snapshots its code; refuses what staging would refuse later. */
export async function prepareCommand(spec: CommandSpec, specDir: string, ctx: CommandContext): Promise<PreparedCommand> {
  const shmBytes = jobShmBytes(spec.resources);
  const distributed = readDistributedPlan(spec.resources, spec.distribution);
  const environment = spec.environment !== undefined ? ctx.resolver.environment(spec.environment, specDir) : undefined;
  const plan: CommandPlan = {
    command: spec.command,
    ...(environment ? { environment } : {}),
    ...(spec.inputs ? { inputs: spec.inputs } : {}),
    ...(spec.outputs ? { outputs: spec.outputs } : {}),
    ...(spec.environment_variables ? { environment_variables: spec.environment_variables } : {}),
    ...(spec.limits?.timeout !== undefined ? { limits: { timeout: Number(spec.limits.timeout) } } : {}),
    spec_dir: specDir,
    data_assets: ctx.resolver.dataAssets(spec.inputs as Record<string, unknown> | undefined),
    ...(shmBytes !== undefined ? { shm_bytes: shmBytes } : {}),
    ...(distributed ? { distributed } : {}),
  };
  checkDataPaths(spec, specDir, ctx.datastores);
  const snapshotHash = spec.code ? await ctx.snapshot(path.resolve(specDir, spec.code)) : undefined;
  return { plan, compute: computeName(spec.compute), ...(snapshotHash ? { snapshotHash } : {}) };
}

/** The stored plan of a command job, decoded once per run. */
export function decodeCommandPlan(row: JobRow): CommandPlan {
  return JSON.parse(row.spec) as CommandPlan;
}

/**
 * Refuses at submission what staging would refuse later: missing data, unknown datastores, paths escaping, `direct`
 * Blob outputs the run could not write.
 */
function checkDataPaths(spec: CommandSpec, specDir: string, datastores: DatastoreResolver): void {
  const pathOf = (entry: unknown) => (typeof entry === 'object' && entry !== null && typeof (entry as { path?: unknown }).path === 'string' ? (entry as { path: string }).path : undefined);
  for (const [section, mustExist] of [['inputs', true], ['outputs', false]] as const) {
    for (const [name, entry] of Object.entries(spec[section] ?? {})) {
      const given = pathOf(entry);
      const form = given === undefined ? undefined : parseReference(given)?.form;
      if (form !== 'file' && form !== 'datastore-path' && form !== 'job-output') continue;
      try {
        const location = datastores.resolve(given!, specDir, { mustExist });
        if (section === 'outputs' && (entry as { mode?: string }).mode === 'direct' && location.kind === 'remote' && location.blob) assertDirectOutputWritable(location.blob.datastore);
      } catch (error) {
        throw DataError.at(`${section}.${name}`, `${section}.${name}`, error);
      }
    }
  }
}
