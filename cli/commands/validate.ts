import path from 'node:path';
import type { Command } from 'commander';
import type { FileValidation } from '../../core/language';

interface ValidateOptions {
  format: 'text' | 'json';
  root?: string;
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('validate spec files, folders (recursively) or globs; exit 1 when any has an error')
    .argument('[paths...]', 'files, folders or globs', ['.'])
    .option('--format <format>', 'text or json', 'text')
    .option('--root <folder>', 'workspace folder that `azureml:` references resolve against, with the assets its running `mlw serve` registered (default: nearest folder with .mlw or .git)')
    .action(async (paths: string[], options: ValidateOptions) => {
      process.exitCode = await runValidate(paths, options, process.cwd());
    });
}

export async function runValidate(paths: string[], options: ValidateOptions, cwd: string): Promise<number> {
  // Loaded on use: the validator (schemas, ajv) is the heaviest part of the CLI and other commands don't need it.
  const { expandSpecArguments, validateFiles, workspaceRootOf } = require('../../core/language') as typeof import('../../core/language');
  if (options.format !== 'text' && options.format !== 'json') {
    process.stderr.write(`mlw validate: unknown format '${options.format}' (text or json)\n`);
    return 2;
  }
  const { files, unmatched } = expandSpecArguments(paths, cwd);
  for (const arg of unmatched) process.stderr.write(`mlw validate: ${arg}: no such file, folder or matching YAML file\n`);
  const first = path.resolve(cwd, paths[0] ?? '.');
  const root = options.root ? path.resolve(cwd, options.root) : workspaceRootOf(first, files.includes(first) ? path.dirname(first) : first);
  // The assets the workspace's running control plane registered count as defined; none running is normal.
  const { fetchRegisteredAssets, RegisteredAssets } = require('../../core/api/registered-assets') as typeof import('../../core/api/registered-assets');
  const registered = await fetchRegisteredAssets(root);
  const results = validateFiles(files, root, registered ? [new RegisteredAssets(registered)] : []);
  const counts = summarize(results);
  if (options.format === 'json') {
    const diagnostics = results.flatMap((r) => r.diagnostics.map((d) => ({ ...d, path: path.relative(cwd, d.path) || d.path })));
    process.stdout.write(JSON.stringify({ files: files.length, specs: counts.specs, errors: counts.error, warnings: counts.warning, information: counts.information, diagnostics }, null, 2) + '\n');
  } else {
    const lines: string[] = [];
    for (const r of results) for (const d of r.diagnostics) lines.push(`${path.relative(cwd, d.path) || d.path}:${d.line}:${d.column} ${d.severity} ${d.rule} ${d.message}`);
    lines.push(`${plural(files.length, 'file')}, ${plural(counts.error, 'error')}, ${plural(counts.warning, 'warning')}`);
    process.stdout.write(lines.join('\n') + '\n');
  }
  return counts.error > 0 || unmatched.length > 0 ? 1 : 0;
}

function summarize(results: FileValidation[]): { specs: number; error: number; warning: number; information: number } {
  const counts = { specs: 0, error: 0, warning: 0, information: 0 };
  for (const r of results) {
    if (r.kind) counts.specs++;
    for (const d of r.diagnostics) counts[d.severity]++;
  }
  return counts;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
