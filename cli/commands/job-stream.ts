import type { Command } from 'commander';
import type { ApiClient } from '../../core/api/client';
import type { JobStatus } from '../../core/api/contracts';
import { formatEvent } from '../format';
import { withClient, workspaceRoot, type WorkspaceOption } from '../connection';

export function registerJobStream(job: Command): void {
  job
    .command('stream')
    .description("print a job's status changes and logs as they happen, until it ends (exit 1 unless it completes)")
    .argument('<name>', 'job name')
    .option('--workspace <folder>', 'workspace folder')
    .action((name: string, options: WorkspaceOption) =>
      withClient(workspaceRoot(options), async (client) => {
        return await streamJob(client, name);
      }),
    );
}

/** Follows the job's event stream from its start; 0 when it completed. */
export async function streamJob(client: ApiClient, name: string): Promise<number> {
  let final: JobStatus | undefined;
  await client.follow(`/api/jobs/${encodeURIComponent(name)}/events`, (event) => {
    process.stdout.write(formatEvent(event));
    if (event.type === 'status') final = event.status;
  });
  return final === 'Completed' ? 0 : 1;
}
