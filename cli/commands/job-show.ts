import type { Command } from 'commander';
import { ApiError, type ApiClient } from '../../core/api/client';
import type { JobDetail, JobOutputInfo } from '../../core/vocabulary';
import { describeSteps, describeSweep } from '../child-jobs';
import { withClient, workspaceRoot, type WorkspaceOption } from '../connection';
import { nameOf, withNameArgument } from '../options';

/** What `job show` prints of the job's MLflow run: each metric's last value and the params. */
export interface RunSummary {
  metrics: { key: string; value: number | string; step: number }[];
  params: { key: string; value: string }[];
}

export function registerJobShow(job: Command): void {
  withNameArgument(job.command('show').description("show a job: status and why, timings, outputs, last metric values, params, its status history, and a pipeline's steps or a sweep's trials"), 'job')
    .option('--json', 'print JSON')
    .option('--workspace <folder>', 'workspace folder')
    .action((positional: string | undefined, options: WorkspaceOption & { name?: string; json?: boolean }) => {
      const name = nameOf(positional, options.name, 'job');
      return withClient(workspaceRoot(options), async (client) => {
        const detail = await client.jobs.get(name);
        const run = await runSummary(client, name);
        process.stdout.write(options.json ? JSON.stringify({ ...detail, ...(run ? { run } : {}) }, null, 2) + '\n' : describeJob(detail, run));
      });
    });
}

/** The job's run as the tracking API has it; undefined for a job without one. */
export async function runSummary(client: ApiClient, job: string): Promise<RunSummary | undefined> {
  try {
    const { run } = await client.tracking.run(job);
    return { metrics: run.data.metrics ?? [], params: run.data.params ?? [] };
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
}

function fileCount(output: JobOutputInfo): string {
  const count = output.fileCount ?? output.files.length;
  return `${count.toLocaleString('en-US')} file${count === 1 ? '' : 's'}`;
}

export function describeJob(job: JobDetail, run?: RunSummary): string {
  const lines = [
    `name:        ${job.name}`,
    `status:      ${job.status}${job.reason ? `: ${job.reason.split('\n')[0]}` : ''}`,
    `experiment:  ${job.experiment}`,
    `compute:     ${job.compute}`,
    `spec:        ${job.specPath}`,
    `created:     ${job.createdAt}`,
  ];
  if (job.startedAt) lines.push(`started:     ${job.startedAt}`);
  if (job.endedAt) lines.push(`ended:       ${job.endedAt}`);
  if (job.exitCode !== undefined) lines.push(`exit code:   ${job.exitCode}`);
  if (job.image) lines.push(`image:       ${job.image}`);
  if (job.steps) lines.push(...describeSteps(job.steps));
  if (job.sweep) lines.push(...describeSweep(job.sweep));
  if (job.outputs.length) lines.push('outputs:', ...job.outputs.map((o) => `  ${o.name} (${o.type}, ${o.mode}): ${o.uri}  [${fileCount(o)}]`));
  if (run?.metrics.length) lines.push('metrics:', ...run.metrics.map((m) => `  ${m.key} = ${m.value}  (step ${m.step})`));
  if (run?.params.length) lines.push('params:', ...run.params.map((p) => `  ${p.key} = ${p.value}`));
  lines.push('history:', ...job.events.map((e) => (e.type === 'status' ? `  ${e.time}  ${e.status}${e.reason ? `: ${e.reason.split('\n')[0]}` : ''}` : '')).filter(Boolean));
  return lines.join('\n') + '\n';
}
