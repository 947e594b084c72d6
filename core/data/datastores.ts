import { mkdirSync, statSync } from 'node:fs';
import { isAbsolute, join, relative as relativeTo, resolve as resolvePath, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseReference } from '../language/refs';
import { DataError } from './errors';
import { asBlobDatastore, type BlobDatastore, type BlobLocation } from './blob';
import { isInside } from './fs-util';

/** The datastores every workspace has; locally each is a folder `<mlwDir>/datastores/<name>/`. */
export const BUILTIN_DATASTORES = ['workspaceblobstore', 'workspacefilestore', 'workspaceartifactstore', 'workspaceworkingdirectory'] as const;

/**
 * The workspace's default datastore, as in Azure ML: local data and models are uploaded to it on registration, and
 * outputs without a `path` are written to it.
 */
export const DEFAULT_DATASTORE = 'workspaceblobstore';
/** The datastore the tracking API keeps MLflow artifacts in. */
export const ARTIFACT_DATASTORE = 'workspaceartifactstore';

export interface DatastoreRecord {
  name: string;
  /** `local`, `azure_blob`, `azure_file`, `azure_data_lake_gen2`, … */
  type: string;
  /** Absolute folder of a `local` datastore (already resolved against the spec that defined it). */
  path?: string;
  /** Azure storage: the account, its endpoint suffix (`core.windows.net`) and protocol, as the spec gives them. */
  account_name?: string;
  container_name?: string;
  endpoint?: string;
  protocol?: string;
  /** The credentials in clear, read from the workspace's secrets store; only for the code that accesses the datastore. */
  credentials?: DatastoreCredentials;
}

export interface DatastoreCredentials {
  account_key?: string;
  sas_token?: string;
  client_id?: string;
  client_secret?: string;
  tenant_id?: string;
}

export type ResolvedLocation =
  | { kind: 'local'; path: string; datastore?: string; relative?: string; /** The datastore's folder. */ root?: string }
  | { kind: 'remote'; uri: string; /** Set when the data is in a Blob container mlw reaches itself. */ blob?: BlobLocation };

export interface DatastoreResolverOptions {
  workspaceRoot: string;
  /** mlw's state folder (`<workspace>/.mlw`); the built-in datastores live under it. */
  mlwDir: string;
  /** A registered datastore by name; registered ones take precedence over built-in names. */
  lookup: (name: string) => DatastoreRecord | undefined;
  /** Names of the registered datastores, for "unknown datastore" messages. */
  names?: () => string[];
  /** Where a job's output was stored (an `azureml://datastores/…` URI); enables `azureml://jobs/…` references. */
  jobOutput?: (job: string, output: string) => string | undefined;
}

export interface ResolveOptions {
  /** Fail when the local path does not exist (default true; outputs pass false). */
  mustExist?: boolean;
}

/** Turns datastore names and data URIs into local folders, or marks them remote. */
export class DatastoreResolver {
  constructor(private readonly options: DatastoreResolverOptions) {}

  /** Folder of a local datastore, created on demand. */
  root(name: string): string {
    const record = this.record(name);
    if (record.type !== 'local') {
      throw new DataError(`datastore "${name}" is of type ${record.type}; only local datastores have a folder on this machine`);
    }
    if (!record.path) throw new DataError(`local datastore "${name}" has no path`);
    const root = resolvePath(record.path);
    mkdirSync(root, { recursive: true });
    return root;
  }

  /**
   * Resolves a data path or URI as written in a spec whose folder is `baseDir`: `azureml://datastores/<ds>/paths/<p>`,
   * `azureml://jobs/<job>/outputs/<o>/paths/<p>`, `file:` URIs, local paths; `https://`, `wasbs://`, `abfss://` and
   * datastores that are not local are `remote`. Paths escaping their datastore, or the workspace, are rejected.
   */
  resolve(uri: string, baseDir: string, options: ResolveOptions = {}): ResolvedLocation {
    const reference = parseReference(uri);
    if (!reference) throw new DataError(`"${uri}" is not a path or a URI`);
    let location: ResolvedLocation;
    switch (reference.form) {
      case 'datastore-path':
        location = this.inDatastore(reference.datastore, reference.path, uri);
        break;
      case 'job-output':
        location = this.jobOutput(reference.job, reference.output, reference.path, uri);
        break;
      case 'file':
        location = { kind: 'local', path: this.localPath(uri, reference.path, baseDir) };
        break;
      case 'remote':
        location = this.remote(uri);
        break;
      default:
        throw new DataError(`"${uri}" refers to an asset, not to data; expected a path or an azureml://datastores/… URI`);
    }
    if (location.kind === 'local' && options.mustExist !== false && !pathExists(location.path)) {
      throw new DataError(`"${uri}" does not exist (looked for ${location.path})`);
    }
    return location;
  }

