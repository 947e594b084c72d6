import path from 'node:path';
import { isTerminal, type JobDetail, type SweepTrial } from '../../vocabulary';
import { SpecRejected } from '../../errors';
import { specOf } from '../../language';
import type { EventLog } from '../../store/events';
import { isoTime, type JobRow } from '../../store/jobs';
import { prepareCommand, type CommandPlan, type CommandSpec } from './command';
import type { JobKind, Orchestrator } from './kind';
import { childJobName, KeyedSerializer, type OrchestrationContext } from './orchestration';
import type { ComponentLoader } from './pipeline';
import { SweepReports } from './sweep-reports';
import { bestTrial, createSampler, objectiveValue, parseEarlyTermination, parseObjective, seedFromText, SweepSpecError, trialsToTerminate, type Objective, type Params } from './sweep';

/** What a sweep job's row stores: the trial as a command spec, and the sweep's settings as written. */
export interface SweepPlan {
  spec_dir: string;
  trial: CommandSpec;
  search_space: unknown;
  sampling_algorithm: unknown;
  early_termination?: unknown;
  objective: Objective;
  limits: { max_total_trials: number; max_concurrent_trials: number; timeout?: number };
  /** A sweep step's pipeline `settings.default_datastore`: where trial outputs without a `path` go. */
  default_datastore?: string;
}

/** A trial's plan: a command job with the parameters it was sampled with. */
type TrialPlan = CommandPlan & { params?: Params };

const DEFAULT_TOTAL_TRIALS = 1000;

/**
 * Sweep jobs: trials are child jobs, sampled one at a time (random, grid or bayesian) up to `max_concurrent_trials`
 * at once and `max_total_trials` in all. The early-termination policy is applied each time a running trial reports
 * the primary metric; a stopped trial ends Canceled with the policy's reason. The sweep completes when no trial is
 * left to run and at least one completed.
 */
export function sweepKind(ctx: OrchestrationContext & { events: EventLog }, loadComponent: ComponentLoader): JobKind {
  const histories = new SweepReports(ctx.events);
  const serializer = new KeyedSerializer();
  const timers = new Map<string, NodeJS.Timeout>();
  /** Running trials → their sweep, for the metric subscription. */
  const trialsOf = new Map<string, string>();
  /** Ended trials → their primary metric's objective value: it no longer changes, and each trial sampled reads them all. */
  const endedObjectives = new Map<string, number | undefined>();
  const expire = (name: string) => (reason: string) => serializer.run(name, () => stop(ctx, name, 'Canceled', reason, timers));
  const advance = (name: string) => serializer.run(name, () => advanceSweep(ctx, name, trialsOf, endedObjectives, timers, expire(name), histories));
  ctx.events.subscribe((event) => {
    // A trial that ended is no longer followed, so the map holds only running trials.
    if (event.type === 'status' && isTerminal(event.status)) trialsOf.delete(event.job);
    if (event.type !== 'metric') return;
    const sweep = trialsOf.get(event.job);
    if (sweep) void serializer.run(sweep, () => terminateEarly(ctx, sweep, histories));
  });
  const orchestrator: Orchestrator = {
    advance: (job) => advance(job.name),
    cancel: (job, reason) => serializer.run(job.name, () => stop(ctx, job.name, 'Canceled', reason, timers)),
    detail: (job) => detail(ctx, job),
  };
  return {
    type: 'sweep',
    spec: 'job/sweep',
    orchestrator,
    prepare: async (spec) => {
      const value = (specOf(spec, 'job/sweep') ?? {}) as unknown as Record<string, unknown>;
      const specDir = path.dirname(spec.path);
      try {
        const plan = sweepPlan(value, specDir, trialSpec(value, specDir, loadComponent));
        return { plan, compute: String(plan.trial.compute ?? 'local').replace(/^azureml:/, '') };
      } catch (error) {
        if (error instanceof SweepSpecError) throw new SpecRejected(`${path.relative(ctx.submit.root, spec.path)}: ${error.message}`);
        throw error;
      }
    },
  };
}

