import fs from 'node:fs';
import path from 'node:path';
import type { BatchDeploymentCreated, BatchDeploymentDetail, BatchDeploymentRequest, BatchEndpointCreated, BatchEndpointDetail, BatchInvokeRequest } from '../../api/batch-contracts';
import type { SpecRequest } from '../../api/contracts';
import { BadRequest, Conflict, NotFound, SpecRejected } from '../../errors';
import { parseReference, SpecDocument, yaml, type IndexedAsset } from '../../language';
import { BatchEndpointRepository, type BatchDeploymentRow, type BatchEndpointRow } from '../../store/batch-endpoints';
import type { Store } from '../../store/database';
import { isoTime } from '../../store/jobs';
import type { JobSummary } from '../../vocabulary';
import type { PreparedJob, SubmitContext } from '../kinds/kind';
import { refuseInvalidName, type LoadedSpec, type SpecLoader } from '../spec-loader';
import type { ComponentLoader } from '../kinds/pipeline';
import { invocationOverrides } from './invoke-overrides';
import { loadPipelineComponent, pipelineInvocation, type PipelineDeploymentSpec } from './pipeline-deployment';
import { batchDriverFile, isNoCode, mlflowScorerFile, noCodeProblem, prepareScoringJob, type BatchDeploymentSpec, type ScoringContext } from './scoring-plan';

