import { realpathSync, statSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import type { RunMount } from '../compute/driver';
import { parseReference } from '../language/refs';
import type { JobInput, JobInputObject, LiteralValue } from '../language/types/jobs';
import type { DatastoreResolver, ResolvedLocation } from './datastores';
import { copyInside, type CopyOptions, LinkEscapeError, realPathInside } from './contained-fs';
import { type BlobLocation, directUrl } from './blob';
import { fetchToCache } from './blob-transfer';
import { DataError } from './errors';
import { formatBytes } from './fs-util';
import { assertPathSegment, containerInputPath, runInputDir } from './layout';
import { readOnlyCopy } from './read-only-copy';

export * from './layout';
export { prepareOutputs, type OutputContext, type StagedOutput } from './outputs';

export interface DataAssetLocation {
  /** The asset's `path` as registered: local (relative to `baseDir`), `azureml://datastores/…` or a URL. */
  path: string;
  type?: string;
  baseDir: string;
}

export interface StagingContext {
  /** Host folder of the run. */
  runDir: string;
  /** Whether the run sees `/mlw/…` container paths (mounts) rather than host paths. */
  containerized: boolean;
  /** Folder of the spec the inputs were written in; local paths are relative to it. */
  specDir: string;
  resolver: DatastoreResolver;
  /** A registered asset; `kind` is `model` for model-typed inputs (`mlflow_model`, `custom_model`, `triton_model`). */
  dataAsset: (name: string, version?: string, label?: string, kind?: 'data' | 'model') => DataAssetLocation | undefined;
  /** Told what staging left out (links leading outside the data), one line each. */
  log?: (line: string) => void;
  /**
   * The run was staged before and may be reading its inputs now (picked up again after a restart): the values are
   * computed, nothing is copied again.
   */
  alreadyStaged?: boolean;
}

export interface StagedInput {
  name: string;
  /** What `${{inputs.<name>}}` becomes in the command. */
  value: string;
  mount?: RunMount;
  mode?: string;
  type?: string;
  /** Environment variables the run gets for this input (a `direct` Blob input's signed URL). */
  env?: Record<string, string>;
}

const LITERAL_TYPES = new Set(['integer', 'number', 'string', 'boolean']);
/** Input and output types that name a model asset rather than a data asset. */
export const MODEL_TYPES: ReadonlySet<string> = new Set(['mlflow_model', 'custom_model', 'triton_model']);

/** The asset kind an input or output of `type` names: `model` for the model types, `data` for anything else. */
export function assetKindOfType(type: string | undefined): 'data' | 'model' {
  return MODEL_TYPES.has(type ?? '') ? 'model' : 'data';
}
const INPUT_MODES = ['ro_mount', 'eval_mount', 'rw_mount', 'download', 'eval_download', 'direct'];

/**
 * Makes a run's inputs available and computes what each `${{inputs.<name>}}` becomes. Literals become their text
 * (`true`/`false` for booleans, as YAML writes them). Data inputs are mounted (`ro_mount`, `eval_mount`, `rw_mount`),
 * copied under `<runDir>/inputs/<name>/` (`download`, `eval_download`) or passed through untouched (`direct`).
 * In containers a read-only mount is a read-only bind mount; a host process gets a read-only copy under
 * `<runDir>/inputs/<name>/` instead (reflinked where the filesystem allows), so it cannot change the data it was
 * given. Optional inputs without a value are left out of the result.
 */
export async function stageInputs(inputs: Record<string, JobInput>, ctx: StagingContext): Promise<Record<string, StagedInput>> {
  const staged: Record<string, StagedInput> = {};
  for (const [name, input] of Object.entries(inputs)) {
    const field = `inputs.${name}`;
    assertPathSegment(name, 'input name', field);
    const result = await stageInput(name, input, ctx, field);
    if (result) staged[name] = result;
  }
  return staged;
}

async function stageInput(name: string, input: JobInput, ctx: StagingContext, field: string): Promise<StagedInput | undefined> {
  if (typeof input !== 'object' || input === null) return literal(name, input, undefined, field);
  const type = input.type ?? (input.path !== undefined ? 'uri_folder' : undefined);
  if (type === undefined || LITERAL_TYPES.has(type)) {
    const value = (input as JobInputObject & { value?: LiteralValue }).value ?? input.default;
    if (value === undefined || value === null) {
      if (input.optional) return undefined;
      throw new DataError(`input "${name}" has no value`, field);
    }
    return literal(name, value, type, field);
  }
  if (input.path === undefined || input.path === '') {
    if (input.optional) return undefined;
    throw new DataError(`input "${name}" of type ${type} needs a path`, field);
  }
  return stageData(name, input.path, input.type, input.mode ?? 'ro_mount', ctx, field);
}

function literal(name: string, value: LiteralValue, declaredType: string | undefined, field: string): StagedInput {
  const text = String(value);
  assertNoBinding(name, text, field);
  return { name, value: text, type: declaredType ?? literalType(value) };
}

function literalType(value: LiteralValue): string {
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return 'string';
}

async function stageData(name: string, path: string, declaredType: string | undefined, mode: string, ctx: StagingContext, field: string): Promise<StagedInput> {
  assertNoBinding(name, path, field);
  if (!INPUT_MODES.includes(mode)) {
    throw new DataError(`input "${name}" has mode "${mode}"; expected one of ${INPUT_MODES.join(', ')}`, field);
  }
  const source = resolveSource(name, path, declaredType, ctx, field);
  const type = declaredType ?? source.assetType ?? 'uri_folder';
  let location = source.location;
  if (mode === 'direct') return location.kind === 'remote' && location.blob ? directBlobInput(name, location.blob, type) : { name, value: source.directValue, mode, type };
  if (location.kind === 'remote' && location.blob) location = await cachedBlobInput(name, location.blob, type, mode, ctx, field);
  if (location.kind === 'remote') {
    throw new DataError(`input "${name}": "${path}" is remote data; remote data needs mode: direct until remote datastores are supported`, field);
  }
  const { root, relative, hostPath } = containedSource(name, path, location, field);
  const isFile = await checkShape(name, path, hostPath, type, field);
  if (mode === 'download' || mode === 'eval_download') {
    const folder = runInputDir(ctx.runDir, name);
    if (!ctx.alreadyStaged) {
      await mkdir(folder, { recursive: true });
      await copyInside(root, relative, isFile ? join(folder, basename(hostPath)) : folder, copyOptions(name, location, ctx));
    }
    return { name, mode, type, ...exposeFolder(name, folder, isFile ? basename(hostPath) : undefined, true, ctx.containerized) };
  }
  const readOnly = mode !== 'rw_mount';
  if (readOnly && !ctx.containerized) {
    // A host process could write through the path itself (into a registered asset): it reads a read-only copy.
    const folder = runInputDir(ctx.runDir, name);
    if (!ctx.alreadyStaged) await readOnlyCopy(root, relative, folder, { ...copyOptions(name, location, ctx), ...(isFile ? { fileName: basename(hostPath) } : {}) });
    return { name, mode, type, ...exposeFolder(name, folder, isFile ? basename(hostPath) : undefined, true, false) };
  }
  if (!isFile) return { name, mode, type, ...exposeFolder(name, hostPath, undefined, readOnly, ctx.containerized) };
  const target = ctx.containerized ? posix.join(containerInputPath(name), basename(hostPath)) : hostPath;
  return { name, mode, type, value: target, mount: { source: hostPath, target, readOnly } };
}

/**
 * A `direct` Blob input: the command gets the URL without its SAS (a command line is visible to every user of the
 * machine); the URL with it is in the run's environment as `MLW_INPUT_<name>_URL`, which only the run's user can read.
 */
function directBlobInput(name: string, blob: BlobLocation, type: string): StagedInput {
  const signed = directUrl(blob);
  const query = signed.indexOf('?');
  if (query < 0) return { name, value: signed, mode: 'direct', type };
  return { name, value: signed.slice(0, query), mode: 'direct', type, env: { [directInputVariable(name)]: signed } };
}

/** The environment variable holding a `direct` Blob input's signed URL. */
export function directInputVariable(name: string): string {
  return `MLW_INPUT_${name}_URL`;
}

/**
 * Blob data is read from the local content cache (downloaded there first unless unchanged since an earlier job);
 * the run sees the cached copy exactly as it would a local folder, read-only.
 */
async function cachedBlobInput(name: string, blob: BlobLocation, type: string, mode: string, ctx: StagingContext, field: string): Promise<ResolvedLocation & { kind: 'local' }> {
  if (mode === 'rw_mount') throw new DataError(`input "${name}": rw_mount cannot write back to Blob datastore "${blob.datastore.name}"; use ro_mount, download or direct`, field);
  const log = ctx.log ? (line: string) => ctx.log!(`[mlw] input ${name}: ${line}`) : undefined;
  const what = `datastore "${blob.datastore.name}", path "${blob.path}"`;
  let cached;
  try {
    cached = await fetchToCache(blob, ctx.resolver.blobCache, type === 'uri_file', log);
  } catch (error) {
    if (error instanceof DataError) throw DataError.at(field, `input "${name}"`, error);
    throw error;
  }
  log?.(`${what}: ${cached.hit ? 'unchanged, cached copy reused' : 'downloaded into the cache'} (${cached.files} files, ${formatBytes(cached.bytes)})`);
  return { kind: 'local', path: cached.fileName ? join(cached.folder, cached.fileName) : cached.folder };
}

/** How an input's data is copied: links leading out of it are skipped, each with a line in the run's log. */
function copyOptions(name: string, location: ResolvedLocation & { kind: 'local' }, ctx: StagingContext): CopyOptions {
  const log = ctx.log;
  return {
    what: location.datastore ? `datastore "${location.datastore}"` : `input "${name}"`,
    ...(log ? { onSkip: (line: string) => log(`[mlw] input ${name}: ${line}`) } : {}),
  };
}

/** The mount of a host folder and the value the command sees: the folder, or `file` inside it. */
function exposeFolder(name: string, folder: string, file: string | undefined, readOnly: boolean, containerized: boolean): Pick<StagedInput, 'value' | 'mount'> {
  const target = containerized ? containerInputPath(name) : folder;
  const value = file ? (containerized ? posix.join(target, file) : join(target, file)) : target;
  return { value, mount: { source: folder, target, readOnly } };
}

/**
 * Where an input's data is read from. Data in a datastore (where jobs write their outputs) is resolved below the
 * datastore's root, so a link a job left there cannot lead the input outside it; a path the spec names directly is
 * the user's own choice and is followed, but links inside it are not followed out of it.
 */
function containedSource(name: string, path: string, location: ResolvedLocation & { kind: 'local' }, field: string): { root: string; relative: string; hostPath: string } {
  const { root } = location;
  if (location.datastore !== undefined && root !== undefined && location.relative !== undefined) {
    try {
      return { root, relative: location.relative, hostPath: realPathInside(root, location.relative) };
    } catch (error) {
      if (error instanceof LinkEscapeError) throw new DataError(`input "${name}": "${path}" leads through a symbolic link outside datastore "${location.datastore}"; mlw does not follow it`, field);
      throw error;
    }
  }
  const real = realpathSync(location.path);
  if (statSync(real).isDirectory()) return { root: real, relative: '', hostPath: location.path };
  return { root: dirname(real), relative: basename(real), hostPath: location.path };
}

interface InputSource {
  location: ResolvedLocation;
  /** What `direct` passes to the command: the path as written, or a data asset's own URI. */
  directValue: string;
  assetType?: string;
}

function resolveSource(name: string, path: string, declaredType: string | undefined, ctx: StagingContext, field: string): InputSource {
  const reference = parseReference(path);
  const assetReference =
    reference?.form === 'asset' || (reference?.form === 'arm' && (reference.asset === 'data' || reference.asset === 'model')) ? reference : undefined;
  if (!assetReference) {
    return { location: withInputContext(name, field, () => ctx.resolver.resolve(path, ctx.specDir)), directValue: path };
  }
  const kind = assetKindOfType(declaredType);
  const label = assetReference.form === 'asset' ? assetReference.label : undefined;
  const asset = ctx.dataAsset(assetReference.name, assetReference.version, label, kind);
  if (!asset) throw new DataError(`input "${name}": ${kind} asset "${path}" was not found`, field);
  const location = withInputContext(name, field, () => ctx.resolver.resolve(asset.path, asset.baseDir), `${kind} asset "${path}"`);
  const assetIsUri = parseReference(asset.path)?.form !== 'file';
  return {
    location,
    directValue: assetIsUri || location.kind === 'remote' ? asset.path : location.path,
    ...(asset.type ? { assetType: asset.type } : {}),
  };
}

function withInputContext<T>(name: string, field: string, resolve: () => T, via?: string): T {
  try {
    return resolve();
  } catch (error) {
    if (error instanceof DataError) throw DataError.at(field, `input "${name}"${via ? ` (${via})` : ''}`, error);
    throw error;
  }
}

/** Checks a `uri_file` is a file and a `uri_folder` a folder; returns whether the path is a file. */
async function checkShape(name: string, path: string, hostPath: string, type: string, field: string): Promise<boolean> {
  const isFile = (await stat(hostPath)).isFile();
  if (type === 'uri_file' && !isFile) {
    throw new DataError(`input "${name}" has type uri_file but "${path}" is a folder; use type: uri_folder`, field);
  }
  if (type === 'uri_folder' && isFile) {
    throw new DataError(`input "${name}" has type uri_folder but "${path}" is a file; use type: uri_file`, field);
  }
  return isFile;
}

function assertNoBinding(name: string, value: string, field: string): void {
  if (value.includes('${{')) {
    throw new DataError(`input "${name}" still holds the binding "${value}"; bindings must be resolved before staging`, field);
  }
}
