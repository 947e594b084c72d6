import crypto from 'node:crypto';
import path from 'node:path';
import { regularFilesInside } from '../data/contained-fs';
import type { DatastoreResolver } from '../data/datastores';
import { isInside } from '../data/fs-util';
import { assetKindOfType } from '../data/staging';
import { NotFound } from '../errors';
import type { AssetRepository } from '../store/assets';
import type { JobRepository, JobRow, OutputRow } from '../store/jobs';
import type { JobOutputInfo } from '../vocabulary';
import type { NamedOutput } from './job-runner';

/** How many of an output's files a job's detail lists (it counts them all). */
const LISTED_FILES = 1000;

export interface JobOutputsContext {
  jobs: JobRepository;
  assets: AssetRepository;
  datastores: DatastoreResolver;
  /** The workspace folder (relative output URIs resolve against it). */
  root: string;
  /** Called after an output was registered as an asset. */
  assetsChanged: () => void;
}

/** A job's outputs: where their files are on this host, and their registration as assets. */
export class JobOutputs {
  constructor(private readonly ctx: JobOutputsContext) {}

  /** The job's outputs with their files, as its detail shows them. */
  listed(job: JobRow): JobOutputInfo[] {
    return this.ctx.jobs.outputs(job.name).map((o) => {
      const location = this.locationOf(job, o);
      const files = regularFilesInside(location.root, location.relative, Number.POSITIVE_INFINITY);
      return { name: o.name, type: o.type, mode: o.mode, uri: o.uri, files: files.slice(0, LISTED_FILES), fileCount: files.length };
    });
  }

  /** Host folder of a job output (for downloads), as a path below the folder it is read within. */
  folder(job: JobRow, output: string): { root: string; relative: string } {
    const row = this.ctx.jobs.outputs(job.name).find((o) => o.name === output);
    if (!row) throw new NotFound(`job ${job.name} has no output ${output}`);
    return this.locationOf(job, row);
  }

  /** Registers an output the job named (`name:` of the output) as an asset; answers what the run's log says of it. */
  register(output: NamedOutput): string {
    const kind = assetKindOfType(output.type);
    const version = output.version ?? this.ctx.assets.nextVersion(kind, output.assetName);
    const spec = { name: output.assetName, version, type: output.type, path: output.uri, description: `output ${output.output} of job ${output.job}` };
    const contentHash = crypto.createHash('sha256').update(JSON.stringify(spec)).digest('hex');
    this.ctx.assets.register({ kind, name: output.assetName, version, spec, contentHash, job: output.job });
    this.ctx.assetsChanged();
    return `${output.output} registered as ${kind} ${output.assetName}:${version}`;
  }

  /**
   * An output folder below a folder no job can replace as a whole: the run's folder (`upload`) or the datastore's
   * root. A link a job left in place of the output folder itself is then not followed either.
   */
  private locationOf(job: JobRow, row: OutputRow): { root: string; relative: string } {
    let datastoreRoot: string | undefined;
    try {
      const location = this.ctx.datastores.resolve(row.uri, this.ctx.root, { mustExist: false });
      if (location.kind === 'local') datastoreRoot = location.root;
    } catch {
      // a datastore removed since: the output folder itself is the root
    }
    const root = [job.run_dir, datastoreRoot].find((candidate) => candidate !== undefined && isInside(candidate, row.host_path)) ?? row.host_path;
    return { root, relative: path.relative(root, row.host_path) };
  }
}
