import path from 'node:path';
import type { Command } from 'commander';
import type { AssetKind } from '../../core/vocabulary';
import { isVersioned } from '../../core/store/assets';
import { collect, withClient, workspaceRoot, type WorkspaceOption } from '../connection';
import { overridesOf } from '../options';

interface CreateOptions extends WorkspaceOption {
  file: string;
  set?: string[];
  name?: string;
  version?: string;
}

export function registerAssetCreate(group: Command, kind: AssetKind): void {
  const command = group
    .command('create')
    .description(`register a ${kind} from its spec (${isVersioned(kind) ? 'versions are immutable' : 'a changed spec updates it'})`)
    .requiredOption('-f, --file <file>', `${kind} spec (YAML)`)
    .option('-n, --name <name>', "the asset's name (overrides the spec's, like --set name=…)");
  if (isVersioned(kind)) command.option('-v, --version <version>', "the version (overrides the spec's, like --set version=…)");
  command
    .option('--set <key=value>', 'override a spec field (repeatable)', collect)
    .option('--workspace <folder>', 'workspace folder (default: nearest folder of the spec with .mlw or .git)')
    .action((options: CreateOptions) =>
      withClient(workspaceRoot(options, path.dirname(path.resolve(options.file))), async (client) => {
        const file = path.resolve(options.file);
        const set = overridesOf(options);
        const result = await client.assets.register(kind, { path: file, ...(set.length ? { set } : {}) });
        for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
        const { asset, upload } = result;
        process.stdout.write(`${result.created ? 'created' : result.updated ? 'updated' : 'unchanged'} ${kind} ${asset.name}${asset.version ? `:${asset.version}` : ''}\n`);
        if (upload) process.stdout.write(`  ${path.relative(process.cwd(), upload.localPath) || '.'} ${upload.reused ? 'already uploaded as' : 'uploaded to'} ${upload.uri}\n`);
      }),
    );
}
