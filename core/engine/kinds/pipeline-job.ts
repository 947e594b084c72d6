import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { isTerminal, type JobDetail, type PipelineStep } from '../../vocabulary';
import { isoTime, type JobRow } from '../../store/jobs';
import { SpecRejected, Unsupported } from '../../errors';
import { parseReference, specOf } from '../../language';
import { hashLocalUpload } from '../../data/upload';
import { computeName } from '../resolve';
import { prepareCommand, type CommandPlan, type CommandSpec } from './command';
import type { JobKind, Orchestrator } from './kind';
import { childJobName, KeyedSerializer, type OrchestrationContext } from './orchestration';
import { buildPipelineGraph, canonicalJson, jobOutputUri, reuseKey, stepJobSpec, PipelineGraphError, type ComponentLoader, type PipelineGraph, type PipelineStepNode, type StepJobSpec } from './pipeline';
import { SweepSpecError } from './sweep';
import { sweepPlan, type SweepPlan } from './sweep-job';

/** What a pipeline job's row stores: its graph of steps, built and checked at submission. */
export interface PipelinePlan {
  spec_dir: string;
  graph: PipelineGraph;
  /** `settings.default_datastore`: where step outputs without a `path` go. */
  default_datastore?: string;
}

/** A step that did not run: the reason starts with this, so it is not taken for a step that failed. */
const NOT_RUN = 'not run: ';

/**
 * Pipeline jobs: every step is a child job, created NotStarted when the pipeline starts and queued on its compute
 * once the steps whose outputs it reads completed; a sweep step is a sweep job whose trials are its own children. A deterministic step whose command, inputs, code and environment
 * match a completed step reuses that step's outputs instead of running.
 */
export function pipelineKind(ctx: OrchestrationContext, loadComponent: ComponentLoader): JobKind {
  const serializer = new KeyedSerializer();
  const orchestrator: Orchestrator = {
    advance: (job) => serializer.run(job.name, () => advance(ctx, job.name)),
    cancel: (job, reason) => serializer.run(job.name, () => cancel(ctx, job.name, reason)),
    detail: (job) => detail(ctx, job),
  };
  return {
    type: 'pipeline',
    spec: 'job/pipeline',
    orchestrator,
    prepare: async (spec) => {
      const specDir = path.dirname(spec.path);
      const value = specOf(spec, 'job/pipeline');
      let graph: PipelineGraph;
      try {
        graph = buildPipelineGraph(value, { specDir, loadComponent });
      } catch (error) {
        if (error instanceof PipelineGraphError && error.unsupported) throw new Unsupported(`${path.relative(ctx.submit.root, spec.path)}: ${error.message}`);
        if (error instanceof PipelineGraphError) throw new SpecRejected(`${path.relative(ctx.submit.root, spec.path)}: ${error.message}`, error.cause instanceof SpecRejected ? error.cause.findings : []);
        throw error;
      }
      const datastore = value?.settings?.default_datastore;
      const plan: PipelinePlan = { spec_dir: specDir, graph, ...(datastore ? { default_datastore: datastore.replace(/^azureml:/, '') } : {}) };
      // The pipeline's own compute is what its steps default to (each step still runs on its own).
      return { plan, compute: computeName(value?.settings?.default_compute ?? value?.compute) };
    },
  };
}

function decode(row: JobRow): PipelinePlan {
  return JSON.parse(row.spec) as PipelinePlan;
}

