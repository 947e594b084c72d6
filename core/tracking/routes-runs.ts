import type { FastifyInstance } from 'fastify';
import { proxiedPath, safeRelativePath } from './artifacts';
import { invalid } from './errors';
import { endpoint, sendFile } from './http';
import { keyValue, keyValues, type RequestFields } from './request';
import { viewType } from './routes-experiments';
import { parseStatus, PARENT_RUN_TAG, runInfoJson, type KeyValue, type RunRow } from './runs';
import { ARRAY, atMost, checkSchema, entriesHave, INT, isArray, isFloatLike, isIntLike, REQUIRED_STRING, required, STRING, STRINGS, type Schema } from './schema';
import type { TrackingService } from './service';
import { checkBatchLimits, checkMetric, checkRunId } from './validate';
import type { MetricPoint } from './metrics';

const MAX_BATCH_REQUEST_BYTES = 1_000_000;
const RUN: Schema = { run_id: REQUIRED_STRING };
const KEY_VALUE: Schema = { ...RUN, key: REQUIRED_STRING, value: STRING };

/** `run_id`, or the deprecated `run_uuid` older clients send. */
function runIdOf(fields: RequestFields): string {
  const runId = fields.optionalString('run_id') || fields.optionalString('run_uuid');
  if (!runId) return fields.string('run_id');
  return runId;
}

function metricOf(fields: RequestFields): MetricPoint {
  const point = { key: fields.string('key'), value: fields.double('value'), timestamp: fields.long('timestamp'), step: fields.optionalLong('step') ?? 0 };
  checkMetric(point.key, point.value, point.timestamp, point.step);
  return point;
}

