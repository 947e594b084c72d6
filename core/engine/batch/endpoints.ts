import path from 'node:path';
import type { BatchDeploymentCreated, BatchDeploymentDetail, BatchDeploymentRequest, BatchEndpointCreated, BatchEndpointDetail, BatchInvokeRequest, BatchUpdateRequest } from '../../api/batch-contracts';
import type { SpecRequest } from '../../api/contracts';
import { BadRequest, Conflict, NotFound, SpecRejected } from '../../errors';
import { EXPERIMENT_NAME, JOB_NAME, nameProblem, SpecDocument, yaml, type IndexedAsset, type NameRule } from '../../language';
import { BatchEndpointRepository, type BatchDeploymentRow, type BatchEndpointRow } from '../../store/batch-endpoints';
import type { Store } from '../../store/database';
import { isoTime, JobRepository, toJobSummary } from '../../store/jobs';
import type { JobSummary } from '../../vocabulary';
import type { PreparedJob, SubmitContext } from '../kinds/kind';
import { hasStoredSpecEdits, loadEditedSpec, refuseStoredEditsWithFile } from '../spec-edits';
import { refuseInvalidName, type LoadedSpec, type SpecLoader } from '../spec-loader';
import type { ComponentLoader } from '../kinds/pipeline';
import { modelInvocation, readInvocation, type Invocation } from './invocation-io';
import { invocationOverrides } from './invoke-overrides';
import { loadPipelineComponent, pipelineInvocation, type PipelineDeploymentSpec } from './pipeline-deployment';
import { batchDriverFile, isNoCode, mlflowScorerFile, noCodeProblem, prepareScoringJob, type BatchDeploymentSpec, type ScoringContext } from './scoring-plan';

/** What an invocation's job is called and grouped under. */
interface PlannedJob {
  experiment: string;
  displayName: string;
  specPath: string;
  name?: string;
}

export interface BatchEndpointsContext {
  store: Store;
  loader: SpecLoader;
  submit: SubmitContext;
  mlwDir: string;
  /** Records a generated job and starts it: a command job is queued, a pipeline job runs its steps. */
  submitPlan: (job: { type: 'command' | 'pipeline'; experiment: string; displayName: string; specPath: string; prepared: PreparedJob; name?: string }) => Promise<JobSummary>;
  /** What a pipeline component deployment needs: its component, and the pipeline kind's preparation. */
  pipelines: { load: ComponentLoader; prepare: (spec: LoadedSpec) => Promise<PreparedJob> };
  /** A local image with mlflow and pandas for MLflow models without a scoring script (`MLW_MLFLOW_SERVING_IMAGE`). */
  mlflowImage?: string;
}

/** Batch endpoints and deployments: their records, and invocations that score an input as a job. */
export class BatchEndpoints {
  private readonly repository: BatchEndpointRepository;

  constructor(private readonly ctx: BatchEndpointsContext) {
    this.repository = new BatchEndpointRepository(ctx.store);
  }

  createEndpoint(request: SpecRequest): BatchEndpointCreated {
    return this.saveEndpoint(this.load(request, 'endpoint/batch', 'batch endpoint'));
  }

  /** `update`: a changed spec file or `--set` overrides of the stored spec; the name stays, a new default must exist. */
  updateEndpoint(name: string, request: BatchUpdateRequest): BatchEndpointCreated {
    const row = this.requireEndpoint(name);
    const spec = this.specForUpdate(request, row.source_path ?? path.join(this.ctx.loader.root, `${name}.yml`), row.spec, 'endpoint/batch', 'batch endpoint');
    const value = spec.value as { name: string; defaults?: { deployment_name?: string } };
    if (value.name !== name) throw new BadRequest(`name is immutable: the spec names batch endpoint ${value.name}, not ${name}`);
    const next = value.defaults?.deployment_name;
    if (next && !this.repository.deployment(name, next)) throw new BadRequest(`defaults.deployment_name: batch endpoint ${name} has no deployment named ${next}`);
    return this.saveEndpoint(spec);
  }

  private saveEndpoint(spec: LoadedSpec): BatchEndpointCreated {
    const value = spec.value as { name: string; defaults?: { deployment_name?: string } };
    refuseInvalidName(spec, value.name, this.relative(spec.path));
    const created = this.ctx.store.transaction(() => this.repository.saveEndpoint({ name: value.name, spec: value, sourcePath: spec.path, ...(value.defaults?.deployment_name ? { defaultDeployment: value.defaults.deployment_name } : {}) }));
    this.ctx.loader.assetsChanged();
    return { endpoint: this.endpoint(value.name), created, warnings: spec.warnings };
  }

