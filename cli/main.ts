import { Command } from 'commander';
import { ASSET_KINDS } from '../core/vocabulary';
import { registerAssetArchive } from './commands/asset-archive';
import { registerAssetCreate } from './commands/asset-create';
import { registerAssetList } from './commands/asset-list';
import { registerAssetShow } from './commands/asset-show';
import { registerBatchDeployment } from './commands/batch-deployment';
import { registerBatchEndpoint } from './commands/batch-endpoint';
import { registerJobCancel } from './commands/job-cancel';
import { registerJobCreate } from './commands/job-create';
import { registerJobDownload } from './commands/job-download';
import { registerJobList } from './commands/job-list';
import { registerJobMetrics } from './commands/job-metrics';
import { registerJobShow } from './commands/job-show';
import { registerJobStream } from './commands/job-stream';
import { registerOnlineDeployment } from './commands/online-deployment';
import { registerOnlineEndpoint } from './commands/online-endpoint';
import { registerServe } from './commands/serve';
import { registerToken } from './commands/token';
import { registerValidate } from './commands/validate';
import { registerWorkspace } from './commands/workspace';

declare const MLW_VERSION: string;

// `mlw job stream … | head`: a closed pipe ends the command quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' ? process.exit(0) : Promise.reject(error)));

// Positional options: the program's own `-V/--version` is read before a subcommand only, so `--version` after one
// (`mlw data show x --version 3`) is that subcommand's.
const program = new Command('mlw')
  .description('mlw: a machine-learning workspace for Azure ML v2 YAML specs, on your own machine')
  .version(typeof MLW_VERSION === 'string' ? MLW_VERSION : '0.0.0-dev')
  .enablePositionalOptions()
  .option('--remote <url>', 'a remote mlw serve (https://host:port); token in MLW_REMOTE_TOKEN (default: MLW_REMOTE_URL)')
  .option('--fingerprint <sha256>', "the remote's TLS certificate fingerprint, as mlw serve prints it (default: MLW_REMOTE_FINGERPRINT)")
  .hook('preAction', (command) => {
    const options = command.opts<{ remote?: string; fingerprint?: string }>();
    if (options.remote) process.env.MLW_REMOTE_URL = options.remote;
    if (options.fingerprint) process.env.MLW_REMOTE_FINGERPRINT = options.fingerprint;
  });
registerValidate(program);
registerServe(program);
registerToken(program);
registerWorkspace(program);
registerOnlineEndpoint(program);
registerOnlineDeployment(program);
registerBatchEndpoint(program);
registerBatchDeployment(program);

const job = program.command('job').description('submit and follow jobs');
for (const register of [registerJobCreate, registerJobList, registerJobShow, registerJobStream, registerJobCancel, registerJobDownload, registerJobMetrics]) register(job);

for (const kind of ASSET_KINDS) {
  const group = program.command(kind).description(`register and inspect ${kind} assets`);
  for (const register of [registerAssetCreate, registerAssetList, registerAssetShow, registerAssetArchive]) register(group, kind);
}

program.parseAsync().catch((error: Error) => {
  process.stderr.write(`mlw: ${error.message}\n`);
  process.exitCode = 1;
});
