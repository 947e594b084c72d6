import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { withClient, workspaceRoot, type WorkspaceOption } from '../connection';
import { nameOf, withNameArgument } from '../options';

interface DownloadOptions extends WorkspaceOption {
  name?: string;
  output?: string;
  outputName?: string;
  downloadPath: string;
}

export function registerJobDownload(job: Command): void {
  withNameArgument(job.command('download').description("download a job's outputs and logs to <download-path>/<job>/ (named-outputs/<output>/, user_logs/)"), 'job')
    .option('--output-name <name>', 'only this output')
    .option('--output <name>', 'the same as --output-name')
    .option('-p, --download-path <folder>', 'where to put the files', '.')
    .option('--workspace <folder>', 'workspace folder')
    .action((positional: string | undefined, given: DownloadOptions) => {
      const name = nameOf(positional, given.name, 'job');
      if (given.output !== undefined && given.outputName !== undefined && given.output !== given.outputName) throw new Error(`two outputs given: --output ${given.output} and --output-name ${given.outputName}`);
      const options = { ...given, output: given.outputName ?? given.output };
      return withClient(workspaceRoot(options), async (client) => {
        const detail = await client.jobs.get(name);
        const target = path.resolve(options.downloadPath, name);
        const outputs = detail.outputs.filter((o) => !options.output || o.name === options.output);
        if (options.output && outputs.length === 0) throw new Error(`job ${name} has no output ${options.output} (outputs: ${detail.outputs.map((o) => o.name).join(', ') || 'none'})`);
        // The log first: when it is gone, nothing is written.
        const log = options.output ? undefined : await client.jobs.log(name);
        let count = 0;
        for (const output of outputs) {
          if (output.fileCount > output.files.length) process.stderr.write(`mlw: output ${output.name} has ${output.fileCount.toLocaleString('en-US')} files; only the ${output.files.length.toLocaleString('en-US')} listed are downloaded\n`);
          for (const file of output.files) {
            const bytes = await client.jobs.outputFile(name, output.name, file);
            const destination = path.join(target, 'named-outputs', output.name, file);
            fs.mkdirSync(path.dirname(destination), { recursive: true });
            fs.writeFileSync(destination, bytes);
            count++;
          }
        }
        if (log) {
          fs.mkdirSync(path.join(target, 'user_logs'), { recursive: true });
          fs.writeFileSync(path.join(target, 'user_logs', 'std_log.txt'), log);
          count++;
        }
        process.stdout.write(`downloaded ${count} file${count === 1 ? '' : 's'} to ${target}\n`);
      });
    });
}
