import type { Command } from 'commander';
import { childJobRows, jobRows, table } from '../format';
import { withClient, workspaceRoot, type WorkspaceOption } from '../connection';
import { maxResults } from '../options';

export function registerJobList(job: Command): void {
  job
    .command('list')
    .description("list the workspace's jobs, newest first, or the steps or trials of one pipeline or sweep job")
    .option('--parent <job>', 'only the steps or trials of this pipeline or sweep job')
    .option('-r, --max-results <count>', 'at most this many', maxResults)
    .option('--json', 'print JSON')
    .option('--workspace <folder>', 'workspace folder')
    .action((options: WorkspaceOption & { parent?: string; maxResults?: number; json?: boolean }) =>
      withClient(workspaceRoot(options), async (client) => {
        const jobs = (await client.jobs.list({ parent: options.parent })).slice(0, options.maxResults);
        process.stdout.write(options.json ? JSON.stringify(jobs, null, 2) + '\n' : table(options.parent === undefined ? jobRows(jobs) : childJobRows(jobs)));
      }),
    );
}
