import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';

/**
 * A name given as `az ml` takes it (`--name/-n`) or as mlw's positional argument; either one, or both when they
 * agree.
 */
export function withNameArgument(command: Command, what: string): Command {
  return command.argument('[name]', `${what} name (or --name)`).option('-n, --name <name>', `${what} name`);
}

export function nameOf(positional: string | undefined, option: string | undefined, what: string): string {
  if (positional !== undefined && option !== undefined && positional !== option) throw new Error(`two ${what} names given: ${positional} and --name ${option}`);
  const name = positional ?? option;
  if (!name) throw new Error(`which ${what}? give its name: <name> or --name <name>`);
  return name;
}

/** `--name`/`--version` of a create, as `az ml` applies them: like `--set name=…`/`--set version=…`, after the others. */
export function overridesOf(options: { set?: string[]; name?: string; version?: string }): string[] {
  return [
    ...(options.set ?? []),
    // JSON strings are YAML strings: `--version 1.10` stays "1.10", not the number 1.1.
    ...(options.name !== undefined ? [`name=${JSON.stringify(options.name)}`] : []),
    ...(options.version !== undefined ? [`version=${JSON.stringify(options.version)}`] : []),
  ];
}

/**
 * An `update`'s request: a changed spec file, named as the command names it (as `create --name` does), or `--set`
 * and `--remove` on the stored spec.
 */
export function updateRequestOf(options: { file?: string; set?: string[]; remove?: string[] }, name: string): { path?: string; set?: string[]; remove?: string[] } {
  const remove = options.remove?.length ? { remove: options.remove } : {};
  if (!options.file) return { ...(options.set?.length ? { set: options.set } : {}), ...remove };
  return { path: path.resolve(options.file), set: overridesOf({ ...(options.set ? { set: options.set } : {}), name }), ...remove };
}

/** `--max-results/-r`: a positive whole number. */
export function maxResults(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1) throw new InvalidArgumentError('expected a positive whole number');
  return count;
}
