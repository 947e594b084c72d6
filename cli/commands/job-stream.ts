import type { Command } from 'commander';
import type { ApiClient } from '../../core/api/client';
import { StepLabels } from '../../core/api/step-labels';
import type { JobEvent, JobStatus } from '../../core/vocabulary';
import { EventPrinter } from '../format';
import { withClient, workspaceRoot, type WorkspaceOption } from '../connection';
import { nameOf, withNameArgument } from '../options';

export function registerJobStream(job: Command): void {
  withNameArgument(job.command('stream').description("print a job's status changes and logs as they happen, until it ends (exit 1 unless it completes); a pipeline's or sweep's with those of its steps or trials"), 'job')
    .option('--workspace <folder>', 'workspace folder')
    .action((positional: string | undefined, options: WorkspaceOption & { name?: string }) => {
      const name = nameOf(positional, options.name, 'job');
      return withClient(workspaceRoot(options), (client) => streamJob(client, name));
    });
}

/** Jobs whose stream carries their child jobs' events. */
const PARENT_TYPES = ['pipeline', 'sweep'];

/**
 * Follows the job's event stream from its start; 0 when it completed. A pipeline's or sweep's stream also carries
 * its steps' or trials' events, each line of them starting with `[<step>] `. `type`: the job's type when known.
 */
export async function streamJob(client: ApiClient, name: string, type?: string): Promise<number> {
  const children = PARENT_TYPES.includes(type ?? (await client.jobs.get(name)).type);
  let final: JobStatus | undefined;
  const labels = new StepLabels(client, name);
  const printer = new EventPrinter((text) => process.stdout.write(text), (job) => (job === name ? '' : `[${labels.of(job)}] `));
  // A step's line is written once the next event comes, or after a short quiet spell while the job runs.
  let quiet: NodeJS.Timeout | undefined;
  const print = (event: JobEvent): void => {
    printer.print(event);
    clearTimeout(quiet);
    if (event.type === 'metric') quiet = setTimeout(() => printer.flush(), METRIC_LINE_QUIET_MS);
    if (event.type === 'status' && event.job === name) final = event.status;
  };
  // A child's events wait (in order) until its step name is known.
  let printed = Promise.resolve();
  try {
    await client.jobs.events(name, (event) => {
      if (!children) return print(event);
      printed = printed.then(() => labels.learn(event.job)).then(() => print(event));
    }, { children });
    await printed;
  } finally {
    clearTimeout(quiet);
    printer.flush();
  }
  return final === 'Completed' ? 0 : 1;
}

const METRIC_LINE_QUIET_MS = 200;
