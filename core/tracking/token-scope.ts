import { isTerminal } from '../vocabulary';
import type { JobRepository, JobRow } from '../store/jobs';
import type { Store } from '../store/database';
import { parseReference } from '../language/refs';
import { proxiedPath } from './artifacts';
import { forbidden } from './errors';
import { PARENT_RUN_TAG, type RunRepository, type RunRow } from './runs';

/** How deep a run token's authority reaches into nested runs (autolog's child runs). */
const MAX_NESTING = 8;

interface VersionRow {
  version: number;
  run_id: string;
  source: string;
}

/** A model a job was given as an input: every version when referenced by label, else the pinned one. */
interface GivenModel {
  name: string;
  version?: string;
}

/** The models a job's spec names: its model inputs, and the asset names of its model outputs. */
interface JobModels {
  given: GivenModel[];
  outputs: string[];
}

/**
 * What a job's run token (`root` = the job's run) may touch. It writes to its run and the runs nested under it
 * while the job has not ended; it reads those runs, their experiment, the models it was given as inputs and the
 * model versions its runs registered. It adds versions only to the registered models its runs created or its job
 * declares as outputs.
 */
export class TokenScope {
  private readonly ended = new Set<string>();
  private readonly models = new Map<string, JobModels>();
  private readonly jobNames = new Map<string, string | null>();

  constructor(private readonly store: Store, private readonly runs: RunRepository, private readonly jobs: Pick<JobRepository, 'get'>) {}

  /** A run token stops writing when its job ends: the job's status, not the run's, is the authority. */
  requireLive(root: string): void {
    if (this.ended.has(root)) throw this.endedError(root);
    const job = this.jobOf(root);
    if (job && !isTerminal(job.status)) return;
    this.ended.add(root);
    throw this.endedError(root, job);
  }

  /** Whether a run (its row, or its id) is `root` or nested under it. */
  isWithin(run: RunRow | string, root: string): boolean {
    for (const current of this.lineage(typeof run === 'string' ? this.runs.find(run) : run)) if (current.run_uuid === root) return true;
    return false;
  }

  /** A run and its parents, innermost first, at most `MAX_NESTING` of them. */
  *lineage(run: RunRow | undefined): Generator<RunRow> {
    let current = run;
    for (let depth = 0; current && depth < MAX_NESTING; depth++) {
      yield current;
      const parent = this.runs.tag(current, PARENT_RUN_TAG);
      current = parent ? this.runs.find(parent) : undefined;
    }
  }

  /** The experiment of the job's run: the only one its token reads. */
  experimentOf(root: string): number | undefined {
    return this.runs.find(root)?.experiment_id;
  }

  canReadModel(root: string, name: string): boolean {
    if (this.givenModels(root).some((model) => model.name === name)) return true;
    return this.versionRows(name).some((row) => this.isWithin(row.run_id, root));
  }

  canReadVersion(root: string, name: string, version: string): boolean {
    if (this.givenModels(root).some((model) => model.name === name && (model.version === undefined || model.version === version))) return true;
    const row = this.versionRows(name).find((candidate) => String(candidate.version) === version);
    return row !== undefined && this.isWithin(row.run_id, root);
  }

  /** A registered model created by one of its runs (`creatorRun`), or named by one of its job's model outputs. */
  canAddVersion(root: string, name: string, creatorRun: string | undefined): boolean {
    if (creatorRun && this.isWithin(creatorRun, root)) return true;
    return this.jobModels(root).outputs.includes(name);
  }

  /** Its runs, and the runs that logged the model versions it was given (a `runs:/` source resolves through them). */
  canReadRun(root: string, runId: string): boolean {
    return this.isWithin(runId, root) || this.givenVersions(root).some((row) => row.run_id === runId || runOfSource(row.source) === runId);
  }

  /**
   * The folder an artifact path (`<experiment>/<run>/artifacts/…`) is read within: the artifacts of one of its runs, or
   * the files of a model version it was given; undefined when it may not read the path. Links are followed only inside
   * that folder, so a link in its run's artifacts cannot lead into another run's.
   */
  artifactFolder(root: string, relative: string): string | undefined {
    const run = this.runs.find(relative.split('/')[1] ?? '');
    const runFolder = run ? proxiedPath(run.artifact_uri) : undefined;
    if (run && runFolder && isUnder(relative, runFolder) && this.isWithin(run, root)) return runFolder;
    for (const row of this.givenVersions(root)) {
      const location = this.artifactsOf(row.source);
      if (location !== undefined && isUnder(relative, location)) return location;
    }
    return undefined;
  }