  /** The endpoints as references resolve them (`endpoint_name: <name>`), whatever file they were created from. */
  indexed(): IndexedAsset[] {
    return this.repository.endpoints().map((row) => ({ asset: 'endpoint', kind: 'endpoint/batch', name: row.name, path: '', start: 0, end: 0, origin: 'registered' }));
  }

  endpoints(): BatchEndpointDetail[] {
    return this.repository.endpoints().map((row) => this.endpointDetail(row));
  }

  endpoint(name: string): BatchEndpointDetail {
    return this.endpointDetail(this.requireEndpoint(name));
  }

  /** Deletes the endpoint and its deployments; jobs it started stay. */
  deleteEndpoint(name: string): { deleted: string; deployments: number } {
    this.requireEndpoint(name);
    const deployments = this.repository.deployments(name).length;
    this.repository.deleteEndpoint(name);
    this.ctx.loader.assetsChanged();
    return { deleted: name, deployments };
  }

  async createDeployment(request: BatchDeploymentRequest): Promise<BatchDeploymentCreated> {
    const spec = this.load(request, 'deployment/batch', 'batch deployment');
    const endpointName = request.endpointName ?? (spec.value as BatchDeploymentSpec).endpoint_name;
    if (!endpointName) throw new BadRequest(`${this.relative(spec.path)}: which endpoint? give endpoint_name in the spec or --endpoint-name`);
    this.requireEndpoint(endpointName);
    return this.saveDeployment(spec, endpointName, request.setDefault === true);
  }

  /** `update`: a changed spec file or `--set` overrides of the stored spec, checked as on create; name, endpoint and type stay. */
  async updateDeployment(endpoint: string, name: string, request: BatchUpdateRequest): Promise<BatchDeploymentCreated> {
    this.requireEndpoint(endpoint);
    const row = this.requireDeployment(endpoint, name);
    const spec = this.specForUpdate(request, row.source_path, row.spec, 'deployment/batch', 'batch deployment');
    const before = JSON.parse(row.spec) as BatchDeploymentSpec;
    const after = spec.value as BatchDeploymentSpec;
    if (after.name !== name) throw new BadRequest(`name is immutable: the spec names batch deployment ${String(after.name)}, not ${name}`);
    if (after.endpoint_name !== undefined && after.endpoint_name !== endpoint) throw new BadRequest(`endpoint_name is immutable: deployment ${name} belongs to batch endpoint ${endpoint}, not ${after.endpoint_name}`);
    if ((after.type ?? 'model') !== (before.type ?? 'model')) throw new BadRequest(`type is immutable: deployment ${name} is a ${before.type ?? 'model'} deployment; create a new deployment for a ${after.type ?? 'model'} one`);
    return this.saveDeployment(spec, endpoint, false);
  }

  /** Checks a deployment's references (as Azure ML does when it creates one), snapshots its scoring code and saves it. */
  private async saveDeployment(spec: LoadedSpec, endpointName: string, setDefault: boolean): Promise<BatchDeploymentCreated> {
    const value = spec.value as BatchDeploymentSpec & { name: string };
    const relative = this.relative(spec.path);
    refuseInvalidName(spec, value.name, relative);
    const doc = () => SpecDocument.parse(spec.path, spec.text);
    const specDir = path.dirname(spec.path);
    if (value.type === 'pipeline') {
      try {
        loadPipelineComponent(spec.value as unknown as PipelineDeploymentSpec, specDir, this.ctx.pipelines.load);
      } catch (error) {
        if (error instanceof SpecRejected && error.findings.length === 0) throw rejectedAt(doc(), relative, ['component'], 'invalid-value', error.message.replace(/^component: /, ''));
        throw error;
      }
      return this.save(setDefault, spec, endpointName);
    }
    const problem = value.code_configuration?.scoring_script ? undefined : noCodeProblem(value, this.scoringContext());
    if (problem) throw rejectedAt(doc(), relative, [problem.field], problem.rule, problem.message);
    await this.ctx.loader.locatingDataErrors({ path: spec.path, text: spec.text }, () => prepareScoringJob(value, specDir, this.scoringContext()));
    if (isNoCode(value)) return this.save(setDefault, spec, endpointName);
    return this.save(setDefault, spec, endpointName, await this.ctx.submit.snapshot(path.resolve(specDir, value.code_configuration?.code ?? '.')));
  }

  private save(setDefault: boolean, spec: LoadedSpec, endpoint: string, snapshotHash?: string): BatchDeploymentCreated {
    const name = String(spec.value.name);
    const created = this.ctx.store.transaction(() => {
      const isNew = this.repository.saveDeployment({ endpoint, name, spec: spec.value, sourcePath: spec.path, ...(snapshotHash ? { snapshotHash } : {}) });
      if (setDefault) this.repository.setDefault(endpoint, name);
      return isNew;
    });
    return { deployment: this.deployment(endpoint, name), created, warnings: spec.warnings };
  }