/** `runs/*`, `metrics/get-history`, `artifacts/list`. */
export function runRoutes(app: FastifyInstance, tracking: TrackingService): void {
  const { runs, metrics } = tracking;
  const runJson = (run: RunRow) => runJsonOf(tracking, run);
  const writable = (fields: RequestFields, request: object): RunRow => {
    const run = runs.requireActive(runIdOf(fields));
    tracking.requireRunWrite(request, run);
    return run;
  };

  endpoint(app, tracking, ['POST'], '/mlflow/runs/create', async ({ fields, request }) => {
    checkSchema(fields, { experiment_id: STRING, start_time: INT, run_name: STRING });
    const tags = keyValues(fields, 'tags');
    const parent = tags.find((tag) => tag.key === PARENT_RUN_TAG)?.value;
    const experimentId = fields.optionalString('experiment_id') || '0';
    if (tracking.principal(request).kind === 'run') {
      tracking.requireLiveToken(request);
      // A run token's top-level run is its job's run: the fluent API's implicit `start_run()` after an `end_run()`
      // (which unsets MLFLOW_RUN_ID) resumes it rather than starting a run the job would not own.
      if (!parent) return { run: runJson(await resumeJobRun(tracking, tracking.tokenRun(request)!, tags)) };
      tracking.requireRunWrite(request, parent);
      tracking.requireExperimentRead(request, experimentId);
    }
    const experiment = tracking.experiments.require(experimentId);
    if (experiment.lifecycle_stage !== 'active') throw invalid(`The experiment ${experimentId} must be in the 'active' state. Current state is ${experiment.lifecycle_stage}.`);
    const run = runs.create({ experimentId, userId: fields.optionalString('user_id') ?? '', startTime: fields.optionalLong('start_time') ?? Date.now(), runName: fields.optionalString('run_name'), tags });
    return { run: runJson(run) };
  });

  endpoint(app, tracking, ['GET'], '/mlflow/runs/get', ({ fields, request }) => {
    checkSchema(fields, RUN);
    const run = runs.require(runIdOf(fields));
    tracking.requireRunRead(request, run);
    return { run: runJson(run) };
  });

  endpoint(app, tracking, ['POST'], '/mlflow/runs/update', ({ fields, request }) => {
    checkSchema(fields, { ...RUN, end_time: INT, status: STRING, run_name: STRING });
    const run = writable(fields, request);
    const status = parseStatus(fields.optionalString('status'));
    const endTime = fields.optionalLong('end_time');
    const runName = fields.optionalString('run_name');
    // The job's run follows the job's status (mlw owns it): its token's status changes are accepted and ignored.
    const updated = runs.update(run, isJobRunOfToken(tracking, request, run) ? { runName } : { status, endTime, runName });
    return { run_info: runInfoJson(updated) };
  });

  endpoint(app, tracking, ['POST'], '/mlflow/runs/delete', ({ fields, request }) => {
    checkSchema(fields, RUN);
    const run = runs.require(runIdOf(fields));
    tracking.requireRunWrite(request, run);
    if (isJobRunOfToken(tracking, request, run)) tracking.requireWorkspace(request, "delete its job's run");
    runs.setLifecycle(run.run_uuid, 'deleted');
    return {};
  });

  endpoint(app, tracking, ['POST'], '/mlflow/runs/restore', ({ fields, request }) => {
    checkSchema(fields, RUN);
    const run = runs.require(runIdOf(fields));
    tracking.requireRunWrite(request, run);
    runs.setLifecycle(run.run_uuid, 'active');
    return {};
  });

  endpoint(app, tracking, ['POST'], '/mlflow/runs/search', ({ fields, request }) => {
    checkSchema(fields, { experiment_ids: ARRAY, filter: STRING, max_results: [isIntLike, atMost(50000)], order_by: STRINGS });
    const visible = tracking.runVisibility(request);
    const result = tracking.searcher.search({
      ...(visible ? { visible } : {}),
      experimentIds: fields.stringList('experiment_ids'),
      filter: fields.optionalString('filter'),
      viewType: viewType(fields, 'run_view_type'),
      maxResults: fields.maxResults(1000, 50000),
      orderBy: fields.stringList('order_by'),
      pageToken: fields.optionalString('page_token'),
    });
    return { ...(result.runs.length ? { runs: result.runs.map(runJson) } : {}), ...(result.nextPageToken ? { next_page_token: result.nextPageToken } : {}) };
  });

  endpoint(app, tracking, ['POST'], '/mlflow/runs/log-metric', async ({ fields, request }) => {
    checkSchema(fields, { ...RUN, key: REQUIRED_STRING, value: [required, isFloatLike], timestamp: [isIntLike, required], step: INT });
    const run = writable(fields, request);
    await tracking.logBatch(run, [metricOf(fields)], [], []);
    return {};
  });

  endpoint(app, tracking, ['POST'], '/mlflow/runs/log-parameter', async ({ fields, request }) => {
    checkSchema(fields, KEY_VALUE);
    const run = writable(fields, request);
    await tracking.logBatch(run, [], [{ key: fields.string('key'), value: fields.optionalString('value') ?? '' }], []);
    return {};
  });

  endpoint(app, tracking, ['POST'], '/mlflow/runs/set-tag', async ({ fields, request }) => {
    checkSchema(fields, KEY_VALUE);
    const run = writable(fields, request);
    await tracking.logBatch(run, [], [], [{ key: fields.string('key'), value: fields.optionalString('value') ?? '' }]);
    return {};
  });

  endpoint(app, tracking, ['POST'], '/mlflow/runs/delete-tag', ({ fields, request }) => {
    checkSchema(fields, { ...RUN, key: REQUIRED_STRING });
    const run = writable(fields, request);
    runs.deleteTag(run, fields.string('key'));
    return {};
  });

  endpoint(app, tracking, ['POST'], '/mlflow/runs/log-batch', async ({ fields, request }) => {
    const length = Number(request.headers['content-length'] ?? 0);
    if (length > MAX_BATCH_REQUEST_BYTES) throw invalid(`Batched logging API requests must be at most ${MAX_BATCH_REQUEST_BYTES} bytes, got a request of size ${length}.`);
    checkSchema(fields, { ...RUN, metrics: [isArray, entriesHave('key', 'value', 'timestamp')], params: [isArray, entriesHave('key')], tags: [isArray, entriesHave('key')] });
    const run = writable(fields, request);
    const metricFields = fields.messages('metrics');
    const paramFields = fields.messages('params');
    const tagFields = fields.messages('tags');
    checkBatchLimits(metricFields.length, paramFields.length, tagFields.length);
    await tracking.logBatch(run, metricFields.map(metricOf), paramFields.map(keyValue), tagFields.map(keyValue));
    return {};
  });

  endpoint(app, tracking, ['POST'], '/mlflow/runs/log-inputs', ({ fields, request }) => {
    checkSchema(fields, { ...RUN, datasets: [required, isArray] });
    const run = writable(fields, request);
    const datasets = fields.messages('datasets').map((input) => {
      const dataset = input.message('dataset');
      if (!dataset) throw invalid("Missing value for required parameter 'dataset'.");
      for (const required of ['name', 'digest', 'source_type', 'source']) dataset.string(required);
      return { dataset: dataset.source, tags: keyValues(input, 'tags') };
    });
    runs.logInputs(run, datasets);
    return {};
  });

  endpoint(app, tracking, ['POST'], '/mlflow/runs/log-model', ({ fields, request }) => {
    checkSchema(fields, { ...RUN, model_json: REQUIRED_STRING });
    const run = writable(fields, request);
    let model: Record<string, unknown>;
    try {
      model = JSON.parse(fields.string('model_json')) as Record<string, unknown>;
    } catch {
      throw invalid(`Malformed model info. \n ${fields.string('model_json')} \n is not a valid JSON.`);
    }
    const missing = ['artifact_path', 'flavors', 'utc_time_created', 'run_id'].filter((key) => !(key in model));
    if (missing.length) throw invalid(`Model json is missing mandatory fields: {${missing.map((m) => `'${m}'`).join(', ')}}`);
    const history = JSON.parse(runs.tag(run, 'mlflow.log-model.history') ?? '[]') as unknown[];
    runs.setTag(run, 'mlflow.log-model.history', JSON.stringify([...history, model]));
    return {};
  });

  endpoint(app, tracking, ['GET'], '/mlflow/metrics/get-history', ({ fields, request }) => {
    checkSchema(fields, { ...RUN, metric_key: REQUIRED_STRING });
    const runId = runIdOf(fields);
    checkRunId(runId);
    const run = runs.require(runId);
    tracking.requireRunRead(request, run);
    const key = fields.string('metric_key');
    const maxResults = fields.optionalLong('max_results');
    if (maxResults !== undefined && maxResults < 1) throw invalid(`Invalid value for request parameter max_results: ${maxResults}`);
    const page = metrics.historyJson(run, key, maxResults, fields.optionalString('page_token'));
    return Buffer.concat([Buffer.from('{"metrics":'), page.metrics, Buffer.from(`${page.nextPageToken ? `,"next_page_token":${JSON.stringify(page.nextPageToken)}` : ''}}`)]);
  });

  endpoint(app, tracking, ['GET'], '/mlflow/artifacts/list', async ({ fields, request }) => {
    checkSchema(fields, { ...RUN, path: STRING, page_token: STRING });
    const run = runs.require(runIdOf(fields));
    tracking.requireRunRead(request, run);
    const relative = fields.has('path') ? safeRelativePath(fields.optionalString('path') ?? '') : '';
    const root = proxiedPath(run.artifact_uri);
    const files = await tracking.artifacts.list(relative ? `${root}/${relative}` : root, relative || undefined, tracking.artifactReadFolder(request, root));
    return { root_uri: run.artifact_uri, ...(files.length ? { files } : {}) };
  });

  endpoint(app, tracking, ['GET'], '/mlflow/get-artifact', async ({ fields, request, reply }) => {
    const run = runs.require(runIdOf(fields));
    tracking.requireRunRead(request, run);
    const root = proxiedPath(run.artifact_uri);
    const file = await tracking.artifacts.open(`${root}/${safeRelativePath(fields.string('path'))}`, tracking.artifactReadFolder(request, root));
    return sendFile(reply, file);
  });
}

