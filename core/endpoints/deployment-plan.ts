import fs from 'node:fs';
import path, { posix } from 'node:path';
import type { BlobLocation } from '../data/blob';
import { fetchPathToCache } from '../data/blob-transfer';
import type { DatastoreResolver } from '../data/datastores';
import { snapshotCode } from '../data/snapshot';
import type { AssetResolver } from '../engine/resolve';
import type { EnvironmentSource } from '../env/builder';
import { parseReference } from '../language';
import { SpecRejected, Unsupported } from '../errors';
import { MLFLOW_SCORING_FILE } from './scoring-host';

/** Where Azure ML puts models and code in a scoring container; scripts build paths from these. */
export const MODELS_ROOT = '/var/azureml-app/azureml-models';
export const APP_ROOT = '/var/azureml-app';

export interface ProbeSettings {
  initialDelayS: number;
  periodS: number;
  timeoutS: number;
  failureThreshold: number;
}

/** A deployment spec with every reference resolved, as its containers are made from it. */
export interface DeploymentPlan {
  environment: EnvironmentSource;
  model?: {
    /** As the spec gave it: `azureml:name:version` or the local path. */
    reference: string;
    hostPath: string;
    /** `AZUREML_MODEL_DIR`: the model's file or folder is below it under its own name. */
    modelDir: string;
    /** A model on a Blob datastore: `hostPath` is its copy in the Blob cache ('' until fetched), fetched again from `uri` when gone. */
    blob?: { uri: string; name: string };
  };
  /** `builtin`: mlw's MLflow scoring script (no-code deployments), bound as `mountDir/scoringScript`. */
  code: { hostDir: string; mountDir: string; scoringScript: string; builtin?: boolean };
  instanceCount: number;
  environmentVariables: Record<string, string>;
  request: { timeoutMs: number; maxConcurrent: number; maxQueueWaitMs: number };
  readiness: ProbeSettings;
  liveness: ProbeSettings;
}

export interface PlanContext {
  resolver: AssetResolver;
  datastores: DatastoreResolver;
  snapshots: string;
  /** Refuses a path outside the workspace folder. */
  insideWorkspace: (file: string) => string;
  /** A local image with mlflow installed, for no-code deployments of MLflow models (`MLW_MLFLOW_SERVING_IMAGE`). */
  mlflowImage?: string;
}

type PlannedModel = NonNullable<DeploymentPlan['model']>;
type ModelSource = Pick<PlannedModel, 'hostPath' | 'blob'>;
/** Where a model is: a local path, or a Blob path still to bring into the Blob cache. */
type ModelLocation = { hostPath: string } | { blob: BlobLocation; uri: string };
type ResolvedModel = Pick<PlannedModel, 'reference' | 'modelDir'> & { location: ModelLocation; type?: string };

/** A deployment without code and environment serves an MLflow model with mlw's MLflow scoring script. */
function checkNoCode(name: string, model: ResolvedModel, image: string | undefined): void {
  if (model.type !== 'mlflow_model') throw new SpecRejected(`deployment ${name}: without code_configuration and environment only MLflow models can be served; model ${model.reference} is ${model.type ?? 'custom_model'}: give code_configuration and environment`);
  if (!image) throw new Unsupported(`deployment ${name}: a no-code deployment of an MLflow model needs a local image with mlflow installed: start mlw serve with MLW_MLFLOW_SERVING_IMAGE=<image> (Azure ML's curated images are not fetched), or give code_configuration and environment`);
}

type Spec = Record<string, unknown>;

/** Azure ML's defaults for the request settings and probes of a managed online deployment. */
const REQUEST_DEFAULTS = { request_timeout_ms: 5000, max_concurrent_requests_per_instance: 1, max_queue_wait_ms: 500 };
const LIVENESS_DEFAULTS = { initial_delay: 10, period: 10, timeout: 2, failure_threshold: 30 };
const READINESS_DEFAULTS = { ...LIVENESS_DEFAULTS, failure_threshold: 3 };

