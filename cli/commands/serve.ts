import path from 'node:path';
import type { Command } from 'commander';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the control plane of a workspace folder in the foreground (clients start it on demand)')
    .allowUnknownOption()
    .helpOption(false)
    .argument('[options...]', 'see `mlw serve --help`')
    .action(async (args: string[]) => {
      // The daemon is its own bundle so the everyday CLI commands stay quick to start.
      const daemon = require(process.env.MLW_DAEMON_SCRIPT ?? path.join(__dirname, 'daemon.js')) as { main(argv: string[]): Promise<void> };
      await daemon.main(args);
    });
}
