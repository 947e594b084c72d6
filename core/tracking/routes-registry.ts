import type { FastifyInstance } from 'fastify';
import { proxiedPath } from './artifacts';
import { endpoint } from './http';
import { checkModelVersionSource } from './model-source';
import { keyValues, type RequestFields } from './request';
import { datastorePathOf } from './registry';
import { ARRAY, atMost, checkSchema, isArray, isBool, isIntLike, itemsAreStrings, REQUIRED_STRING, STRING, STRINGS, type Schema } from './schema';
import type { TrackingService } from './service';

type Json = Record<string, unknown>;

const MODEL: Schema = { name: REQUIRED_STRING };
const VERSION: Schema = { ...MODEL, version: REQUIRED_STRING };
const ALIAS: Schema = { ...MODEL, alias: REQUIRED_STRING };
const SEARCH = (ceiling: number): Schema => ({ filter: STRING, max_results: [isIntLike, atMost(ceiling)], order_by: STRINGS, page_token: STRING });

/** `registered-models/*` and `model-versions/*`. */
export function registryRoutes(app: FastifyInstance, tracking: TrackingService): void {
  const { registry } = tracking;
  const version = (fields: RequestFields) => fields.string('version');
  const edit = (request: object, what: string) => tracking.requireWorkspace(request, what);
  // A run token sees only the models and versions its job was given or registered.
  const readableVersions = (request: object, versions: unknown) => (Array.isArray(versions) ? versions.filter((v: Json) => tracking.canReadVersion(request, String(v.name), String(v.version))) : versions);
  const shownModel = (request: object, model: Json): Json => ({ ...model, ...('latest_versions' in model ? { latest_versions: readableVersions(request, model.latest_versions) } : {}) });

  endpoint(app, tracking, ['POST'], '/mlflow/registered-models/create', ({ fields, request }) => {
    checkSchema(fields, { ...MODEL, tags: ARRAY, description: STRING });
    tracking.requireLiveToken(request);
    const creator = tracking.principal(request);
    return { registered_model: registry.createModel(fields.string('name'), keyValues(fields, 'tags'), fields.optionalString('description') ?? '', creator.kind === 'run' ? creator.runId : undefined) };
  });
  endpoint(app, tracking, ['GET'], '/mlflow/registered-models/get', ({ fields, request }) => {
    checkSchema(fields, MODEL);
    const model = registry.getModel(fields.string('name'));
    tracking.requireModelRead(request, fields.string('name'));
    return { registered_model: shownModel(request, model) };
  });
  endpoint(app, tracking, ['POST'], '/mlflow/registered-models/rename', ({ fields, request }) => {
    checkSchema(fields, { ...MODEL, new_name: REQUIRED_STRING });
    edit(request, 'rename registered models');
    return { registered_model: registry.renameModel(fields.string('name'), fields.string('new_name')) };
  });
  endpoint(app, tracking, ['PATCH'], '/mlflow/registered-models/update', ({ fields, request }) => {
    checkSchema(fields, { ...MODEL, description: STRING });
    edit(request, 'edit registered models');
    return { registered_model: registry.updateModel(fields.string('name'), fields.optionalString('description') ?? '') };
  });
  endpoint(app, tracking, ['DELETE'], '/mlflow/registered-models/delete', ({ fields, request }) => {
    checkSchema(fields, MODEL);
    edit(request, 'delete registered models');
    registry.deleteModel(fields.string('name'));
    return {};
  });
  endpoint(app, tracking, ['GET'], '/mlflow/registered-models/search', ({ fields, request }) => {
    checkSchema(fields, SEARCH(1000), ['order_by']);
    const found = registry.searchModels(fields.optionalString('filter'), fields.maxResults(100, 1000), fields.stringList('order_by'), fields.optionalString('page_token'), (name) => tracking.canReadModel(request, name));
    return { ...found, registered_models: found.registered_models.map((model) => shownModel(request, model)) };
  });
  endpoint(app, tracking, ['GET', 'POST'], '/mlflow/registered-models/get-latest-versions', ({ fields, request }) => {
    checkSchema(fields, { ...MODEL, stages: [isArray, itemsAreStrings] }, ['stages']);
    const versions = registry.latestVersions(fields.string('name'), fields.stringList('stages'));
    tracking.requireModelRead(request, fields.string('name'));
    return { model_versions: readableVersions(request, versions) };
  });
  endpoint(app, tracking, ['POST'], '/mlflow/registered-models/set-tag', ({ fields, request }) => {
    checkSchema(fields, { ...MODEL, key: REQUIRED_STRING, value: STRING });
    edit(request, 'tag registered models');
    registry.setModelTag(fields.string('name'), fields.string('key'), fields.optionalString('value') ?? '');
    return {};
  });
  endpoint(app, tracking, ['DELETE'], '/mlflow/registered-models/delete-tag', ({ fields, request }) => {
    checkSchema(fields, { ...MODEL, key: REQUIRED_STRING });
    edit(request, 'untag registered models');
    registry.deleteModelTag(fields.string('name'), fields.string('key'));
    return {};
  });
  endpoint(app, tracking, ['POST'], '/mlflow/registered-models/alias', ({ fields, request }) => {
    checkSchema(fields, { ...ALIAS, version: REQUIRED_STRING });
    edit(request, 'set model aliases');
    registry.setAlias(fields.string('name'), fields.string('alias'), version(fields));
    return {};
  });
  endpoint(app, tracking, ['DELETE'], '/mlflow/registered-models/alias', ({ fields, request }) => {
    checkSchema(fields, ALIAS);
    edit(request, 'delete model aliases');
    registry.deleteAlias(fields.string('name'), fields.string('alias'));
    return {};
  });
  endpoint(app, tracking, ['GET'], '/mlflow/registered-models/alias', ({ fields, request }) => {
    checkSchema(fields, ALIAS);
    const found = registry.versionByAlias(fields.string('name'), fields.string('alias'));
    tracking.requireModelRead(request, fields.string('name'), String(found.version));
    return { model_version: found };
  });

  endpoint(app, tracking, ['POST'], '/mlflow/model-versions/create', ({ fields, request }) => {
    checkSchema(fields, { ...MODEL, source: REQUIRED_STRING, run_id: STRING, tags: ARRAY, run_link: STRING, description: STRING });
    const source = fields.string('source');
    const runId = fields.optionalString('run_id');
    tracking.requireVersionCreate(request, fields.string('name'));
    // As in MLflow, `run_id` need not name a run here (the version then has no lineage); a run token names its own.
    const run = runId ? tracking.runs.find(runId) : undefined;
    if (runId) tracking.requireRunWrite(request, run ?? runId);
    else edit(request, 'register models without its run');
    const resolved = resolveSource(tracking, source);
    // A run token may register only what its own runs logged, not another run's artifacts.
    const sourceRun = runOfArtifacts(tracking, resolved);
    if (sourceRun) tracking.requireRunWrite(request, sourceRun);
    else if (runId) edit(request, 'register a model from outside its run');
    checkModelVersionSource(source);
    const job = run ? tracking.jobOf(run) : undefined;
    const datastorePath = datastorePathOf(resolved);
    // The model's folder becomes an asset later jobs read: it must not be a link a job left pointing outside the store.
    if (datastorePath) tracking.artifacts.requireContained(proxiedPath(resolved));
    return {
      model_version: registry.createVersion({
        name: fields.string('name'),
        source,
        ...(runId ? { runId } : {}),
        ...(fields.optionalString('run_link') ? { runLink: fields.optionalString('run_link')! } : {}),
        ...(fields.optionalString('description') ? { description: fields.optionalString('description')! } : {}),
        tags: keyValues(fields, 'tags'),
        ...(job ? { job } : {}),
        ...(datastorePath ? { datastorePath } : {}),
      }),
    };
  });
  endpoint(app, tracking, ['GET'], '/mlflow/model-versions/get', ({ fields, request }) => {
    checkSchema(fields, VERSION);
    const found = registry.getVersion(fields.string('name'), version(fields));
    tracking.requireModelRead(request, fields.string('name'), version(fields));
    return { model_version: found };
  });
  endpoint(app, tracking, ['PATCH'], '/mlflow/model-versions/update', ({ fields, request }) => {
    checkSchema(fields, { ...VERSION, description: STRING });
    edit(request, 'edit model versions');
    return { model_version: registry.updateVersion(fields.string('name'), version(fields), fields.optionalString('description')) };
  });
  endpoint(app, tracking, ['DELETE'], '/mlflow/model-versions/delete', ({ fields, request }) => {
    checkSchema(fields, VERSION);
    edit(request, 'delete model versions');
    registry.deleteVersion(fields.string('name'), version(fields));
    return {};
  });
  endpoint(app, tracking, ['POST'], '/mlflow/model-versions/transition-stage', ({ fields, request }) => {
    checkSchema(fields, { ...VERSION, stage: REQUIRED_STRING, archive_existing_versions: [isBool] });
    edit(request, 'move model versions between stages');
    return { model_version: registry.transitionStage(fields.string('name'), version(fields), fields.string('stage'), fields.optionalBool('archive_existing_versions') ?? false) };
  });
  endpoint(app, tracking, ['GET'], '/mlflow/model-versions/search', ({ fields, request }) => {
    checkSchema(fields, SEARCH(200_000), ['order_by']);
    return registry.searchVersions(fields.optionalString('filter'), fields.maxResults(10000, 200000), fields.stringList('order_by'), fields.optionalString('page_token'), (name, version) => tracking.canReadVersion(request, name, version));
  });
  endpoint(app, tracking, ['GET'], '/mlflow/model-versions/get-download-uri', ({ fields, request }) => {
    checkSchema(fields, VERSION);
    const uri = registry.downloadUri(fields.string('name'), version(fields));
    tracking.requireModelRead(request, fields.string('name'), version(fields));
    return { artifact_uri: uri };
  });
  endpoint(app, tracking, ['POST'], '/mlflow/model-versions/set-tag', ({ fields, request }) => {
    checkSchema(fields, { ...VERSION, key: REQUIRED_STRING, value: STRING });
    edit(request, 'tag model versions');
    registry.setVersionTag(fields.string('name'), version(fields), fields.string('key'), fields.optionalString('value') ?? '');
    return {};
  });
  endpoint(app, tracking, ['DELETE'], '/mlflow/model-versions/delete-tag', ({ fields, request }) => {
    checkSchema(fields, { ...VERSION, key: REQUIRED_STRING });
    edit(request, 'untag model versions');
    registry.deleteVersionTag(fields.string('name'), version(fields), fields.string('key'));
    return {};
  });
}

/** `runs:/<run>/<path>` sources point into the run's artifact root. */
/** The run whose proxied artifacts `uri` (`mlflow-artifacts:/<experiment>/<run>/artifacts/…`) points into. */
function runOfArtifacts(tracking: TrackingService, uri: string) {
  const match = /^mlflow-artifacts:\/[^/]+\/([^/]+)\/artifacts(\/|$)/.exec(uri);
  return match ? tracking.runs.find(match[1]!) : undefined;
}

function resolveSource(tracking: TrackingService, source: string): string {
  if (/^models:/i.test(source)) return tracking.registry.storageLocation(source);
  const match = /^runs:\/([^/]+)\/?(.*)$/.exec(source);
  if (!match) return source;
  const run = tracking.runs.find(match[1]!);
  // MLflow stores a source naming no run as it is given.
  if (!run) return source;
  return match[2] ? `${run.artifact_uri}/${match[2]}` : run.artifact_uri;
}