/** Resolves a deployment spec; refuses, before anything starts, what could not be served. */
export async function planDeployment(spec: Spec, specDir: string, ctx: PlanContext): Promise<DeploymentPlan> {
  const name = String(spec.name);
  const codeConfiguration = spec.code_configuration as { code?: string; scoring_script?: string } | undefined;
  const noCode = !codeConfiguration && spec.environment === undefined && spec.model !== undefined;
  if (!noCode && !codeConfiguration?.scoring_script) throw new SpecRejected(`deployment ${name}: code_configuration.scoring_script is required (mlw serves the scoring script's init() and run())`);
  if (!noCode && spec.environment === undefined) throw new SpecRejected(`deployment ${name}: environment is required (the scoring script runs in its image)`);
  const model = spec.model !== undefined ? resolveModel(spec.model, specDir, ctx, name) : undefined;
  if (noCode) checkNoCode(name, model!, ctx.mlflowImage);
  const environment = noCode ? { image: ctx.mlflowImage! } : ctx.resolver.environment(spec.environment, specDir)!;
  const instanceCount = Number(spec.instance_count ?? 1);
  if (!Number.isInteger(instanceCount) || instanceCount < 1 || instanceCount > 20) throw new SpecRejected(`deployment ${name}: instance_count must be an integer from 1 to 20 here, not ${String(spec.instance_count)}`);
  const request = { ...REQUEST_DEFAULTS, ...(spec.request_settings as Spec | undefined) };
  const code = noCode ? { hostDir: '', mountDir: `${APP_ROOT}/mlflow-scoring`, scoringScript: MLFLOW_SCORING_FILE, builtin: true } : await snapshotScoringCode(codeConfiguration!, specDir, ctx, name);
  // A model on Blob is downloaded when the deployment is provisioned (withModelFetched), so the request answers at once.
  const source = model ? modelToFetch(model.location) : undefined;
  return {
    environment,
    ...(model && source ? { model: { reference: model.reference, ...source, modelDir: model.modelDir } } : {}),
    code,
    instanceCount,
    environmentVariables: Object.fromEntries(Object.entries((spec.environment_variables as Spec | undefined) ?? {}).map(([key, value]) => [key, String(value)])),
    request: { timeoutMs: Number(request.request_timeout_ms), maxConcurrent: Number(request.max_concurrent_requests_per_instance), maxQueueWaitMs: Number(request.max_queue_wait_ms) },
    readiness: probe(spec.readiness_probe, READINESS_DEFAULTS),
    liveness: probe(spec.liveness_probe, LIVENESS_DEFAULTS),
  };
}

function probe(value: unknown, defaults: typeof LIVENESS_DEFAULTS): ProbeSettings {
  const given = { ...defaults, ...(value as Spec | undefined) };
  return { initialDelayS: Number(given.initial_delay), periodS: Number(given.period), timeoutS: Number(given.timeout), failureThreshold: Number(given.failure_threshold) };
}

async function snapshotScoringCode(configuration: { code?: string; scoring_script?: string }, specDir: string, ctx: PlanContext, name: string): Promise<DeploymentPlan['code']> {
  const codeDir = path.resolve(specDir, configuration.code ?? '.');
  if (!fs.existsSync(codeDir) || !fs.statSync(codeDir).isDirectory()) throw new SpecRejected(`deployment ${name}: code_configuration.code ${configuration.code} is not a folder`);
  const script = configuration.scoring_script!;
  if (!fs.existsSync(path.join(codeDir, script))) throw new SpecRejected(`deployment ${name}: scoring script ${script} not found in ${configuration.code ?? '.'}`);
  // The deployment keeps serving the code it was created with, whatever happens to the folder later.
  const snapshot = await snapshotCode(ctx.insideWorkspace(codeDir), ctx.snapshots);
  return { hostDir: snapshot.dir, mountDir: `${APP_ROOT}/${path.basename(codeDir)}`, scoringScript: script };
}

