import fs from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import type { BatchInvocationInput, BatchInvocationOutput } from '../core/api/batch-contracts';
import { applyOverrides } from '../core/engine/spec-loader';
import { parseReference } from '../core/language';

type Named<T> = Record<string, T>;

export interface InvocationFlags {
  input?: string;
  file?: string;
  inputs?: string;
  outputs?: string;
  set?: string[];
}

/**
 * `az ml batch-endpoint invoke`'s named inputs and outputs: `--file`'s `inputs:`/`outputs:`, then `--inputs`/`--outputs`
 * (YAML or JSON maps) by name, then `--set inputs.<name>.<key>=…`/`outputs.…`; the other `--set` keys are the
 * deployment's. Local paths become absolute (a file's relative to its folder, a flag's to the current folder).
 */
export function invocationOf(flags: InvocationFlags): { input?: string; inputs?: Named<BatchInvocationInput>; outputs?: Named<BatchInvocationOutput>; set: string[] } {
  const fromFile = flags.file ? readInvocationFile(flags.file) : {};
  let inputs: Named<unknown> = { ...fromFile.inputs, ...withLocalPaths(mapOf('--inputs', flags.inputs), process.cwd()) };
  let outputs: Named<unknown> = { ...fromFile.outputs, ...mapOf('--outputs', flags.outputs) };
  const invocationSets = (flags.set ?? []).filter((item) => /^(inputs|outputs)\./.test(item));
  if (invocationSets.length > 0) {
    const applied = parse(applyOverrides(stringify({ inputs, outputs }), invocationSets)) as { inputs?: Named<unknown>; outputs?: Named<unknown> };
    inputs = withLocalPaths(applied.inputs ?? {}, process.cwd());
    outputs = applied.outputs ?? {};
  }
  return {
    ...(flags.input !== undefined ? { input: localPath(flags.input, process.cwd(), '--input') } : {}),
    ...(Object.keys(inputs).length ? { inputs: inputs as Named<BatchInvocationInput> } : {}),
    ...(Object.keys(outputs).length ? { outputs: outputs as Named<BatchInvocationOutput> } : {}),
    set: (flags.set ?? []).filter((item) => !invocationSets.includes(item)),
  };
}

/** A local path is sent as an absolute path (relative to `base`); references as given. */
function localPath(input: string, base: string, flag: string): string {
  if (parseReference(input)?.form !== 'file') return input;
  const local = path.resolve(base, input);
  if (!fs.existsSync(local)) throw new Error(`${flag} ${input}: no such file or folder`);
  return local;
}

function readInvocationFile(file: string): { inputs?: Named<unknown>; outputs?: Named<unknown> } {
  let value: unknown;
  try {
    value = parse(fs.readFileSync(path.resolve(file), 'utf8'));
  } catch (error) {
    throw new Error(`--file ${file}: ${(error as Error).message}`);
  }
  if (!isMap(value)) throw new Error(`--file ${file}: expected a map with inputs: and outputs:`);
  const unknown = Object.keys(value).find((key) => !['$schema', 'inputs', 'outputs'].includes(key));
  if (unknown) throw new Error(`--file ${file}: unknown key ${unknown}; an invocation file has inputs: and outputs:`);
  for (const key of ['inputs', 'outputs'] as const) {
    if (value[key] !== undefined && value[key] !== null && !isMap(value[key])) throw new Error(`--file ${file}: ${key}: expected a map of names`);
  }
  const dir = path.dirname(path.resolve(file));
  return { inputs: withLocalPaths((value.inputs as Named<unknown>) ?? {}, dir, file), outputs: (value.outputs as Named<unknown>) ?? {} };
}

function mapOf(flag: string, text: string | undefined): Named<unknown> {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = parse(text);
  } catch (error) {
    throw new Error(`${flag}: ${(error as Error).message}`);
  }
  if (!isMap(value)) throw new Error(`${flag}: expected a map of names, e.g. {"name": {"type": "uri_folder", "path": "data"}}`);
  return value;
}

function withLocalPaths(inputs: Named<unknown>, base: string, file?: string): Named<unknown> {
  return Object.fromEntries(Object.entries(inputs).map(([name, given]) => {
    if (!isMap(given) || typeof given.path !== 'string') return [name, given];
    return [name, { ...given, path: localPath(given.path, base, file ? `--file ${file}: inputs.${name}.path` : `inputs.${name}.path`) }];
  }));
}

function isMap(value: unknown): value is Named<unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