/** A run as MLflow's `Run` message: info, latest metrics, params, tags and dataset inputs. */
export function runJsonOf(tracking: TrackingService, run: RunRow): Record<string, unknown> {
  const latest = tracking.metrics.latest(run);
  const params = tracking.runs.params(run);
  const tags = tracking.runs.tags(run);
  const inputs = tracking.runs.inputs(run);
  return {
    info: runInfoJson(run),
    data: { ...(latest.length ? { metrics: latest } : {}), ...(params.length ? { params } : {}), ...(tags.length ? { tags } : {}) },
    inputs: inputs.length ? { dataset_inputs: inputs } : {},
  };
}

function isJobRunOfToken(tracking: TrackingService, request: object, run: RunRow): boolean {
  const principal = tracking.principal(request);
  return principal.kind === 'run' && principal.runId === run.run_uuid;
}

/** MLflow's system tags (`mlflow.source.*`, `mlflow.user`, …) describe a new run; the job's run keeps its own. */
async function resumeJobRun(tracking: TrackingService, run: RunRow, tags: KeyValue[]): Promise<RunRow> {
  const userTags = tags.filter((tag) => !tag.key.startsWith('mlflow.') || tag.key === 'mlflow.note.content');
  if (userTags.length) await tracking.logBatch(run, [], [], userTags);
  return tracking.runs.require(run.run_uuid);
}