async function advance(ctx: OrchestrationContext, name: string): Promise<void> {
  const parent = ctx.jobs.get(name);
  if (!parent || isTerminal(parent.status)) return;
  const plan = decode(parent);
  if (ctx.jobs.children(name).length === 0) createSteps(ctx, parent, plan);
  for (let changed = true; changed; ) {
    changed = false;
    const byStep = new Map(ctx.jobs.children(name).map((child) => [child.step!, child]));
    const broken = [...byStep.values()].filter(isBroken);
    if (broken.length > 0 && !plan.graph.continueOnStepFailure) {
      const first = broken[0]!;
      await stopAll(ctx, name, `${NOT_RUN}step ${first.step} did not complete`);
      ctx.lifecycle.transition(name, 'Failed', { reason: failureOf(first) });
      return;
    }
    for (const node of plan.graph.steps) {
      const child = byStep.get(node.name);
      if (!child || child.status !== 'NotStarted') continue;
      const deps = node.dependsOn.map((step) => byStep.get(step)!);
      const blocker = deps.find((dep) => isTerminal(dep.status) && dep.status !== 'Completed');
      if (blocker) {
        ctx.lifecycle.transition(child, 'Canceled', { reason: `${NOT_RUN}it reads outputs of step ${blocker.step}, which did not complete` });
        changed = true;
      } else if (deps.every((dep) => dep.status === 'Completed')) {
        const started = await startStep(ctx, parent, plan, node, child);
        // A queued step may start while the next ones are prepared.
        if (started === 'Queued') ctx.kick();
        if (started === 'Completed') changed = true;
      }
    }
  }
  const children = ctx.jobs.children(name);
  if (!children.every((child) => isTerminal(child.status))) return ctx.kick();
  const failed = children.find(isBroken);
  if (failed) return void ctx.lifecycle.transition(name, 'Failed', { reason: failureOf(failed) });
  ctx.transaction(() => {
    for (const [output, bound] of Object.entries(plan.graph.outputs)) {
      const row = ctx.jobs.outputs(childJobName(name, bound.step)).find((o) => o.name === bound.output);
      if (row) ctx.jobs.addOutput({ ...row, job_name: name, name: output });
    }
    ctx.lifecycle.transition(name, 'Completed');
  });
}

function createSteps(ctx: OrchestrationContext, parent: JobRow, plan: PipelinePlan): void {
  ctx.transaction(() => {
    for (const node of plan.graph.steps) {
      const name = childJobName(parent.name, node.name);
      if (ctx.jobs.exists(name)) continue;
      const child = ctx.jobs.insert({ name, type: node.type, experiment: parent.experiment, displayName: node.displayName ?? node.name, compute: node.compute, spec: {}, specPath: parent.spec_path, runDir: ctx.runDir(name), parent: parent.name, step: node.name }, 'NotStarted');
      ctx.lifecycle.transition(child, 'NotStarted');
    }
  });
}

/** Queues a step whose inputs exist, or completes it at once from a reusable run; a step that cannot start fails. */
async function startStep(ctx: OrchestrationContext, parent: JobRow, plan: PipelinePlan, node: PipelineStepNode, child: JobRow): Promise<'Queued' | 'Running' | 'Completed' | 'Failed'> {
  try {
    const spec = stepJobSpec(node, { pipelineInputs: plan.graph.inputs, stepOutputUri: (step, output) => upstreamOutput(ctx, parent.name, step, output) });
    if (node.sweep) return await startSweepStep(ctx, plan, node, child, spec);
    const prepared = await prepareCommand(spec as unknown as CommandSpec, plan.spec_dir, ctx.submit);
    if (plan.default_datastore) prepared.plan.default_datastore = plan.default_datastore;
    const key = node.isDeterministic
      ? reuseKey(spec, { codeHash: prepared.snapshotHash, environmentHash: environmentHash(prepared.plan), inputHashes: await localInputHashes(ctx, spec, plan.spec_dir), ...(plan.default_datastore ? { outputDatastore: plan.default_datastore } : {}) })
      : undefined;
    const reusable = key && !node.forceRerun ? ctx.jobs.completedWithReuseKey(key) : undefined;
    return ctx.transaction(() => {
      ctx.jobs.patch(child.name, { spec: JSON.stringify(prepared.plan), compute: prepared.compute, snapshot_hash: prepared.snapshotHash ?? null, reuse_key: key ?? null });
      if (!reusable) {
        ctx.enqueue({ ...child, compute: prepared.compute });
        return 'Queued';
      }
      const original = reusable.reused_from ?? reusable.name;
      for (const output of ctx.jobs.outputs(reusable.name)) ctx.jobs.addOutput({ ...output, job_name: child.name });
      ctx.lifecycle.transition(child, 'Completed', { reason: `reused the outputs of ${original}`, patch: { reused_from: original, started_at: Date.now() } });
      return 'Completed';
    });
  } catch (error) {
    ctx.lifecycle.transition(child, 'Failed', { reason: (error as Error).message });
    return 'Failed';
  }
}

