import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { SpecAddition, StoredSpecEdits } from '../core/api/contracts';
import { collect } from './connection';

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

/** What `update` reads from the command line: a spec file, or `--set`, `--add` and `--remove` on the stored spec. */
export interface UpdateOptions {
  file?: string;
  set?: string[];
  /** Each `--add` with its values (see `withSpecEdits`). */
  add?: string[][];
  /** Each `--remove` with its values. */
  remove?: string[][];
}

/**
 * `update`'s `--set`, `--add <path> <value...>` and `--remove <path> [index]`, as `az ml` takes them. Commander joins
 * the values of every use of a variadic option into one list; each use is told apart here by reading the command's
 * arguments as commander does (a use's values run until the next option).
 */
export function withSpecEdits(command: Command): Command {
  command
    .option('--set <key=value>', 'set a field: key.path=value (repeatable)', collect)
    .option('--add <path-and-values...>', 'append to the list at a path: --add <path> <key=value ...|JSON> (repeatable)')
    .option('--remove <path-and-index...>', 'remove a field, or a list entry: --remove <path> [index] (repeatable)');
  const parseOptions = command.parseOptions.bind(command);
  command.parseOptions = (args) => {
    const parsed = parseOptions(args);
    for (const flag of ['add', 'remove']) {
      const values = command.getOptionValue(flag) as string[] | undefined;
      if (values) command.setOptionValue(flag, usesOf(args, `--${flag}`, values));
    }
    return parsed;
  };
  return command;
}

function usesOf(args: readonly string[], flag: string, values: readonly string[]): string[][] {
  const uses: string[][] = [];
  for (let i = 0; i < args.length && args[i] !== '--'; i++) {
    if (args[i]!.startsWith(`${flag}=`)) uses.push([args[i]!.slice(flag.length + 1)]);
    if (args[i] !== flag || i + 1 >= args.length) continue;
    const use = [args[++i]!];
    while (i + 1 < args.length && !isOption(args[i + 1]!)) use.push(args[++i]!);
    uses.push(use);
  }
  if (JSON.stringify(uses.flat()) !== JSON.stringify(values)) throw new InvalidArgumentError(`could not tell the uses of ${flag} apart; give each as ${flag} <path> <value>`);
  return uses;
}

const isOption = (arg: string) => arg.length > 1 && arg.startsWith('-') && !/^-(\d+|\d*\.\d+)(e[+-]?\d+)?$/.test(arg);

/**
 * An `update`'s request: a changed spec file, named as the command names it (as `create --name` does), or `--set`,
 * `--add` and `--remove` on the stored spec (`--add path=value` stands for `--add path value`).
 */
export function updateRequestOf(options: UpdateOptions, name: string | undefined): { path?: string } & StoredSpecEdits {
  const edits: StoredSpecEdits = {
    ...(options.add?.length ? { add: options.add.map(additionOf) } : {}),
    ...(options.remove?.length ? { remove: options.remove.map(removalOf) } : {}),
  };
  if (!options.file) return { ...(options.set?.length ? { set: options.set } : {}), ...edits };
  const set = overridesOf({ ...(options.set ? { set: options.set } : {}), ...(name !== undefined ? { name } : {}) });
  return { path: path.resolve(options.file), ...(set.length ? { set } : {}), ...edits };
}

function additionOf([written, ...values]: string[]): SpecAddition {
  const at = written!.indexOf('=');
  return values.length === 0 && at > 0 ? { path: written!.slice(0, at), values: [written!.slice(at + 1)] } : { path: written!, values };
}

function removalOf([written, index, ...rest]: string[]): string {
  if (rest.length > 0 || (index !== undefined && !/^\d+$/.test(index))) throw new Error(`--remove ${[written, index, ...rest].join(' ')}: give a path, and for a list entry its index (a whole number)`);
  return index === undefined ? written! : `${written}[${index}]`;
}

/** `--max-results/-r`: a positive whole number. */
export function maxResults(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1) throw new InvalidArgumentError('expected a positive whole number');
  return count;
}