  deployments(endpoint: string): BatchDeploymentDetail[] {
    const row = this.requireEndpoint(endpoint);
    return this.repository.deployments(endpoint).map((d) => deploymentDetail(d, row));
  }

  deployment(endpoint: string, name: string): BatchDeploymentDetail {
    return deploymentDetail(this.requireDeployment(endpoint, name), this.requireEndpoint(endpoint));
  }

  deleteDeployment(endpoint: string, name: string): { deleted: string } {
    const row = this.requireEndpoint(endpoint);
    this.requireDeployment(endpoint, name);
    if (row.default_deployment === name && this.repository.deployments(endpoint).length > 1) {
      throw new Conflict(`${name} is the default deployment of ${endpoint}; make another one the default first (mlw batch-deployment create … --set-default)`);
    }
    this.ctx.store.transaction(() => {
      this.repository.deleteDeployment(endpoint, name);
      if (row.default_deployment === name) this.repository.setDefault(endpoint, null);
    });
    return { deleted: name };
  }

  /** Scores the invocation's inputs with the named deployment, or the endpoint's default one, as a job. */
  async invoke(endpoint: string, request: BatchInvokeRequest): Promise<JobSummary> {
    const row = this.requireEndpoint(endpoint);
    const name = request.deployment ?? row.default_deployment ?? undefined;
    if (!name) throw new BadRequest(`batch endpoint ${endpoint} has no default deployment; give --deployment-name or create one with --set-default`);
    const deployment = this.requireDeployment(endpoint, name);
    const invocation = readInvocation(request);
    const experiment = request.experimentName ?? endpoint;
    refuseBadName('--experiment-name', EXPERIMENT_NAME, request.experimentName);
    refuseBadName('--job-name', JOB_NAME, request.jobName);
    const reload = (text: string, set: string[]) => this.load({ path: deployment.source_path, text, set }, 'deployment/batch', 'batch deployment').value;
    const { spec, outputPath } = invocationOverrides(request, { name, spec: JSON.parse(deployment.spec) as BatchDeploymentSpec }, reload);
    const specDir = path.dirname(deployment.source_path);
    const job = { experiment, displayName: `${endpoint}/${name}`, specPath: deployment.source_path, ...(request.jobName !== undefined ? { name: request.jobName } : {}) };
    const started = spec.type === 'pipeline'
      ? await this.startPipeline(spec as unknown as PipelineDeploymentSpec, specDir, job, invocation)
      : await this.startScoring(spec, deployment, job, invocation, outputPath);
    this.repository.recordInvocation(started.name, endpoint, name);
    return started;
  }

  private async startPipeline(spec: PipelineDeploymentSpec, specDir: string, job: PlannedJob, invocation: Invocation): Promise<JobSummary> {
    const planned = pipelineInvocation(spec, loadPipelineComponent(spec, specDir, this.ctx.pipelines.load), job, invocation);
    return this.ctx.submitPlan({ ...job, type: 'pipeline', prepared: await this.ctx.pipelines.prepare(planned) });
  }

  /** A model deployment's run: the scoring job, its one input and output named as the request gave them in errors. */
  private async startScoring(spec: BatchDeploymentSpec, deployment: BatchDeploymentRow, job: PlannedJob, invocation: Invocation, outputPath: string | undefined): Promise<JobSummary> {
    const scored = modelInvocation(invocation);
    if (scored.outputPath !== undefined && outputPath !== undefined) throw new BadRequest('--output-path and outputs both place the score output: give one');
    const inputName = invocation.input ? '--input' : `inputs.${Object.keys(invocation.inputs)[0]}`;
    const outputName = outputPath !== undefined ? '--output-path' : `outputs.${Object.keys(invocation.outputs)[0]}`;
    const prepared = await prepareScoringJob(spec, path.dirname(deployment.source_path), this.scoringContext(), scored.input, outputPath ?? scored.outputPath).catch((error: unknown) => {
      if (!(error instanceof Error)) throw error;
      if (/^inputs\.input_data: /.test(error.message)) throw new BadRequest(`${inputName}: ${error.message.replace(/^inputs\.input_data: /, '')}`);
      if (/^outputs\.score: /.test(error.message)) throw new BadRequest(`${outputName}: ${error.message.replace(/^outputs\.score: /, '')}`);
      throw error;
    });
    return this.ctx.submitPlan({ ...job, type: 'command', prepared: { ...prepared, ...(deployment.snapshot_hash ? { snapshotHash: deployment.snapshot_hash } : {}) } });
  }