/** A sweep step is a sweep job whose trial is the step's command; sweeps are not deterministic, so never reused. */
async function startSweepStep(ctx: OrchestrationContext, plan: PipelinePlan, node: PipelineStepNode, child: JobRow, spec: StepJobSpec): Promise<'Running'> {
  let sweep: SweepPlan;
  try {
    sweep = sweepPlan(node.sweep as unknown as Record<string, unknown>, plan.spec_dir, spec as unknown as CommandSpec);
    if (plan.default_datastore) sweep.default_datastore = plan.default_datastore;
  } catch (error) {
    if (error instanceof SweepSpecError) throw new Error(`step ${node.name}: ${error.message}`);
    throw error;
  }
  const started = ctx.transaction(() => {
    ctx.jobs.patch(child.name, { spec: JSON.stringify(sweep), compute: String(spec.compute).replace(/^azureml:/, '') });
    return ctx.lifecycle.transition(child, 'Running', { patch: { started_at: Date.now() } });
  });
  await ctx.advance(started);
  return 'Running';
}

/** An upstream step's output as its readers see it: a reused step's by the job that produced it, so their reuse keys match. */
function upstreamOutput(ctx: OrchestrationContext, parent: string, step: string, output: string): string {
  const upstream = ctx.jobs.get(childJobName(parent, step));
  return jobOutputUri(upstream?.reused_from ?? childJobName(parent, step), output);
}

/**
 * The content hashes of a step's inputs read from local files or folders (a path, or a local datastore's path): the
 * same path with other content is other work. Upstream outputs count by the job that made them, assets by version.
 */
async function localInputHashes(ctx: OrchestrationContext, spec: StepJobSpec, specDir: string): Promise<Record<string, string>> {
  const hashes: Record<string, string> = {};
  for (const [name, input] of Object.entries(spec.inputs ?? {})) {
    const given = typeof input === 'object' && input !== null && 'path' in input ? String(input.path) : undefined;
    const form = given === undefined ? undefined : parseReference(given)?.form;
    if (form !== 'file' && form !== 'datastore-path') continue;
    const location = ctx.submit.datastores.resolve(given!, specDir);
    if (location.kind === 'local') hashes[name] = (await hashLocalUpload(location.path)).hash;
  }
  return hashes;
}

/** What pins a step's environment beyond its spec: the resolved source and the conda file it names. */
function environmentHash(plan: CommandPlan): string | undefined {
  if (!plan.environment) return undefined;
  const hash = crypto.createHash('sha256').update(canonicalJson(plan.environment));
  if (plan.environment.condaFile) {
    try {
      hash.update(fs.readFileSync(plan.environment.condaFile));
    } catch {
      // A missing conda file fails the step when it is built.
    }
  }
  return hash.digest('hex');
}

async function cancel(ctx: OrchestrationContext, name: string, reason: string): Promise<void> {
  const parent = ctx.jobs.get(name);
  if (!parent || isTerminal(parent.status)) return;
  await stopAll(ctx, name, `${NOT_RUN}the pipeline was canceled`, reason);
  ctx.lifecycle.transition(name, 'Canceled', { reason });
}

/** Skips the steps that did not start and stops the ones that run. */
async function stopAll(ctx: OrchestrationContext, name: string, skipped: string, stopReason = skipped): Promise<void> {
  for (const child of ctx.jobs.children(name)) {
    if (child.status === 'NotStarted') ctx.lifecycle.transition(child, 'Canceled', { reason: skipped });
  }
  await Promise.all(
    ctx.jobs.children(name).filter((child) => !isTerminal(child.status)).map((child) => ctx.stopRun(child, stopReason)),
  );
}

function isBroken(child: JobRow): boolean {
  return child.status === 'Failed' || (child.status === 'Canceled' && !child.reason?.startsWith(NOT_RUN));
}

function failureOf(child: JobRow): string {
  return `step ${child.step} ${child.status === 'Canceled' ? 'was canceled' : 'failed'}${child.reason ? `: ${child.reason}` : ''}`;
}

function detail(ctx: OrchestrationContext, job: JobRow): Partial<JobDetail> {
  const plan = decode(job);
  const children = new Map(ctx.jobs.children(job.name).map((child) => [child.step!, child]));
  const steps = plan.graph.steps.map((node): PipelineStep => {
    const child = children.get(node.name);
    return {
      name: node.name,
      job: child?.name ?? childJobName(job.name, node.name),
      status: child?.status ?? 'NotStarted',
      ...(child?.reason ? { reason: child.reason } : {}),
      compute: child?.compute ?? node.compute,
      dependsOn: node.dependsOn,
      ...(child?.reused_from ? { reusedFrom: child.reused_from } : {}),
      ...(child?.started_at ? { startedAt: isoTime(child.started_at) } : {}),
      ...(child?.ended_at ? { endedAt: isoTime(child.ended_at) } : {}),
    };
  });
  return { steps };
}