  /** Where a version's files are in the artifact store, for `runs:/…` and `mlflow-artifacts:…` sources. */
  private artifactsOf(source: string): string | undefined {
    const runId = runOfSource(source);
    const run = runId ? this.runs.find(runId) : undefined;
    const uri = run ? `${run.artifact_uri}/${source.slice(`runs:/${runId}/`.length)}`.replace(/\/+$/, '') : source;
    return uri.startsWith('mlflow-artifacts:') ? proxiedPath(uri) : undefined;
  }

  private givenVersions(root: string): VersionRow[] {
    return this.givenModels(root).flatMap((model) => this.versionRows(model.name).filter((row) => model.version === undefined || String(row.version) === model.version));
  }

  private endedError(root: string, job = this.jobOf(root)): Error {
    const jobName = this.jobNameOf(root);
    const status = job?.status;
    return forbidden(`the job ${jobName ?? root} has ended${status ? ` (${status})` : ''}; its run token can no longer write`);
  }

  /** The job whose run is `root`. */
  private jobOf(root: string): JobRow | undefined {
    const jobName = this.jobNameOf(root);
    return jobName ? this.jobs.get(jobName) : undefined;
  }

  /** The job a run was created for: set when the run is inserted and never changed, so read once per run. */
  private jobNameOf(root: string): string | null | undefined {
    const cached = this.jobNames.get(root);
    if (cached !== undefined) return cached;
    const run = this.runs.find(root);
    if (run) this.jobNames.set(root, run.job_name);
    return run?.job_name;
  }

  private versionRows(name: string): VersionRow[] {
    return this.store.all<VersionRow>('SELECT version, run_id, source FROM mlflow_model_versions WHERE name = ? AND deleted = 0', [name]);
  }

  /** The models among the job's inputs (`azureml:<name>:<version>`, `azureml:<name>@<label>`). */
  private givenModels(root: string): GivenModel[] {
    return this.jobModels(root).given;
  }

  /** A job's spec never changes, so what it names is read once. */
  private jobModels(root: string): JobModels {
    let models = this.models.get(root);
    if (models) return models;
    const job = this.jobOf(root);
    models = job ? modelsOf(job.spec) : { given: [], outputs: [] };
    this.models.set(root, models);
    return models;
  }
}

function modelsOf(specJson: string): JobModels {
  let spec: unknown;
  try {
    spec = JSON.parse(specJson);
  } catch {
    return { given: [], outputs: [] };
  }
  const { inputs, outputs } = (spec ?? {}) as { inputs?: unknown; outputs?: unknown };
  return { given: modelInputsOf(inputs), outputs: modelOutputNamesOf(outputs) };
}

/** The asset names a job's model outputs register as (`outputs.<output>.name` of a `*_model` output). */
function modelOutputNamesOf(outputs: unknown): string[] {
  if (!outputs || typeof outputs !== 'object') return [];
  return Object.values(outputs as Record<string, unknown>).flatMap((output) => {
    const { type, name } = (output ?? {}) as { type?: unknown; name?: unknown };
    return typeof type === 'string' && type.endsWith('_model') && typeof name === 'string' && name ? [name] : [];
  });
}

function modelInputsOf(inputs: unknown): GivenModel[] {
  if (!inputs || typeof inputs !== 'object') return [];
  const models: GivenModel[] = [];
  for (const input of Object.values(inputs as Record<string, unknown>)) {
    const { type, path } = (input ?? {}) as { type?: unknown; path?: unknown };
    if (typeof path !== 'string' || typeof type !== 'string' || !type.endsWith('_model')) continue;
    const reference = parseReference(path);
    if ((reference?.form === 'asset' || reference?.form === 'arm') && (reference.asset === undefined || reference.asset === 'model')) {
      models.push({ name: reference.name, ...(reference.version !== undefined ? { version: reference.version } : {}) });
    }
  }
  return models;
}

function runOfSource(source: string): string | undefined {
  return /^runs:\/([^/]+)/.exec(source)?.[1];
}

function isUnder(relative: string, root: string): boolean {
  return relative === root || relative.startsWith(root + '/');
}