  /** `list-jobs`: the jobs the endpoint's invocations (of one deployment, when given) started, newest first. */
  jobs(endpoint: string, deployment?: string): JobSummary[] {
    this.requireEndpoint(endpoint);
    if (deployment !== undefined) this.requireDeployment(endpoint, deployment);
    const jobs = new JobRepository(this.ctx.store);
    return this.repository.invocations(endpoint, deployment).flatMap((name) => {
      const row = jobs.get(name);
      return row ? [toJobSummary(row)] : [];
    });
  }

  private scoringContext(): ScoringContext {
    const mlwDir = this.ctx.mlwDir;
    return { ...this.ctx.submit, driverFile: batchDriverFile(mlwDir), mlflowScorerFile: () => mlflowScorerFile(mlwDir), ...(this.ctx.mlflowImage ? { mlflowImage: this.ctx.mlflowImage } : {}) };
  }

  /** The spec an update gives: its file (with `set`), or the stored spec with `remove`, `set` and `add` applied, validated as on create. */
  private specForUpdate(request: BatchUpdateRequest, sourcePath: string, stored: string, kind: 'endpoint/batch' | 'deployment/batch', what: string): LoadedSpec {
    if (request.path !== undefined) {
      refuseStoredEditsWithFile(request);
      return this.load({ path: request.path, ...(request.text !== undefined ? { text: request.text } : {}), set: request.set ?? [] }, kind, what);
    }
    if (!hasStoredSpecEdits(request)) throw new BadRequest('nothing to update: give --file, --set, --add or --remove');
    return loadEditedSpec(JSON.parse(stored) as Record<string, unknown>, request, (text) => this.load({ path: sourcePath, text }, kind, what));
  }

  private load(request: SpecRequest, kind: 'endpoint/batch' | 'deployment/batch', what: string): LoadedSpec {
    const spec = this.ctx.loader.load(request.path, request.text, request.set);
    if (spec.kind !== kind) throw new SpecRejected(`${this.relative(spec.path)} is not a ${what} spec`);
    return spec;
  }

  private requireEndpoint(name: string): BatchEndpointRow {
    const row = this.repository.endpoint(name);
    if (!row) throw new NotFound(`no batch endpoint named ${name}; create it with \`mlw batch-endpoint create -f <file>\``);
    return row;
  }

  private requireDeployment(endpoint: string, name: string): BatchDeploymentRow {
    const row = this.repository.deployment(endpoint, name);
    if (!row) throw new NotFound(`batch endpoint ${endpoint} has no deployment named ${name}`);
    return row;
  }

  private endpointDetail(row: BatchEndpointRow): BatchEndpointDetail {
    const spec = JSON.parse(row.spec) as Record<string, unknown>;
    return {
      name: row.name,
      ...(typeof spec.description === 'string' ? { description: spec.description } : {}),
      ...(row.default_deployment ? { defaultDeployment: row.default_deployment } : {}),
      deployments: this.repository.deployments(row.name).map((d) => d.name),
      spec,
      ...(row.source_path ? { sourcePath: row.source_path } : {}),
      createdAt: isoTime(row.created_at)!,
      updatedAt: isoTime(row.updated_at)!,
    };
  }

  private relative(file: string): string {
    return path.relative(this.ctx.loader.root, file);
  }
}

function deploymentDetail(row: BatchDeploymentRow, endpoint: BatchEndpointRow): BatchDeploymentDetail {
  return {
    endpoint: row.endpoint,
    name: row.name,
    isDefault: endpoint.default_deployment === row.name,
    spec: JSON.parse(row.spec) as Record<string, unknown>,
    sourcePath: row.source_path,
    ...(row.snapshot_hash ? { snapshot: row.snapshot_hash } : {}),
    createdAt: isoTime(row.created_at)!,
    updatedAt: isoTime(row.updated_at)!,
  };
}

function refuseBadName(flag: string, rule: NameRule, name: string | undefined): void {
  const problem = name === undefined ? undefined : nameProblem(rule, name);
  if (problem) throw new BadRequest(`${flag}: ${problem}`);
}

function rejectedAt(doc: SpecDocument, relative: string, field: string[], rule: string, message: string): SpecRejected {
  const found = yaml.locate(doc.root, field);
  const at = doc.position(found.node?.start ?? found.pair?.key?.start ?? 0);
  return new SpecRejected(`${relative}: ${message}`, [{ file: relative, line: at.line + 1, column: at.character + 1, severity: 'error', rule, message }]);
}
