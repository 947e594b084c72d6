import type { Command } from 'commander';
import type { JobSummary } from '../../core/api/contracts';
import { withClient, workspaceRoot, type WorkspaceOption } from '../connection';

export function registerJobCancel(job: Command): void {
  job
    .command('cancel')
    .description('cancel a queued or running job (its container or process is stopped)')
    .argument('<name>', 'job name')
    .option('--workspace <folder>', 'workspace folder')
    .action((name: string, options: WorkspaceOption) =>
      withClient(workspaceRoot(options), async (client) => {
        const job = await client.request<JobSummary>('POST', `/api/jobs/${encodeURIComponent(name)}/cancel`);
        process.stdout.write(`${job.name}  ${job.status}${job.reason ? `: ${job.reason}` : ''}\n`);
      }),
    );
}
