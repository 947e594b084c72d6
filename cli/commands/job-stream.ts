import type { Command } from 'commander';
import type { ApiClient } from '../../core/api/client';
import type { JobStatus } from '../../core/vocabulary';
import { EventPrinter } from '../format';
import { withClient, workspaceRoot, type WorkspaceOption } from '../connection';
import { nameOf, withNameArgument } from '../options';

export function registerJobStream(job: Command): void {
  withNameArgument(job.command('stream').description("print a job's status changes and logs as they happen, until it ends (exit 1 unless it completes)"), 'job')
    .option('--workspace <folder>', 'workspace folder')
    .action((positional: string | undefined, options: WorkspaceOption & { name?: string }) => {
      const name = nameOf(positional, options.name, 'job');
      return withClient(workspaceRoot(options), (client) => streamJob(client, name));
    });
}

/** Follows the job's event stream from its start; 0 when it completed. */
export async function streamJob(client: ApiClient, name: string): Promise<number> {
  let final: JobStatus | undefined;
  const printer = new EventPrinter((text) => process.stdout.write(text));
  // A step's line is written once the next event comes, or after a short quiet spell while the job runs.
  let quiet: NodeJS.Timeout | undefined;
  try {
    await client.jobs.events(name, (event) => {
      printer.print(event);
      clearTimeout(quiet);
      if (event.type === 'metric') quiet = setTimeout(() => printer.flush(), METRIC_LINE_QUIET_MS);
      if (event.type === 'status') final = event.status;
    });
  } finally {
    clearTimeout(quiet);
    printer.flush();
  }
  return final === 'Completed' ? 0 : 1;
}

const METRIC_LINE_QUIET_MS = 200;
