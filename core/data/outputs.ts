import { chmod, mkdir } from 'node:fs/promises';
import { basename, dirname, join, posix, relative as relativeTo } from 'node:path';
import type { RunMount } from '../compute/driver';
import { parseReference } from '../language/refs';
import type { JobOutput } from '../language/types/jobs';
import type { DatastoreResolver } from './datastores';
import { blobError, type BlobLocation, containerClient, DIRECT_SAS_MINUTES, directOutputUrl } from './blob';
import { uploadFolderToBlob } from './blob-transfer';
import { copyInside, staysInside } from './contained-fs';
import { DataError } from './errors';
import { assertPathSegment, containerOutputPath, runOutputDir } from './layout';

export interface OutputContext {
  /** Host folder of the run. */
  runDir: string;
  containerized: boolean;
  jobName: string;
  /** Datastore of outputs without a `path`, e.g. `workspaceblobstore`. */
  defaultDatastore: string;
  resolver: DatastoreResolver;
  /** Told what the upload at Finalizing left out (links leading outside the output), one line each. */
  log?: (line: string) => void;
  /** The job's `limits.timeout` in seconds: how long a `direct` Blob output's SAS stays valid (else 60 minutes). */
  timeoutSeconds?: number;
}

export interface StagedOutput {
  name: string;
  /** What `${{outputs.<name>}}` becomes in the command. */
  value: string;
  mount?: RunMount;
  /** Host folder the run writes to (the datastore folder itself for mounts, a run-local folder for `upload`). */
  hostDir: string;
  /** Where the output is stored, e.g. `azureml://datastores/<ds>/paths/azureml/<job>/<name>/`. */
  uri: string;
  mode: string;
  /** Moves what the run wrote to its datastore location (`upload`); a no-op for the other modes. */
  finalize(): Promise<void>;
  /** Environment variables the run gets for this output (a `direct` Blob output's signed URL). */
  env?: Record<string, string>;
}

const OUTPUT_MODES = ['rw_mount', 'mount', 'upload', 'direct'];

/**
 * Creates the folders a run writes its outputs to. Outputs go to `<default datastore>/azureml/<job>/<output>/` unless
 * they name an `azureml://datastores/<ds>/paths/<p>` path (`${{name}}` and `${{output_name}}` in it are replaced).
 * `rw_mount`/`mount` write into the datastore folder directly; `upload` writes to `<runDir>/outputs/<name>/` and
 * `finalize()` copies it over; `direct` passes the URI to the command and mounts nothing.
 *
 * Containers run as a non-root uid (1000:1000) that does not own the host folders, so folders a container writes
 * get mode 0777; chown would need root on the host, which mlw does not assume.
 */
export async function prepareOutputs(outputs: Record<string, JobOutput>, ctx: OutputContext): Promise<Record<string, StagedOutput>> {
  assertPathSegment(ctx.jobName, 'job name', 'name');
  const prepared: Record<string, StagedOutput> = {};
  for (const [name, output] of Object.entries(outputs)) {
    const field = `outputs.${name}`;
    assertPathSegment(name, 'output name', field);
    prepared[name] = await prepareOutput(name, output ?? {}, ctx, field);
  }
  return prepared;
}

async function prepareOutput(name: string, output: NonNullable<JobOutput>, ctx: OutputContext, field: string): Promise<StagedOutput> {
  const mode = output.mode ?? 'rw_mount';
  if (!OUTPUT_MODES.includes(mode)) {
    throw new DataError(`output "${name}" has mode "${mode}"; expected one of ${OUTPUT_MODES.join(', ')}`, field);
  }
  const uri = output.path
    ? expandOutputPath(output.path, ctx.jobName, name, field)
    : `azureml://datastores/${ctx.defaultDatastore}/paths/azureml/${ctx.jobName}/${name}/`;
  const resolved = resolveDatastorePath(name, uri, ctx, field);
  if ('blob' in resolved) return prepareBlobOutput(name, uri, mode, resolved.blob, output.type === 'uri_file' && !!output.path && !uri.endsWith('/'), ctx);
  const { path: storedPath, root: datastoreRoot } = resolved;
  // A `uri_file` output with an explicit file path: the run writes that file inside the path's folder.
  const fileName = output.type === 'uri_file' && output.path && !uri.endsWith('/') ? basename(storedPath) : undefined;
  const datastoreDir = fileName ? dirname(storedPath) : storedPath;
  // Another job may have left a link where this output goes; writing (or mounting) through it would leave the datastore.
  const assertInsideDatastore = () => {
    if (!staysInside(datastoreRoot, relativeTo(datastoreRoot, datastoreDir))) {
      throw new DataError(`output "${name}" goes to "${uri}", which leads through a symbolic link outside its datastore; mlw does not follow it`, field);
    }
  };
  assertInsideDatastore();
  if (mode !== 'upload') {
    await mkdir(datastoreDir, { recursive: true });
    // A link may have appeared while the folder was made: checked again before anything is written or mounted.
    assertInsideDatastore();
  }

  if (mode === 'direct') return { name, value: uri, hostDir: datastoreDir, uri, mode, finalize: async () => {} };
  const hostDir = mode === 'upload' ? runOutputDir(ctx.runDir, name) : datastoreDir;
  // The datastore folder of the mounted modes exists by now; `upload` writes to a run-local folder made here.
  if (mode === 'upload') await mkdir(hostDir, { recursive: true });
  if (ctx.containerized) await chmod(hostDir, 0o777);
  const target = ctx.containerized ? containerOutputPath(name) : hostDir;
  const value = fileName ? (ctx.containerized ? posix.join(target, fileName) : join(target, fileName)) : target;
  const finalize =
    mode === 'upload'
      ? async () => {
          await mkdir(datastoreDir, { recursive: true });
          assertInsideDatastore();
          const log = ctx.log;
          // The run's folder is the root: what the run wrote is copied, links leading out of it are not followed.
          await copyInside(ctx.runDir, relativeTo(ctx.runDir, hostDir), datastoreDir, {
            what: "the run's folder",
            ...(log ? { onSkip: (line: string) => log(`[mlw] output ${name}: ${line}`) } : {}),
          });
        }
      : async () => {};
  return { name, value, mount: { source: hostDir, target, readOnly: false }, hostDir, uri, mode, finalize };
}