/** A sweep's plan from its settings as written (a sweep job's or a pipeline's sweep step's) and its trial; throws a `SweepSpecError`. */
export function sweepPlan(value: Record<string, unknown>, specDir: string, trial: CommandSpec): SweepPlan {
  const objective = parseObjective(value.objective);
  createSampler(value.search_space, value.sampling_algorithm, objective.goal);
  parseEarlyTermination(value.early_termination);
  const limits = (value.limits ?? {}) as { max_total_trials?: number; max_concurrent_trials?: number; timeout?: number };
  const total = Number(limits.max_total_trials ?? DEFAULT_TOTAL_TRIALS);
  return {
    spec_dir: specDir,
    trial,
    search_space: value.search_space,
    sampling_algorithm: value.sampling_algorithm ?? 'random',
    ...(value.early_termination ? { early_termination: value.early_termination } : {}),
    objective,
    limits: { max_total_trials: total, max_concurrent_trials: Math.max(1, Number(limits.max_concurrent_trials ?? total)), ...(limits.timeout ? { timeout: Number(limits.timeout) } : {}) },
  };
}

/** The trial as a command spec: written inline, or a command component (`trial: ./train.yml`) with the sweep's inputs. */
function trialSpec(value: Record<string, unknown>, specDir: string, loadComponent: ComponentLoader): CommandSpec {
  let trial = value.trial as Record<string, unknown> | string;
  let dir = specDir;
  let defaults: Record<string, unknown> = {};
  if (typeof trial === 'string') {
    const loaded = loadComponent(trial, specDir);
    if (!loaded) throw new SweepSpecError(`trial component ${trial} not found`);
    trial = loaded.spec as Record<string, unknown>;
    dir = loaded.dir;
    const declared = (trial.inputs ?? {}) as Record<string, { default?: unknown } | null>;
    defaults = Object.fromEntries(Object.entries(declared).flatMap(([name, input]) => (input?.default !== undefined ? [[name, input.default]] : [])));
  }
  const limits = value.limits as { trial_timeout?: number } | undefined;
  return {
    command: String(trial.command),
    ...(typeof trial.code === 'string' ? { code: path.resolve(dir, trial.code) } : {}),
    ...(trial.environment !== undefined ? { environment: trial.environment as CommandSpec['environment'] } : {}),
    inputs: { ...defaults, ...(value.inputs as Record<string, unknown> | undefined) } as CommandSpec['inputs'],
    ...(value.outputs ? { outputs: value.outputs as CommandSpec['outputs'] } : {}),
    ...(trial.environment_variables ? { environment_variables: trial.environment_variables as Record<string, string> } : {}),
    ...(trial.resources ?? value.resources ? { resources: (trial.resources ?? value.resources) as CommandSpec['resources'] } : {}),
    ...(trial.distribution ? { distribution: trial.distribution as CommandSpec['distribution'] } : {}),
    ...(limits?.trial_timeout ? { limits: { timeout: Number(limits.trial_timeout) } } : {}),
    compute: String(value.compute ?? 'local'),
  };
}

function decode(row: JobRow): SweepPlan {
  return JSON.parse(row.spec) as SweepPlan;
}

function paramsOf(trial: JobRow): Params {
  return (JSON.parse(trial.spec) as TrialPlan).params ?? {};
}

/** The primary metric's reports of a trial, in order. */
function reports(ctx: { events: EventLog }, trial: string, metric: string): number[] {
  return ctx.events.ofJob(trial, 'metric').flatMap((event) => (event.type === 'metric' && event.key === metric ? [event.value] : []));
}

