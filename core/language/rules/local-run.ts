import { childOf, deref, isScalar, pairOf, type YamlMap, type YamlNode, type YamlPair } from '../yaml/ast';
import type { SpecDiagnostic } from '../diagnostics';
import { registryAddress, WORKSPACE_FIELDS_NOT_USED } from '../workspace-backing';
import type { RuleContext } from './context';
import { jobNodes, mapAt } from './scopes';

/**
 * Rules whose findings do not stop editing (Azure ML accepts the YAML) but would make mlw run something other than
 * what the spec asks for: errors on submit, as unresolved references are.
 */
export const NOT_RUNNABLE_RULES: ReadonlySet<string> = new Set(['distributed-not-supported']);

/** Where an amlcompute's runs go, and why none of its capacity is kept warm there. */
const CLUSTER_RUNS = 'each run is a container on this machine\'s Docker engine, or a service on its Swarm when that engine is a Swarm manager';
const CLUSTER_HOLDS_NOTHING = 'an amlcompute has no `resources` to reserve, so it holds no capacity on a Swarm either (a `type: swarm` compute with `resources` keeps its capacity reserved)';

const CLUSTER_FIELDS: Record<string, string> = {
  size: `${CLUSTER_RUNS}; the VM size is not used`,
  idle_time_before_scale_down: `mlw keeps no nodes warm, so there is nothing to scale down: ${CLUSTER_HOLDS_NOTHING}`,
};

const INSTANCE_FIELDS: Record<string, string> = {
  size: 'runs are containers on this machine\'s Docker engine, not a VM of this size',
  idle_time_before_shutdown: 'there is no VM to shut down: containers start per run and are removed when it ends',
  idle_time_before_shutdown_minutes: 'there is no VM to shut down: containers start per run and are removed when it ends',
};

const RESOURCE_FIELDS: Record<string, string> = {
  instance_type: 'the compute decides what a run gets; mlw does not pick a VM size',
  docker_args: 'mlw does not pass extra `docker run` arguments (containers run with a fixed, locked-down configuration)',
  max_instance_count: 'mlw runs one instance per job',
  locations: 'mlw runs on this machine',
  properties: 'mlw does not use resource properties',
};

/** Datastore kinds that register but whose data mlw does not read or write itself. */
const DATASTORES_NOT_REACHED: Record<string, string> = {
  'datastore/azure_data_lake_gen2': 'mlw does not read or write Data Lake Gen2 datastores: their service principal or identity credentials need Microsoft Entra ID, which mlw does not sign in to; a job reaches their data only with `mode: direct` (the URI as given)',
  'datastore/azure_file': 'mlw does not read or write Azure Files datastores yet; a job reaches their data only with `mode: direct` (the URI as given)',
};

const JOB_FIELDS: Record<string, string> = {
  services: 'mlw starts no interactive services (JupyterLab, SSH, TensorBoard, VS Code) for a run; follow it with `mlw job stream` or the editor',
  queue_settings: 'mlw queues jobs per compute in the order they are submitted, up to its `max_instances` at a time; job tier and priority are not used',
  identity: 'the run gets no Azure identity: it runs as the daemon\'s user, and data is read and written with the datastores\' own credentials',
};

/**
 * Says, at their position, what mlw does with the fields it accepts but does not act on, so that "valid in the
 * editor" never hides a field that would be silently ignored; plus the cost lints of Azure's compute model.
 */
export function checkLocalRun(outer: RuleContext): void {
  const root = outer.doc.rootMap;
  if (!root) return;
  // The same information on every step of a large pipeline would bury the findings that matter: it is said once,
  // at its first place, with how many more places there are.
  const infos = new Map<string, { finding: SpecDiagnostic; more: number }>();
  const ctx: RuleContext = {
    ...outer,
    report: (finding) => {
      if (finding.severity !== 'information') return outer.report(finding);
      const first = infos.get(finding.message);
      if (first) first.more++;
      else infos.set(finding.message, { finding, more: 0 });
    },
  };
  checkKinds(ctx, root);
  for (const { finding, more } of infos.values()) outer.report(more ? { ...finding, message: `${finding.message} (the same at ${more} more place${more === 1 ? '' : 's'} in this file)` } : finding);
}

function checkKinds(ctx: RuleContext, root: YamlMap): void {
  if (ctx.kind.id === 'compute/amlcompute') checkCluster(ctx, root);
  if (ctx.kind.id === 'compute/computeinstance') checkInstance(ctx, root);
  if (ctx.kind.id === 'compute/local') {
    checkWarmInstances(ctx, root);
    const gpus = fieldOf(mapAt(root, 'resources'), 'gpus');
    if (gpus) info(ctx, gpus.key, '`gpus`: mlw does not pass GPUs to containers yet; runs see no GPU');
  }
  if (ctx.kind.asset === 'job') for (const job of jobNodes(ctx.doc)) checkJob(ctx, job.node);
  if (ctx.kind.id === 'job/command') checkHostEnvironment(ctx, root);
  if (ctx.kind.id === 'deployment/batch') checkBatchInstances(ctx, root);
  const unreachable = DATASTORES_NOT_REACHED[ctx.kind.id];
  if (unreachable) info(ctx, fieldOf(root, 'type')?.value ?? null, unreachable);
  if (ctx.kind.id === 'workspace') {
    for (const [field, what] of Object.entries(WORKSPACE_FIELDS_NOT_USED)) {
      const pair = fieldOf(root, field);
      if (pair && !(field === 'container_registry' && registryAddress(scalarText(pair.value)))) info(ctx, pair.key, `\`${field}\`: ${what}`);
    }
  }
}