function resolveModel(model: unknown, specDir: string, ctx: PlanContext, deployment: string): ResolvedModel {
  if (typeof model === 'string') {
    const ref = parseReference(model);
    if (ref?.form !== 'asset') throw new Unsupported(`deployment ${deployment}: model ${model}: only workspace models (azureml:<name>:<version>) and local paths can be served locally`);
    const found = ctx.resolver.find('model', ref.name, ref.version);
    if (!found) throw new SpecRejected(`deployment ${deployment}: unknown model ${model}; register it with \`mlw model create -f <file>\``);
    const version = String(found.spec.version ?? ref.version ?? '1');
    return { ...modelAt(model, locateModel(String(found.spec.path), found.baseDir, ctx.datastores, model), ref.name, version), ...(typeof found.spec.type === 'string' ? { type: found.spec.type } : {}) };
  }
  const inline = (model ?? {}) as { name?: string; version?: string | number; path?: string; type?: string };
  if (typeof inline.path !== 'string') throw new SpecRejected(`deployment ${deployment}: model needs a path`);
  const location = locateModel(inline.path, specDir, ctx.datastores, inline.path);
  return { ...modelAt(inline.path, location, inline.name ?? deployment, String(inline.version ?? '1')), ...(inline.type ? { type: inline.type } : {}) };
}

function locateModel(given: string, baseDir: string, datastores: DatastoreResolver, reference: string): ModelLocation {
  let location;
  try {
    location = datastores.resolve(given, baseDir, { mustExist: true });
  } catch (error) {
    throw new SpecRejected(`model ${reference}: ${(error as Error).message}`);
  }
  if (location.kind === 'local') return { hostPath: location.path };
  if (!location.blob) throw new Unsupported(`model ${reference}: ${given} is remote data mlw cannot read; use a local path, a local datastore or an Azure Blob datastore`);
  return { blob: location.blob, uri: given };
}

/** A local model where it is; a Blob one with no copy yet, which provisioning fetches. */
function modelToFetch(location: ModelLocation): ModelSource {
  if ('hostPath' in location) return location;
  return { hostPath: '', blob: { uri: location.uri, name: blobName(location.blob) } };
}

function blobName(blob: BlobLocation): string {
  return posix.basename(blob.path.replace(/\/+$/, '')) || blob.datastore.container_name;
}

/** A model on a Blob datastore is brought into the Blob cache (unless unchanged there); a local one is where it is. */
async function fetchModel(location: ModelLocation, datastores: DatastoreResolver, reference: string): Promise<ModelSource> {
  if ('hostPath' in location) return location;
  let cached;
  try {
    cached = await fetchPathToCache(location.blob, datastores.blobCache);
  } catch (error) {
    throw new SpecRejected(`model ${reference}: ${(error as Error).message}`);
  }
  const name = cached.fileName ?? blobName(location.blob);
  return { hostPath: cached.fileName ? path.join(cached.folder, cached.fileName) : cached.folder, blob: { uri: location.uri, name } };
}

/**
 * The plan with its Blob model's copy in the Blob cache: fetched when the deployment is provisioned, and again by a
 * daemon that provisions a stored plan whose copy left the cache. A local model, or a copy still cached, leaves the plan as it is.
 */
export async function withModelFetched(plan: DeploymentPlan, datastores: DatastoreResolver, baseDir: string): Promise<DeploymentPlan> {
  const model = plan.model;
  if (!model?.blob || fs.existsSync(model.hostPath)) return plan;
  const source = await fetchModel(locateModel(model.blob.uri, baseDir, datastores, model.reference), datastores, model.reference);
  const { blob: _previous, ...rest } = model;
  return { ...plan, model: { ...rest, ...source } };
}

function modelAt(reference: string, location: ModelLocation, name: string, version: string): ResolvedModel {
  return { reference, location, modelDir: `${MODELS_ROOT}/${name}/${version}` };
}

/** Where a model's file or folder appears in the container. */
export function modelMountPath(model: NonNullable<DeploymentPlan['model']>): string {
  return `${model.modelDir}/${model.blob?.name ?? path.basename(model.hostPath)}`;
}
