import type { Command } from 'commander';
import { stringify } from 'yaml';
import { ApiError } from '../../core/api/client';
import { BUILTIN_LOCAL, type AssetKind } from '../../core/vocabulary';
import { isVersioned } from '../../core/store/assets';
import { withClient, workspaceRoot, type WorkspaceOption } from '../connection';
import { nameOf, withNameArgument } from '../options';
import { nodesTable } from '../format';

interface ShowOptions extends WorkspaceOption {
  name?: string;
  version?: string;
  label?: string;
  json?: boolean;
}

export function registerAssetShow(group: Command, kind: AssetKind): void {
  const command = withNameArgument(group.command('show').description(`show a registered ${kind}${kind === 'compute' ? ' and its queue' : ' (default: the latest version)'}`), kind);
  if (isVersioned(kind)) command.option('-v, --version <version>', 'version, or latest').option('-l, --label <label>', 'label (only latest)');
  command
    .option('--json', 'print JSON')
    .option('--workspace <folder>', 'workspace folder')
    .action((positional: string | undefined, options: ShowOptions) => {
      const name = nameOf(positional, options.name, kind);
      const version = versionOf(options);
      return withClient(workspaceRoot(options), async (client) => {
        // The built-in `local` compute is not registered (unless the workspace registered its own `local`).
        const builtin = (error: unknown) => kind === 'compute' && name === BUILTIN_LOCAL && error instanceof ApiError && error.status === 404;
        const asset = await client.assets.get(kind, name, version).catch((error: unknown) => (builtin(error) ? undefined : Promise.reject(error)));
        const queue = kind === 'compute' ? await client.computes.queue(name) : undefined;
        // A manager that cannot be reached leaves the rest of the answer standing.
        const nodes = kind === 'compute' && asset?.spec.type === 'swarm' ? await client.computes.nodes(name).then((answer) => answer.nodes, (error: Error) => error.message) : undefined;
        if (options.json) return void process.stdout.write(JSON.stringify({ ...asset, ...(queue ? { queue } : {}), ...(typeof nodes === 'string' ? { nodes_error: nodes } : nodes ? { nodes } : {}) }, null, 2) + '\n');
        if (asset) process.stdout.write(stringify({ name: asset.name, ...(asset.version ? { version: asset.version } : {}), created: asset.createdAt, source: asset.sourcePath, ...(asset.upload ? { uploaded_from: asset.upload.localPath, uploaded_to: asset.upload.uri } : {}), ...(asset.job ? { job: asset.job } : {}), spec: asset.spec }));
        else process.stdout.write('name: local\ntype: local (built in: host processes)\n');
        if (queue) {
          process.stdout.write(`queue: ${queue.running.length}/${queue.capacity} running${queue.running.length ? ` (${queue.running.join(', ')})` : ''}, ${queue.queued.length} queued\n`);
          for (const entry of queue.queued) process.stdout.write(`  ${entry.job}: ${entry.reason}\n`);
        }
        if (typeof nodes === 'string') process.stdout.write(`nodes: cannot be listed: ${nodes}\n`);
        else if (nodes) process.stdout.write(nodesTable(nodes));
      });
    });
}

/** `--version`, or `--label latest` (the only label mlw keeps); not both. */
function versionOf(options: ShowOptions): string | undefined {
  if (options.label === undefined) return options.version;
  if (options.label !== 'latest') throw new Error(`unknown label ${options.label}; mlw keeps only the label latest`);
  if (options.version !== undefined) throw new Error('give --version or --label, not both');
  return 'latest';
}