function checkCluster(ctx: RuleContext, root: YamlMap): void {
  for (const [field, what] of Object.entries(CLUSTER_FIELDS)) {
    const pair = fieldOf(root, field);
    if (pair) info(ctx, pair.key, `\`${field}\`: ${what}`);
  }
  const min = fieldOf(root, 'min_instances');
  const value = min && deref(min.value);
  if (isScalar(value) && typeof value.value === 'number' && value.value > 0) {
    info(ctx, min!.key, `\`min_instances\`: mlw keeps no nodes warm: ${CLUSTER_RUNS}, started per run; ${CLUSTER_HOLDS_NOTHING}`);
    ctx.report({ start: value.start, end: value.end, severity: 'warning', rule: 'idle-cost', message: `\`min_instances: ${value.value}\` keeps ${value.value} node${value.value === 1 ? '' : 's'} running (and billed) in Azure while no job runs; use 0 unless you need warm nodes` });
  }
}

/**
 * A swarm compute holds `min_instances` as reserved capacity (placeholders reserving its `resources`, running its
 * `default_image` or else the image of its last run); the other local computes start everything per run.
 */
function checkWarmInstances(ctx: RuleContext, root: YamlMap): void {
  const min = fieldOf(root, 'min_instances');
  const value = min && deref(min.value);
  if (!isScalar(value) || typeof value.value !== 'number' || value.value <= 0) return;
  if (scalarText(fieldOf(root, 'type')?.value) !== 'swarm') {
    info(ctx, min!.key, '`min_instances`: mlw keeps no instances warm on this compute: each run starts its own container or process');
    return;
  }
  const resources = mapAt(root, 'resources');
  if (!fieldOf(resources, 'cpus') && !fieldOf(resources, 'memory')) info(ctx, min!.key, '`min_instances`: without `resources` (cpus, memory) the capacity held on the Swarm reserves nothing');
  else if (!fieldOf(root, 'default_image')) info(ctx, min!.key, '`min_instances`: without `default_image` the capacity is held from the first run on (the placeholders run its image)');
}

function checkInstance(ctx: RuleContext, root: YamlMap): void {
  for (const [field, what] of Object.entries(INSTANCE_FIELDS)) {
    const pair = fieldOf(root, field);
    if (pair) info(ctx, pair.key, `\`${field}\`: ${what}`);
  }
  if (!fieldOf(root, 'idle_time_before_shutdown') && !fieldOf(root, 'idle_time_before_shutdown_minutes')) {
    const at = fieldOf(root, 'type')?.value ?? root;
    ctx.report({ start: at.start, end: at.end, severity: 'warning', rule: 'idle-cost', message: 'a compute instance does not scale to zero: without `idle_time_before_shutdown_minutes` it is billed until stopped by hand' });
  }
}

function checkJob(ctx: RuleContext, job: YamlMap): void {
  const rule = fieldOf(mapAt(job, 'sampling_algorithm'), 'rule');
  const ruleValue = rule ? deref(rule.value) : null;
  if (rule && isScalar(ruleValue) && String(ruleValue.value).toLowerCase() === 'sobol') info(ctx, rule.key, '`rule: sobol`: mlw samples with its seeded pseudo-random generator, not a Sobol sequence');
  for (const [field, what] of Object.entries(JOB_FIELDS)) {
    const pair = fieldOf(job, field);
    if (pair) info(ctx, pair.key, `\`${field}\`: ${what}`);
  }
  const resources = mapAt(job, 'resources');
  for (const [field, what] of Object.entries(RESOURCE_FIELDS)) {
    const pair = fieldOf(resources, field);
    if (pair) info(ctx, pair.key, `\`resources.${field}\`: ${what}`);
  }
  checkDistributed(ctx, job, resources);
}

/**
 * Several instances or a `distribution` run as one container per instance on a Docker compute, a remote engine or a Swarm; a host-process compute
 * would run one process instead, so there they are refused on submit, as are the kinds mlw does not distribute.
 */