export interface BatchEndpointsContext {
  store: Store;
  loader: SpecLoader;
  submit: SubmitContext;
  mlwDir: string;
  /** Records a generated job and starts it: a command job is queued, a pipeline job runs its steps. */
  submitPlan: (job: { type: 'command' | 'pipeline'; experiment: string; displayName: string; specPath: string; prepared: PreparedJob }) => Promise<JobSummary>;
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
    const spec = this.load(request, 'endpoint/batch', 'batch endpoint');
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
    const value = spec.value as BatchDeploymentSpec & { name: string };
    const relative = this.relative(spec.path);
    refuseInvalidName(spec, value.name, relative);
    const doc = () => SpecDocument.parse(spec.path, spec.text);
    const endpointName = request.endpointName ?? value.endpoint_name;
    if (!endpointName) throw new BadRequest(`${relative}: which endpoint? give endpoint_name in the spec or --endpoint-name`);
    this.requireEndpoint(endpointName);
    const specDir = path.dirname(spec.path);
    if (value.type === 'pipeline') {
      try {
        loadPipelineComponent(spec.value as unknown as PipelineDeploymentSpec, specDir, this.ctx.pipelines.load);
      } catch (error) {
        if (error instanceof SpecRejected && error.findings.length === 0) throw rejectedAt(doc(), relative, ['component'], 'invalid-value', error.message.replace(/^component: /, ''));
        throw error;
      }
      return this.save(request, spec, endpointName);
    }
    const problem = value.code_configuration?.scoring_script ? undefined : noCodeProblem(value, this.scoringContext());
    if (problem) throw rejectedAt(doc(), relative, [problem.field], problem.rule, problem.message);
    // The references are checked and the scoring code snapshotted now, as Azure ML does when it creates a deployment.
    await this.ctx.loader.locatingDataErrors(request, () => prepareScoringJob(value, specDir, this.scoringContext()));
    if (isNoCode(value)) return this.save(request, spec, endpointName);
    return this.save(request, spec, endpointName, await this.ctx.submit.snapshot(path.resolve(specDir, value.code_configuration?.code ?? '.')));
  }

  private save(request: BatchDeploymentRequest, spec: LoadedSpec, endpoint: string, snapshotHash?: string): BatchDeploymentCreated {
    const name = String(spec.value.name);
    const created = this.ctx.store.transaction(() => {
      const isNew = this.repository.saveDeployment({ endpoint, name, spec: spec.value, sourcePath: spec.path, ...(snapshotHash ? { snapshotHash } : {}) });
      if (request.setDefault) this.repository.setDefault(endpoint, name);
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

  /** Scores `input` with the named deployment, or the endpoint's default one, as a job. */
  async invoke(endpoint: string, request: BatchInvokeRequest): Promise<JobSummary> {
    const row = this.requireEndpoint(endpoint);
    const name = request.deployment ?? row.default_deployment ?? undefined;
    if (!name) throw new BadRequest(`batch endpoint ${endpoint} has no default deployment; give --deployment-name or create one with --set-default`);
    const deployment = this.requireDeployment(endpoint, name);
    checkInput(request.input, request.inputType);
    const reload = (text: string, set: string[]) => this.load({ path: deployment.source_path, text, set }, 'deployment/batch', 'batch deployment').value;
    const { spec, outputPath } = invocationOverrides(request, { name, spec: JSON.parse(deployment.spec) as BatchDeploymentSpec }, reload);
    const specDir = path.dirname(deployment.source_path);
    const input = { path: request.input, ...(request.inputType ? { type: request.inputType } : {}) };
    const job = { experiment: endpoint, displayName: `${endpoint}/${name}`, specPath: deployment.source_path };
    if (spec.type === 'pipeline') {
      const pipeline = spec as unknown as PipelineDeploymentSpec;
      const invocation = pipelineInvocation(pipeline, loadPipelineComponent(pipeline, specDir, this.ctx.pipelines.load), endpoint, input);
      return this.ctx.submitPlan({ ...job, type: 'pipeline', prepared: await this.ctx.pipelines.prepare(invocation) });
    }
    const prepared = await prepareScoringJob(spec, specDir, this.scoringContext(), input, outputPath).catch((error: unknown) => {
      if (!(error instanceof Error)) throw error;
      if (/^inputs\.input_data: /.test(error.message)) throw new BadRequest(`--input: ${error.message.replace(/^inputs\.input_data: /, '')}`);
      if (/^outputs\.score: /.test(error.message)) throw new BadRequest(`--output-path: ${error.message.replace(/^outputs\.score: /, '')}`);
      throw error;
    });
    return this.ctx.submitPlan({
      type: 'command',
      experiment: endpoint,
      displayName: `${endpoint}/${name}`,
      specPath: deployment.source_path,
      prepared: { ...prepared, ...(deployment.snapshot_hash ? { snapshotHash: deployment.snapshot_hash } : {}) },
    });
  }

  private scoringContext(): ScoringContext {
    const mlwDir = this.ctx.mlwDir;
    return { ...this.ctx.submit, driverFile: batchDriverFile(mlwDir), mlflowScorerFile: () => mlflowScorerFile(mlwDir), ...(this.ctx.mlflowImage ? { mlflowImage: this.ctx.mlflowImage } : {}) };
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

/** `az ml`'s input forms: a data asset, an `azureml://` URI, or a local file or folder (given as an absolute path). */
function checkInput(input: string, type: BatchInvokeRequest['inputType']): void {
  const form = parseReference(input)?.form;
  if (form === 'asset' || form === 'datastore-path' || form === 'job-output') return;
  if (form === 'file' && path.isAbsolute(input)) {
    const stat = fs.statSync(input, { throwIfNoEntry: false });
    if (!stat) throw new BadRequest(`--input: ${input} does not exist`);
    if (type === 'uri_file' && !stat.isFile()) throw new BadRequest(`--input: ${input} is a folder, not a file (--input-type uri_file)`);
    if (type === 'uri_folder' && !stat.isDirectory()) throw new BadRequest(`--input: ${input} is a file, not a folder (--input-type uri_folder)`);
    return;
  }
  throw new BadRequest(`--input: "${input}" is not a data asset (azureml:<name>:<version>, azureml:<name>@latest), an azureml://datastores/… URI or a local folder`);
}

function rejectedAt(doc: SpecDocument, relative: string, field: string[], rule: string, message: string): SpecRejected {
  const found = yaml.locate(doc.root, field);
  const at = doc.position(found.node?.start ?? found.pair?.key?.start ?? 0);
  return new SpecRejected(`${relative}: ${message}`, [{ file: relative, line: at.line + 1, column: at.character + 1, severity: 'error', rule, message }]);
}
