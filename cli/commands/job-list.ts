import type { Command } from 'commander';
import { jobRows, table } from '../format';
import { withClient, workspaceRoot, type WorkspaceOption } from '../connection';
import { maxResults } from '../options';

export function registerJobList(job: Command): void {
  job
    .command('list')
    .description("list the workspace's jobs, newest first")
    .option('-r, --max-results <count>', 'at most this many', maxResults)
    .option('--json', 'print JSON')
    .option('--workspace <folder>', 'workspace folder')
    .action((options: WorkspaceOption & { maxResults?: number; json?: boolean }) =>
      withClient(workspaceRoot(options), async (client) => {
        const jobs = (await client.jobs.list()).slice(0, options.maxResults);
        process.stdout.write(options.json ? JSON.stringify(jobs, null, 2) + '\n' : table(jobRows(jobs)));
      }),
    );
}
