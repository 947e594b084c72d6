import type { Command } from 'commander';
import type { AssetKind } from '../../core/vocabulary';
import { assetRows, table } from '../format';
import { withClient, workspaceRoot, type WorkspaceOption } from '../connection';
import { maxResults } from '../options';

export function registerAssetList(group: Command, kind: AssetKind): void {
  group
    .command('list')
    .description(`list registered ${kind} assets`)
    .option('-n, --name <name>', 'only versions of this name')
    .option('--include-archived', 'also list archived versions')
    .option('-r, --max-results <count>', 'at most this many', maxResults)
    .option('--json', 'print JSON')
    .option('--workspace <folder>', 'workspace folder')
    .action((options: WorkspaceOption & { name?: string; includeArchived?: boolean; maxResults?: number; json?: boolean }) =>
      withClient(workspaceRoot(options), async (client) => {
        const assets = (await client.assets.list({ kind, name: options.name, archived: options.includeArchived })).slice(0, options.maxResults);
        process.stdout.write(options.json ? JSON.stringify(assets, null, 2) + '\n' : table(assetRows(assets)));
      }),
    );
}
