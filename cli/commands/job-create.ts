import path from 'node:path';
import type { Command } from 'commander';
import { collect, withClient, workspaceRoot, type WorkspaceOption } from '../connection';
import { overridesOf } from '../options';
import { streamJob } from './job-stream';

interface CreateOptions extends WorkspaceOption {
  file: string;
  set?: string[];
  name?: string;
  stream?: boolean;
}

export function registerJobCreate(job: Command): void {
  job
    .command('create')
    .description('submit a job spec to the workspace control plane')
    .requiredOption('-f, --file <file>', 'job spec (YAML)')
    .option('-n, --name <name>', "the job's name (overrides the spec's, like --set name=…)")
    .option('--set <key=value>', 'override a spec field (repeatable), e.g. --set inputs.epochs=5', collect)
    .option('-s, --stream', 'follow the job until it ends (exit 1 unless it completes)')
    .option('--workspace <folder>', 'workspace folder (default: nearest folder of the spec with .mlw or .git)')
    .action((options: CreateOptions) =>
      withClient(workspaceRoot(options, path.dirname(path.resolve(options.file))), async (client) => {
        const file = path.resolve(options.file);
        const set = overridesOf(options);
        const { job: created, warnings } = await client.jobs.submit({ path: file, ...(set.length ? { set } : {}) });
        for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
        process.stdout.write(`${created.name}  ${created.status}${created.reason ? `: ${created.reason}` : ''}\n`);
        return options.stream ? await streamJob(client, created.name, created.type) : 0;
      }),
    );
}