async function advanceSweep(ctx: OrchestrationContext & { events: EventLog }, name: string, trialsOf: Map<string, string>, endedObjectives: Map<string, number | undefined>, timers: Map<string, NodeJS.Timeout>, expire: (reason: string) => Promise<void>, histories: SweepReports): Promise<void> {
  const sweep = ctx.jobs.get(name);
  // A pipeline's sweep step is NotStarted until its inputs exist and its plan is stored.
  if (!sweep || isTerminal(sweep.status) || sweep.status === 'NotStarted') return;
  const plan = decode(sweep);
  const { limits } = plan;
  if (limits.timeout && !timers.has(name)) {
    const left = (sweep.started_at ?? Date.now()) + limits.timeout * 1000 - Date.now();
    timers.set(name, setTimeout(() => void expire(`the sweep reached limits.timeout of ${limits.timeout} s`), Math.max(0, left)));
  }
  await terminateEarly(ctx, name, histories);
  let trials = ctx.jobs.children(name);
  for (const trial of trials) if (!isTerminal(trial.status)) trialsOf.set(trial.name, name);
  const sampler = createSampler(plan.search_space, plan.sampling_algorithm, plan.objective.goal, { seed: seedFromText(name) });
  const objectiveOf = (trial: JobRow) => {
    if (!endedObjectives.has(trial.name)) endedObjectives.set(trial.name, objectiveValue(reports(ctx, trial.name, plan.objective.primaryMetric)));
    return endedObjectives.get(trial.name);
  };
  let exhausted = false;
  while (!exhausted && trials.length < limits.max_total_trials && trials.filter((t) => !isTerminal(t.status)).length < limits.max_concurrent_trials) {
    const finished = trials.filter((t) => isTerminal(t.status)).map((t) => ({ params: paramsOf(t), metric: objectiveOf(t) }));
    const params = sampler.next(finished, trials.filter((t) => !isTerminal(t.status)).map(paramsOf));
    if (!params) exhausted = true;
    else {
      const trial = await startTrial(ctx, sweep, plan, String(trials.length + 1), params);
      if (!isTerminal(trial.status)) trialsOf.set(trial.name, name);
      // Trials ending meanwhile advance the sweep again once this pass is done.
      trials = [...trials, trial];
    }
  }
  ctx.kick();
  if (trials.some((t) => !isTerminal(t.status))) return;
  for (const trial of trials) endedObjectives.delete(trial.name);
  const completed = trials.filter((t) => t.status === 'Completed');
  if (completed.length > 0) {
    // As in Azure ML, the sweep's outputs are those of its best trial (the first completed one when none reported the metric).
    const best = bestTrial(completed.map((t) => ({ t, metric: objectiveValue(reports(ctx, t.name, plan.objective.primaryMetric)) })), plan.objective.goal)?.t ?? completed[0]!;
    return stop(ctx, name, 'Completed', undefined, timers, () => {
      for (const output of ctx.jobs.outputs(best.name)) ctx.jobs.addOutput({ ...output, job_name: name });
    });
  }
  const first = trials[0];
  await stop(ctx, name, 'Failed', first ? `no trial completed; trial ${first.step} ${first.status === 'Canceled' ? 'was canceled' : 'failed'}${first.reason ? `: ${first.reason}` : ''}` : 'the search space has no trial to run', timers);
}

async function startTrial(ctx: OrchestrationContext, sweep: JobRow, plan: SweepPlan, step: string, params: Params): Promise<JobRow> {
  const name = childJobName(sweep.name, step);
  const spec = withParams(plan.trial, params) as CommandSpec;
  const insert = (status: 'NotStarted') => ctx.jobs.insert({ name, type: 'command', experiment: sweep.experiment, displayName: `trial ${step}`, compute: String(plan.trial.compute ?? 'local').replace(/^azureml:/, ''), spec: {}, specPath: sweep.spec_path, runDir: ctx.runDir(name), parent: sweep.name, step }, status);
  try {
    const prepared = await prepareCommand(spec, plan.spec_dir, ctx.submit);
    const trialPlan: TrialPlan = { ...prepared.plan, params, ...(plan.default_datastore ? { default_datastore: plan.default_datastore } : {}) };
    return ctx.transaction(() => {
      const row = insert('NotStarted');
      ctx.jobs.patch(name, { spec: JSON.stringify(trialPlan), snapshot_hash: prepared.snapshotHash ?? null, compute: prepared.compute });
      return ctx.enqueue({ ...row, compute: prepared.compute, spec: JSON.stringify(trialPlan) });
    });
  } catch (error) {
    return ctx.transaction(() => {
      const row = insert('NotStarted');
      ctx.jobs.patch(name, { spec: JSON.stringify({ params }) });
      return ctx.lifecycle.transition(row, 'Failed', { reason: (error as Error).message });
    });
  }
}

