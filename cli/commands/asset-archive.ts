import type { Command } from 'commander';
import type { AssetKind } from '../../core/vocabulary';
import { isVersioned } from '../../core/store/assets';
import { withClient, workspaceRoot, type WorkspaceOption } from '../connection';
import { nameOf, withNameArgument } from '../options';

export function registerAssetArchive(group: Command, kind: AssetKind): void {
  const command = withNameArgument(group.command('archive').description(`archive a ${kind}${isVersioned(kind) ? ' (every version, or one)' : ''}: hidden from lists and @latest, still usable by version`), kind);
  if (isVersioned(kind)) command.option('-v, --version <version>', 'only this version');
  command
    .option('--workspace <folder>', 'workspace folder')
    .action((positional: string | undefined, options: WorkspaceOption & { name?: string; version?: string }) => {
      const name = nameOf(positional, options.name, kind);
      return withClient(workspaceRoot(options), async (client) => {
        const { archived } = await client.assets.archive(kind, name, options.version);
        process.stdout.write(`archived ${archived} version${archived === 1 ? '' : 's'} of ${kind} ${name}\n`);
      });
    });
}
