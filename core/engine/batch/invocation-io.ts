import fs from 'node:fs';
import path from 'node:path';
import type { BatchInvocationInput, BatchInvocationOutput, BatchInvokeRequest } from '../../api/batch-contracts';
import { BadRequest } from '../../errors';
import { parseReference } from '../../language';

/** The data types an input or output may have, as Azure ML names them. */
export const DATA_TYPES = new Set(['uri_folder', 'uri_file', 'mltable', 'custom_model', 'mlflow_model', 'triton_model']);

/** Azure ML's literal input types (`float` is the SDK's name of `number`). */
const LITERAL_TYPES: Record<string, 'string' | 'integer' | 'number' | 'boolean'> = { string: 'string', integer: 'integer', number: 'number', float: 'number', boolean: 'boolean' };

export type BoundInput = { kind: 'data'; type?: string; path: string } | { kind: 'literal'; type?: string; value: string | number | boolean };
export interface BoundOutput {
  type?: string;
  path: string;
}

/** An invocation's inputs by name (`--input` is one unnamed data input) and its outputs, each checked on its own. */
export interface Invocation {
  input?: BoundInput & { kind: 'data' };
  inputs: Record<string, BoundInput>;
  outputs: Record<string, BoundOutput>;
}

/** Reads the request's inputs and outputs; what is wrong with one is said at its name. */
export function readInvocation(request: BatchInvokeRequest): Invocation {
  const named = request.inputs && Object.keys(request.inputs).length > 0;
  if (request.input !== undefined && named) throw new BadRequest('--input and named inputs (--file, --inputs) both given: give the data one way');
  if (request.input === undefined && !named) throw new BadRequest('no input: give --input <data>, or named inputs with --file or --inputs');
  const inputs = Object.fromEntries(Object.entries(request.inputs ?? {}).map(([name, given]) => [name, readInput(name, given)]));
  const outputs = Object.fromEntries(Object.entries(request.outputs ?? {}).map(([name, given]) => [name, readOutput(name, given)]));
  if (request.input === undefined) return { inputs, outputs };
  checkLocalData('--input', request.input, request.inputType);
  return { input: { kind: 'data', path: request.input, ...(request.inputType ? { type: request.inputType } : {}) }, inputs, outputs };
}

/**
 * A model deployment's one data input and where its one output goes: names are not used (as in Azure ML), but a
 * literal, a second input or a second output is refused.
 */
export function modelInvocation(invocation: Invocation): { input: { path: string; type?: string }; outputPath?: string } {
  const entries = Object.entries(invocation.inputs);
  const literal = entries.find(([, bound]) => bound.kind === 'literal');
  if (literal) throw new BadRequest(`inputs.${literal[0]}: a literal input; a model deployment takes one data input (literal inputs are for pipeline component deployments)`);
  if (entries.length > 1) throw new BadRequest(`inputs: ${entries.map(([name]) => name).join(', ')}: a model deployment takes one data input`);
  const [name, bound] = entries[0] ?? ['input', invocation.input!];
  if (bound.kind !== 'data') throw new Error('unreachable');
  if (bound.type !== undefined && bound.type !== 'uri_folder' && bound.type !== 'uri_file') {
    throw new BadRequest(`inputs.${name}.type ${bound.type}: a model deployment scores files: give uri_folder or uri_file${bound.type === 'mltable' ? ' (MLTable inputs are not supported yet)' : ''}`);
  }
  const outputs = Object.entries(invocation.outputs);
  if (outputs.length > 1) throw new BadRequest(`outputs: ${outputs.map(([key]) => key).join(', ')}: a model deployment has one output (score)`);
  const input = { path: bound.path, ...(bound.type ? { type: bound.type } : {}) };
  return { input, ...(outputs[0] ? { outputPath: outputs[0][1].path } : {}) };
}