/** `${{search_space.x}}` replaced by the sampled value everywhere in the trial (a whole-string binding keeps the value's type). */
function withParams(value: unknown, params: Params): unknown {
  if (typeof value === 'string') {
    const whole = /^\$\{\{\s*search_space\.([\w-]+)\s*\}\}$/.exec(value.trim());
    if (whole && whole[1]! in params) return params[whole[1]!];
    return value.replace(/\$\{\{\s*search_space\.([\w-]+)\s*\}\}/g, (binding, key: string) => (key in params ? String(params[key]) : binding));
  }
  if (Array.isArray(value)) return value.map((item) => withParams(item, params));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withParams(item, params)]));
  return value;
}

/** Stops the running trials the early-termination policy picks, each with the policy's reason. */
async function terminateEarly(ctx: OrchestrationContext, name: string, histories: SweepReports): Promise<void> {
  const sweep = ctx.jobs.get(name);
  if (!sweep || isTerminal(sweep.status)) return;
  const plan = decode(sweep);
  const policy = parseEarlyTermination(plan.early_termination);
  if (!policy) return;
  const trials = ctx.jobs.children(name);
  const progress = trials.map((t) => ({ id: t.name, status: t.status, reports: histories.of(name, t.name, plan.objective) }));
  for (const termination of trialsToTerminate(policy, plan.objective, progress)) {
    const trial = trials.find((t) => t.name === termination.id)!;
    await ctx.stopRun(trial, termination.reason);
  }
}

async function stop(ctx: OrchestrationContext, name: string, status: 'Completed' | 'Failed' | 'Canceled', reason: string | undefined, timers: Map<string, NodeJS.Timeout>, withStatus: () => void = () => {}): Promise<void> {
  clearTimeout(timers.get(name));
  timers.delete(name);
  const sweep = ctx.jobs.get(name);
  if (!sweep || isTerminal(sweep.status)) return;
  await Promise.all(ctx.jobs.children(name).filter((t) => !isTerminal(t.status)).map((trial) => ctx.stopRun(trial, reason ?? 'the sweep ended')));
  ctx.transaction(() => {
    withStatus();
    ctx.lifecycle.transition(name, status, reason ? { reason } : {});
  });
}

function detail(ctx: OrchestrationContext & { events: EventLog }, job: JobRow): Partial<JobDetail> {
  const plan = decode(job);
  const trials = ctx.jobs.children(job.name).map((trial): SweepTrial => {
    const metric = objectiveValue(reports(ctx, trial.name, plan.objective.primaryMetric));
    return {
      job: trial.name,
      status: trial.status,
      ...(trial.reason ? { reason: trial.reason } : {}),
      params: Object.fromEntries(Object.entries(paramsOf(trial)).map(([key, value]) => [key, typeof value === 'number' || typeof value === 'string' ? value : JSON.stringify(value)])),
      ...(metric !== undefined ? { metric } : {}),
      ...(trial.started_at ? { startedAt: isoTime(trial.started_at) } : {}),
      ...(trial.ended_at ? { endedAt: isoTime(trial.ended_at) } : {}),
    };
  });
  const best = bestTrial(trials.filter((t) => t.status === 'Completed'), plan.objective.goal);
  const algorithm = typeof plan.sampling_algorithm === 'object' && plan.sampling_algorithm !== null ? (plan.sampling_algorithm as { type?: string }).type : plan.sampling_algorithm;
  return {
    sweep: {
      primaryMetric: plan.objective.primaryMetric,
      goal: plan.objective.goal,
      samplingAlgorithm: String(algorithm ?? 'random').toLowerCase() as 'random' | 'grid' | 'bayesian',
      maxTotalTrials: plan.limits.max_total_trials,
      maxConcurrentTrials: plan.limits.max_concurrent_trials,
      trials,
      ...(best && best.metric !== undefined ? { best: { job: best.job, params: best.params, metric: best.metric } } : {}),
    },
  };
}
