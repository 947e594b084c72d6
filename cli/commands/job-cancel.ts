import type { Command } from 'commander';
import { withClient, workspaceRoot, type WorkspaceOption } from '../connection';
import { nameOf, withNameArgument } from '../options';

export function registerJobCancel(job: Command): void {
  withNameArgument(job.command('cancel').description('cancel a queued or running job (its container or process is stopped)'), 'job')
    .option('--workspace <folder>', 'workspace folder')
    .action((positional: string | undefined, options: WorkspaceOption & { name?: string }) => {
      const name = nameOf(positional, options.name, 'job');
      return withClient(workspaceRoot(options), async (client) => {
        const job = await client.jobs.cancel(name);
        process.stdout.write(`${job.name}  ${job.status}${job.reason ? `: ${job.reason}` : ''}\n`);
      });
    });
}