function checkDistributed(ctx: RuleContext, job: YamlMap, resources: YamlMap | undefined): void {
  const count = fieldOf(resources, 'instance_count');
  const instances = count ? deref(count.value) : null;
  const many = isScalar(instances) && typeof instances.value === 'number' && instances.value > 1;
  const distribution = fieldOf(job, 'distribution');
  if (!many && !distribution) return;
  if (!runsCommands(ctx, job)) {
    if (many) notRunnable(ctx, count!.value ?? count!.key, `\`instance_count: ${String(instances!.value)}\`: mlw runs this kind of job on one instance; multi-node jobs are refused on submit`);
    return;
  }
  const host = hostCompute(ctx, job);
  if (host !== undefined) {
    const where = host === 'local' ? 'the `local` compute' : `the \`${host}\` compute (\`type: local\`)`;
    const fix = 'run it on a Docker compute (`type: amlcompute` or `docker`)';
    if (many) notRunnable(ctx, count!.value ?? count!.key, `\`instance_count: ${String(instances!.value)}\`: ${where} runs the command as one process on this machine, so this job is refused on submit; ${fix}`);
    if (distribution) notRunnable(ctx, distribution.key, `\`distribution\`: ${where} runs the command as one process and sets up no distributed training, so this job is refused on submit; ${fix}`);
    return;
  }
  const type = distribution ? deref(childOf(distribution.value as YamlMap, 'type')) : null;
  if (isScalar(type) && String(type.value).toLowerCase() === 'ray') notRunnable(ctx, type, '`type: ray`: mlw starts no Ray cluster, so this job is refused on submit; pytorch, tensorflow and mpi distributions run');
}

/** Whether the job (or step) runs a command: a command job, a command step or a sweep's trial. */
function runsCommands(ctx: RuleContext, job: YamlMap): boolean {
  if (job === ctx.doc.rootMap) return ctx.kind.id === 'job/command';
  const type = deref(fieldOf(job, 'type')?.value ?? null);
  return !isScalar(type) || String(type.value) === 'command';
}

/** A batch deployment runs on one instance: its mini-batches go to `max_concurrency_per_instance` processes there. */
function checkBatchInstances(ctx: RuleContext, root: YamlMap): void {
  for (const scope of ['resources', 'settings']) {
    const count = fieldOf(mapAt(root, scope), 'instance_count');
    const value = deref(count?.value ?? null);
    if (count && isScalar(value) && typeof value.value === 'number' && value.value > 1) {
      notRunnable(ctx, value, `\`${scope}.instance_count: ${value.value}\`: mlw runs a batch deployment on one instance (with \`max_concurrency_per_instance\` processes), so this deployment is refused on create; use 1 and raise \`max_concurrency_per_instance\``);
    }
  }
}

/**
 * On a host-process compute — the built-in `local` (named or implied) or a compute of `type: local` defined in the
 * workspace folder — an environment's image or Docker build is not used, nor is `resources.shm_size`.
 */
function checkHostEnvironment(ctx: RuleContext, job: YamlMap): void {
  const compute = hostCompute(ctx, job);
  if (compute === undefined) return;
  const where = compute === 'local' ? 'on the `local` compute' : `on the \`${compute}\` compute (\`type: local\`)`;
  const shm = fieldOf(mapAt(job, 'resources'), 'shm_size');
  if (shm) info(ctx, shm.key, `\`resources.shm_size\`: ${where} the command runs as a process on this machine, which has no container /dev/shm to size`);
  const environment = mapAt(job, 'environment');
  if (!environment || fieldOf(environment, 'conda_file')) return;
  const image = fieldOf(environment, 'image') ?? fieldOf(environment, 'build');
  if (!image) return;
  const what = fieldOf(environment, 'image') ? 'the image' : 'the Docker build';
  info(ctx, image.key, `${where} ${what} is not used: the command runs as a process with this machine's tools; to run in it, use a Docker compute`);
}

/** The name of the compute the job runs on as the engine reads it (no compute, or one that is not a name, is `local`). */
function computeName(ctx: RuleContext, job: YamlMap): string {
  const root = ctx.doc.rootMap;
  const inherited = job === root ? undefined : fieldOf(mapAt(root!, 'settings'), 'default_compute') ?? fieldOf(root, 'compute');
  const value = deref(fieldOf(job, 'compute')?.value ?? inherited?.value ?? null);
  if (!isScalar(value) || typeof value.value !== 'string' || value.value.trim() === '') return 'local';
  return value.value.trim().replace(/^azureml:/, '');
}

/** The name of the host-process compute the job runs on, or undefined when it runs elsewhere (or it is not known). */
function hostCompute(ctx: RuleContext, job: YamlMap): string | undefined {
  const name = computeName(ctx, job);
  if (name === 'local') return name;
  return ctx.index.find('compute', name).some((c) => c.origin === 'file' && c.kind === 'compute/local' && (c.computeType ?? 'local') === 'local') ? name : undefined;
}

function fieldOf(map: YamlMap | undefined, key: string): YamlPair | undefined {
  return map ? pairOf(map, key) : undefined;
}

function info(ctx: RuleContext, at: YamlNode | null, message: string): void {
  if (!at) return;
  ctx.report({ start: at.start, end: at.end, severity: 'information', rule: 'not-run-locally', message });
}

function notRunnable(ctx: RuleContext, at: YamlNode | null, message: string): void {
  if (!at) return;
  ctx.report({ start: at.start, end: at.end, severity: 'warning', rule: 'distributed-not-supported', message });
}

function scalarText(node: YamlNode | null | undefined): string | undefined {
  const value = deref(node);
  return isScalar(value) && typeof value.value === 'string' ? value.value : undefined;
}