function expandOutputPath(path: string, jobName: string, outputName: string, field: string): string {
  const expanded = path.replace(/\$\{\{\s*name\s*\}\}/g, jobName).replace(/\$\{\{\s*output_name\s*\}\}/g, outputName);
  if (expanded.includes('${{')) {
    throw new DataError(`output path "${path}" holds a binding other than \${{name}} and \${{output_name}}`, field);
  }
  return expanded;
}

/**
 * An output on a Blob datastore is written to `<runDir>/outputs/<name>/` (`rw_mount` and `upload` alike) and uploaded
 * at Finalizing. `direct`: the command gets the blob URL without its SAS and the run writes through the signed URL in
 * `MLW_OUTPUT_<name>_URL` (the environment, not the command line every user sees); nothing is uploaded.
 */
async function prepareBlobOutput(name: string, uri: string, mode: string, blob: BlobLocation, isFile: boolean, ctx: OutputContext): Promise<StagedOutput> {
  const hostDir = runOutputDir(ctx.runDir, name);
  if (mode === 'direct') {
    const minutes = ctx.timeoutSeconds && ctx.timeoutSeconds > 0 ? Math.ceil(ctx.timeoutSeconds / 60) : DIRECT_SAS_MINUTES;
    let direct;
    try {
      direct = directOutputUrl(blob, isFile, minutes);
    } catch (error) {
      throw DataError.at(`outputs.${name}`, `output "${name}"`, error);
    }
    return { name, value: direct.url, hostDir, uri, mode, finalize: async () => {}, env: { [directOutputVariable(name)]: direct.signed } };
  }
  try {
    // Wrong credentials or a missing container fail before the run, not after it.
    await containerClient(blob.datastore).listBlobsFlat().byPage({ maxPageSize: 1 }).next();
  } catch (error) {
    throw DataError.at(`outputs.${name}`, `output "${name}"`, blobError(blob, error, 'access to the container'));
  }
  await mkdir(hostDir, { recursive: true });
  if (ctx.containerized) await chmod(hostDir, 0o777);
  const target = ctx.containerized ? containerOutputPath(name) : hostDir;
  // A `uri_file` output names a blob: the run writes that file, and the folder it is in is uploaded.
  const fileName = isFile ? posix.basename(blob.path) : undefined;
  const folderTarget = fileName ? { ...blob, path: posix.dirname(blob.path) === '.' ? '' : posix.dirname(blob.path) } : blob;
  const value = fileName ? (ctx.containerized ? posix.join(target, fileName) : join(target, fileName)) : target;
  const log = ctx.log ? (line: string) => ctx.log!(`[mlw] output ${name}: ${line}`) : undefined;
  const finalize = async () => {
    const sent = await uploadFolderToBlob(hostDir, folderTarget, log);
    if (sent.files === 0) log?.(`nothing to upload to datastore "${blob.datastore.name}", path "${blob.path}"`);
  };
  return { name, value, mount: { source: hostDir, target, readOnly: false }, hostDir, uri, mode, finalize };
}

/** The environment variable holding a `direct` Blob output's signed URL. */
export function directOutputVariable(name: string): string {
  return `MLW_OUTPUT_${name}_URL`;
}

function resolveDatastorePath(name: string, uri: string, ctx: OutputContext, field: string): { path: string; root: string } | { blob: BlobLocation } {
  if (parseReference(uri)?.form !== 'datastore-path') {
    throw new DataError(`output "${name}" has path "${uri}"; an output path must be azureml://datastores/<datastore>/paths/<path>`, field);
  }
  let location;
  try {
    location = ctx.resolver.resolve(uri, ctx.runDir, { mustExist: false });
  } catch (error) {
    if (error instanceof DataError) throw DataError.at(field, `output "${name}"`, error);
    throw error;
  }
  if (location.kind === 'remote' && location.blob) return { blob: location.blob };
  if (location.kind === 'remote') {
    throw new DataError(`output "${name}" goes to "${uri}" on a remote datastore; outputs can only be written to local datastores for now`, field);
  }
  return { path: location.path, root: location.root ?? location.path };
}
