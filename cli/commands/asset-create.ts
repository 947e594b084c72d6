import path from 'node:path';
import type { Command } from 'commander';
import type { AssetDetail, AssetKind } from '../../core/api/contracts';
import { collect, withClient, workspaceRoot, type WorkspaceOption } from '../connection';

export function registerAssetCreate(group: Command, kind: AssetKind): void {
  group
    .command('create')
    .description(`register a ${kind} from its spec (versions are immutable)`)
    .requiredOption('-f, --file <file>', `${kind} spec (YAML)`)
    .option('--set <key=value>', 'override a spec field (repeatable)', collect)
    .option('--workspace <folder>', 'workspace folder (default: nearest folder of the spec with .mlw or .git)')
    .action((options: WorkspaceOption & { file: string; set?: string[] }) =>
      withClient(workspaceRoot(options, path.dirname(path.resolve(options.file))), async (client) => {
        const file = path.resolve(options.file);
        const result = await client.request<{ asset: AssetDetail; created: boolean; warnings: string[] }>('POST', `/api/assets/${kind}`, { path: file, ...(options.set ? { set: options.set } : {}) });
        for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
        const { asset } = result;
        process.stdout.write(`${result.created ? 'created' : 'unchanged'} ${kind} ${asset.name}${asset.version ? `:${asset.version}` : ''}\n`);
      }),
    );
}
