import type { Command } from 'commander';
import type { AssetKind } from '../../core/api/contracts';
import { withClient, workspaceRoot, type WorkspaceOption } from '../connection';

export function registerAssetArchive(group: Command, kind: AssetKind): void {
  group
    .command('archive')
    .description(`archive a ${kind} (every version, or one): hidden from lists and @latest, still usable by version`)
    .argument('<name>', `${kind} name`)
    .option('-v, --version <version>', 'only this version')
    .option('--workspace <folder>', 'workspace folder')
    .action((name: string, options: WorkspaceOption & { version?: string }) =>
      withClient(workspaceRoot(options), async (client) => {
        const query = options.version ? `?version=${encodeURIComponent(options.version)}` : '';
        const { archived } = await client.request<{ archived: number }>('POST', `/api/assets/${kind}/${encodeURIComponent(name)}/archive${query}`);
        process.stdout.write(`archived ${archived} version${archived === 1 ? '' : 's'} of ${kind} ${name}\n`);
      }),
    );
}