  private record(name: string): DatastoreRecord {
    const registered = this.options.lookup(name);
    if (registered) return registered;
    if ((BUILTIN_DATASTORES as readonly string[]).includes(name)) {
      return { name, type: 'local', path: join(this.options.mlwDir, 'datastores', name) };
    }
    const known = [...new Set([...BUILTIN_DATASTORES, ...(this.options.names?.() ?? [])])].sort();
    throw new DataError(`unknown datastore "${name}"; known datastores: ${known.join(', ')}`);
  }

  /** Folder of the local copies of Blob data (`<mlwDir>/cache/blob/`). */
  get blobCache(): string {
    return join(this.options.mlwDir, 'cache', 'blob');
  }

  /** A datastore that is a Blob container mlw reaches itself, else undefined. */
  blobDatastore(name: string): BlobDatastore | undefined {
    return asBlobDatastore(this.record(name));
  }

  /**
   * `https://<account>.blob.<suffix>/<container>/<p>` and `wasbs://<container>@<account>.blob.<suffix>/<p>` are read with
   * the credentials of a registered datastore on the same container, else anonymously.
   */
  private remote(uri: string): ResolvedLocation {
    const m =
      /^(?:https?):\/\/([a-z0-9]+)\.blob\.([^/]+)\/([^/?#]+)\/?([^?#]*)$/i.exec(uri) ?? swapWasbs(/^wasbs?:\/\/([^@/]+)@([a-z0-9]+)\.blob\.([^/]+)\/?([^?#]*)$/i.exec(uri));
    if (!m) return { kind: 'remote', uri };
    const [, account, suffix, container, rest] = m as unknown as [string, string, string, string, string];
    const registered = (this.options.names?.() ?? [])
      .map((name) => this.options.lookup(name))
      .map((record) => (record ? asBlobDatastore(record) : undefined))
      .find((store) => store?.account_name === account && store.container_name === container);
    const datastore: BlobDatastore = registered ?? { name: `${account}/${container}`, account_name: account, container_name: container, endpoint: suffix };
    return { kind: 'remote', uri, blob: { datastore, path: safeDecode(rest).replace(/^\/+/, '') } };
  }

  private inDatastore(name: string, relativePath: string, uri: string): ResolvedLocation {
    const record = this.record(name);
    const blob = asBlobDatastore(record);
    if (blob) {
      const decoded = safeDecode(relativePath).replace(/^\/+/, '');
      if (decoded.split('/').includes('..')) throw new DataError(`"${uri}" points outside datastore "${name}" (paths may not climb above its root with "..")`);
      return { kind: 'remote', uri, blob: { datastore: blob, path: decoded } };
    }
    if (record.type !== 'local') return { kind: 'remote', uri };
    const root = this.root(name);
    const decoded = safeDecode(relativePath).replace(/^\/+/, '');
    const path = resolvePath(root, decoded);
    if (!isInside(root, path)) throw new DataError(`"${uri}" points outside datastore "${name}" (paths may not climb above its root with "..")`);
    return { kind: 'local', path, datastore: name, root, relative: relativeTo(root, path).split(sep).join('/') };
  }

  private jobOutput(job: string, output: string, subPath: string, uri: string): ResolvedLocation {
    if (!this.options.jobOutput) throw new DataError(`"${uri}": azureml://jobs/… references are not supported yet; use the output's azureml://datastores/… URI`);
    const stored = this.options.jobOutput(job, output);
    if (!stored) throw new DataError(`"${uri}": job "${job}" has no output "${output}"`);
    const base = parseReference(stored);
    if (base?.form !== 'datastore-path') return { kind: 'remote', uri: joinUri(stored, subPath) };
    return this.inDatastore(base.datastore, joinUri(base.path, subPath), uri);
  }

  private localPath(uri: string, path: string, baseDir: string): string {
    let local = path;
    if (uri.startsWith('file://')) {
      try {
        local = fileURLToPath(uri);
      } catch (error) {
        throw new DataError(`"${uri}" is not a valid file URI: ${(error as Error).message}`);
      }
    }
    if (isAbsolute(local)) return resolvePath(local);
    const resolved = resolvePath(baseDir, local);
    const workspace = resolvePath(this.options.workspaceRoot);
    // A spec outside the workspace may still reach below its own folder.
    const boundary = isInside(workspace, resolvePath(baseDir)) ? workspace : resolvePath(baseDir);
    if (!isInside(boundary, resolved)) {
      throw new DataError(`"${uri}" points outside the ${boundary === workspace ? 'workspace' : "spec's folder"} (${boundary}); use an absolute path or a datastore`);
    }
    return resolved;
  }
}

function pathExists(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false }) !== undefined;
}

/** `wasbs://<container>@<account>…/<p>` in the order of an https URL's groups: account, suffix, container, path. */
function swapWasbs(m: RegExpExecArray | null): string[] | null {
  return m ? [m[0], m[2]!, m[3]!, m[1]!, m[4]!] : null;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function joinUri(base: string, subPath: string): string {
  if (!subPath) return base;
  return `${base.replace(/\/+$/, '')}/${subPath.replace(/^\/+/, '')}`;
}
