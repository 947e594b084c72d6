import type { Command } from 'commander';
import type { JobDetail } from '../../core/api/contracts';
import { connect, runClientCommand, workspaceRoot, type WorkspaceOption } from '../connection';

export function registerJobShow(job: Command): void {
  job
    .command('show')
    .description('show a job: status and why, timings, outputs, and its status history')
    .argument('<name>', 'job name')
    .option('--json', 'print JSON')
    .option('--workspace <folder>', 'workspace folder')
    .action((name: string, options: WorkspaceOption & { json?: boolean }) =>
      runClientCommand(async () => {
        const client = await connect(workspaceRoot(options));
        try {
          const detail = await client.request<JobDetail>('GET', `/api/jobs/${encodeURIComponent(name)}`);
          process.stdout.write(options.json ? JSON.stringify(detail, null, 2) + '\n' : describeJob(detail));
        } finally {
          client.close();
        }
      }),
    );
}

export function describeJob(job: JobDetail): string {
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
  if (job.outputs.length) lines.push('outputs:', ...job.outputs.map((o) => `  ${o.name} (${o.type}, ${o.mode}): ${o.uri}  [${o.files.length} file${o.files.length === 1 ? '' : 's'}]`));
  lines.push('history:', ...job.events.map((e) => (e.type === 'status' ? `  ${e.time}  ${e.status}${e.reason ? `: ${e.reason.split('\n')[0]}` : ''}` : '')).filter(Boolean));
  return lines.join('\n') + '\n';
}