function readInput(name: string, given: BatchInvocationInput): BoundInput {
  const at = `inputs.${name}`;
  if (Array.isArray(given)) throw new BadRequest(`${at}: a list; an input is data (type and path) or a literal (type and default, or its value)`);
  if (typeof given !== 'object' || given === null) return { kind: 'literal', value: literalOf(at, given, undefined) };
  const unknown = Object.keys(given).find((key) => !['type', 'path', 'default', 'value'].includes(key));
  if (unknown) throw new BadRequest(`${at}: unknown key ${unknown}; a data input has type and path, a literal input type and default`);
  const { type, path: where } = given;
  const value = given.default ?? given.value;
  if (type !== undefined && typeof type !== 'string') throw new BadRequest(`${at}.type: expected a string`);
  if (type !== undefined && !DATA_TYPES.has(type) && !LITERAL_TYPES[type]) {
    throw new BadRequest(`${at}.type ${type}: expected a data type (${[...DATA_TYPES].join(', ')}) or a literal type (${Object.keys(LITERAL_TYPES).join(', ')})`);
  }
  if ((type !== undefined && DATA_TYPES.has(type)) || (type === undefined && where !== undefined)) {
    if (value !== undefined) throw new BadRequest(`${at}: a data input (type ${type ?? 'uri_folder'}) takes a path, not a value (default)`);
    if (typeof where !== 'string' || where === '') throw new BadRequest(`${at}: a data input needs a path`);
    checkLocalData(`${at}.path`, where, type);
    return { kind: 'data', path: where, ...(type ? { type } : {}) };
  }
  if (where !== undefined) throw new BadRequest(`${at}: a literal input (type ${type}) takes a value (default), not a path`);
  if (value === undefined || value === null) throw new BadRequest(`${at}: no value: give default: <value>${type ? ` (type ${type})` : ''}`);
  return { kind: 'literal', value: literalOf(at, value, type), ...(type ? { type } : {}) };
}

/** The value as its literal type says; a number or boolean is taken for a string, nothing else is converted. */
export function literalOf(at: string, value: unknown, type: string | undefined): string | number | boolean {
  const expected = type === undefined ? undefined : LITERAL_TYPES[type];
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') throw new BadRequest(`${at}: expected a string, number or boolean, not ${JSON.stringify(value)}`);
  if (expected === undefined) return value;
  if (expected === 'string') return String(value);
  const fits = expected === 'boolean' ? typeof value === 'boolean' : typeof value === 'number' && (expected === 'number' || Number.isInteger(value));
  if (!fits) throw new BadRequest(`${at}: ${JSON.stringify(value)} is not ${expected === 'integer' ? 'an' : 'a'} ${expected}`);
  return value;
}

/** What a literal type stands for (`float` is `number`). */
export function literalKind(type: string): string | undefined {
  return LITERAL_TYPES[type];
}

function readOutput(name: string, given: BatchInvocationOutput | string | number | boolean): BoundOutput {
  const at = `outputs.${name}`;
  if (typeof given !== 'object' || given === null || Array.isArray(given)) throw new BadRequest(`${at}: expected type and path (azureml://datastores/<datastore>/paths/<path>)`);
  const unknown = Object.keys(given).find((key) => key !== 'type' && key !== 'path');
  if (unknown) throw new BadRequest(`${at}: unknown key ${unknown}; an output has type and path`);
  if (given.type !== undefined && given.type !== 'uri_folder' && given.type !== 'uri_file') throw new BadRequest(`${at}.type ${String(given.type)}: expected uri_folder or uri_file`);
  if (typeof given.path !== 'string' || given.path === '') throw new BadRequest(`${at}: an output needs a path: azureml://datastores/<datastore>/paths/<path>`);
  if (parseReference(given.path)?.form !== 'datastore-path') throw new BadRequest(`${at}.path ${given.path}: expected azureml://datastores/<datastore>/paths/<path>`);
  return { path: given.path, ...(given.type ? { type: given.type } : {}) };
}

/** `az ml`'s data forms: a data asset, an `azureml://` URI, or a local file or folder (given as an absolute path). */
function checkLocalData(at: string, input: string, type: string | undefined): void {
  const form = parseReference(input)?.form;
  if (form === 'asset' || form === 'datastore-path' || form === 'job-output') return;
  if (form === 'file' && path.isAbsolute(input)) {
    const stat = fs.statSync(input, { throwIfNoEntry: false });
    if (!stat) throw new BadRequest(`${at}: ${input} does not exist`);
    const typeField = at === '--input' ? '--input-type' : 'type';
    if (type === 'uri_file' && !stat.isFile()) throw new BadRequest(`${at}: ${input} is a folder, not a file (${typeField} uri_file)`);
    if (type === 'uri_folder' && !stat.isDirectory()) throw new BadRequest(`${at}: ${input} is a file, not a folder (${typeField} uri_folder)`);
    return;
  }
  throw new BadRequest(`${at}: "${input}" is not a data asset (azureml:<name>:<version>, azureml:<name>@latest), an azureml://datastores/… URI or a local folder`);
}
