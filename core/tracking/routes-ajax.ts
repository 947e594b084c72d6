import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { proxiedPath, safeRelativePath } from './artifacts';
import { invalid } from './errors';
import type { BulkMetricPoint } from './metrics';
import { endpoint, mlflowErrorReply, sendFile } from './http';
import type { RequestFields } from './request';
import { runJsonOf } from './routes-runs';
import { checkSchema, countAtMost, intWithin, isArray, isIntLike, itemsAreStrings, REQUIRED_STRING, required } from './schema';
import type { TrackingService } from './service';

const MAX_BULK_RUNS = 100;
const MAX_BULK_RESULTS = 25000;
const MAX_INTERVAL_RESULTS_PER_RUN = 2500;
const MAX_DATASET_EXPERIMENTS = 20;
const MAX_DATASET_SUMMARIES = 1000;
const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

/**
 * The endpoints MLflow's UI calls under `/ajax-api/2.0/mlflow/` besides the REST API it also serves there:
 * bulk metric histories, dataset summaries, prompt-engineering runs and small artifact uploads.
 */
export function ajaxRoutes(app: FastifyInstance, tracking: TrackingService): void {
  endpoint(app, tracking, ['GET'], '/mlflow/metrics/get-history-bulk', ({ fields }) => {
    const runIds = fields.stringList('run_id');
    if (!runIds.length) throw invalid('GetMetricHistoryBulk request must specify at least one run_id.');
    if (runIds.length > MAX_BULK_RUNS) throw invalid(`GetMetricHistoryBulk request cannot specify more than ${MAX_BULK_RUNS} run_ids. Received ${runIds.length} run_ids.`);
    const key = fields.optionalString('metric_key');
    if (key === undefined) throw invalid('GetMetricHistoryBulk request must specify a metric_key.');
    const maxResults = Math.min(fields.optionalLong('max_results') ?? MAX_BULK_RESULTS, MAX_BULK_RESULTS);
    return { metrics: tracking.metrics.pointsOfRuns(runIds, key, { orderBy: 'timestamp', limit: Math.max(maxResults, 0) }) };
  });

  endpoint(app, tracking, ['GET'], '/mlflow/metrics/get-history-bulk-interval', ({ fields }) => {
    checkSchema(fields, {
      run_ids: [required, isArray, itemsAreStrings, countAtMost(MAX_BULK_RUNS, (count) => `GetMetricHistoryBulkInterval request must specify at most ${MAX_BULK_RUNS} run_ids. Received ${count} run_ids.`)],
      metric_key: REQUIRED_STRING,
      start_step: [isIntLike],
      end_step: [isIntLike],
      max_results: [isIntLike, intWithin(1, MAX_INTERVAL_RESULTS_PER_RUN, `max_results must be between 1 and ${MAX_INTERVAL_RESULTS_PER_RUN}.`)],
    }, ['run_ids']);
    const runIds = fields.stringList('run_ids');
    const key = fields.string('metric_key');
    const { history, steps } = sampledSteps(tracking, fields, runIds, key, fields.optionalLong('max_results') ?? MAX_INTERVAL_RESULTS_PER_RUN);
    const sampled = new Set(steps);
    return { metrics: history.flatMap((points) => points.filter((point) => sampled.has(point.step)).slice(0, MAX_BULK_RESULTS)) };
  });

  endpoint(app, tracking, ['POST'], '/mlflow/experiments/search-datasets', ({ fields }) => {
    const experimentIds = fields.stringList('experiment_ids');
    if (!experimentIds.length) throw invalid('SearchDatasets request must specify at least one experiment_id.');
    if (experimentIds.length > MAX_DATASET_EXPERIMENTS) throw invalid(`SearchDatasets request cannot specify more than ${MAX_DATASET_EXPERIMENTS} experiment_ids. Received ${experimentIds.length} experiment_ids.`);
    const ids = experimentIds.filter((id) => /^\d+$/.test(id)).map(Number);
    return { dataset_summaries: tracking.runs.datasetSummaries(ids, MAX_DATASET_SUMMARIES) };
  });

  endpoint(app, tracking, ['POST'], '/mlflow/runs/create-promptlab-run', async ({ fields }) => {
    const arg = (name: string): unknown => {
      const value = fields.source[name];
      if (!value || (Array.isArray(value) && !value.length)) throw invalid(`CreatePromptlabRun request must specify ${name}.`);
      return value;
    };
    const experimentId = String(arg('experiment_id'));
    const promptTemplate = String(arg('prompt_template'));
    const promptParameters = keyValuesOf(arg('prompt_parameters'));
    const modelRoute = String(arg('model_route'));
    const modelParameters = keyValuesOf(fields.source.model_parameters);
    const modelInput = String(arg('model_input'));
    const modelOutput = fields.optionalString('model_output') ?? null;
    const outputParameters = keyValuesOf(fields.source.model_output_parameters);
    arg('mlflow_version');
    tracking.experiments.require(experimentId);
    const run = tracking.runs.create({
      experimentId,
      userId: fields.optionalString('user_id') ?? 'unknown',
      startTime: fields.optionalLong('start_time') ?? Date.now(),
      runName: fields.optionalString('run_name'),
      tags: keyValuesOf(fields.source.tags),
    });
    const tags = [
      { key: 'mlflow.loggedArtifacts', value: '[{"path": "eval_results_table.json", "type": "table"}]' },
      { key: 'mlflow.runSourceType', value: 'PROMPT_ENGINEERING' },
    ];
    await tracking.logBatch(run, [], [...modelParameters, { key: 'model_route', value: modelRoute }, { key: 'prompt_template', value: promptTemplate }], tags);
    const table = {
      columns: [...promptParameters.map((p) => p.key), 'prompt', 'output', ...outputParameters.map((p) => p.key)],
      data: [[...promptParameters.map((p) => p.value), modelInput, modelOutput, ...outputParameters.map((p) => p.value)]],
    };
    await tracking.artifacts.write(`${proxiedPath(run.artifact_uri)}/eval_results_table.json`, Readable.from([JSON.stringify(table)]));
    const finished = tracking.runs.update(tracking.runs.require(run.run_uuid), { status: 'FINISHED', endTime: Date.now() });
    return { run: runJsonOf(tracking, finished) };
  });

  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_UPLOAD_BYTES }, (_request, body, done) => done(null, body));
    scope.post('/mlflow/upload-artifact', async (request) => {
      const query = (request.query ?? {}) as Record<string, string | undefined>;
      const runId = query.run_uuid;
      if (!runId) throw invalid('Request must specify run_uuid.');
      if (!query.path) throw invalid('Request must specify path.');
      const relative = safeRelativePath(query.path);
      if (!relative) throw invalid('Invalid path');
      const data = request.body as Buffer | undefined;
      if (!data?.length) throw invalid('Request must specify data.');
      const run = tracking.runs.require(runId);
      await tracking.artifacts.write(`${proxiedPath(run.artifact_uri)}/${relative}`, Readable.from([data]));
      return {};
    });
  });
}

/** MLflow's downloads outside the API prefix: a run's artifact, and a model version's. */
export function downloadRoutes(app: FastifyInstance, tracking: TrackingService): void {
  void app.register(async (scope) => {
    scope.setErrorHandler(mlflowErrorReply);
    endpoint(scope, tracking, ['GET'], '/get-artifact', async ({ fields, reply }) => {
      const relative = safeRelativePath(fields.string('path'));
      const run = tracking.runs.require(fields.optionalString('run_id') || fields.string('run_uuid'));
      return sendFile(reply, await tracking.artifacts.open(`${proxiedPath(run.artifact_uri)}/${relative}`));
    });
    // MLflow's server merges duplicate slashes (its UI asks for `//model-versions/…` under an empty prefix).
    for (const url of ['/model-versions/get-artifact', '//model-versions/get-artifact']) {
      endpoint(scope, tracking, ['GET'], url, async ({ fields, reply }) => {
        const relative = safeRelativePath(fields.string('path'));
        const location = tracking.registry.downloadUri(fields.string('name'), fields.string('version'));
        const runSource = /^runs:\/([^/]+)\/?(.*)$/.exec(location);
        const root = runSource ? `${proxiedPath(tracking.runs.require(runSource[1]!).artifact_uri)}${runSource[2] ? `/${runSource[2]}` : ''}` : proxiedPath(location);
        return sendFile(reply, await tracking.artifacts.open(`${root}/${relative}`));
      });
    }
  });
}

function keyValuesOf(value: unknown): { key: string; value: string }[] {
  if (!Array.isArray(value)) return [];
  return value.map((entry: { key?: unknown; value?: unknown }) => ({ key: String(entry?.key ?? ''), value: String(entry?.value ?? '') }));
}

/**
 * The steps MLflow's bulk-interval history returns (`get_metric_history_bulk_interval_handler`): up to `maxResults`
 * steps evenly spaced over the runs' logged steps in [start_step, end_step], plus each run's first and last step.
 */
/** Each run's history of the metric (ordered by step), and the steps sampled from them. */
function sampledSteps(tracking: TrackingService, fields: RequestFields, runIds: string[], key: string, maxResults: number): { history: BulkMetricPoint[][]; steps: number[] } {
  let start = fields.optionalLong('start_step');
  let end = fields.optionalLong('end_step');
  if (start !== undefined && end !== undefined) {
    if (start > end) throw invalid(`end_step must be greater than start_step. Found start_step=${start} and end_step=${end}.`);
  } else if (start !== undefined || end !== undefined) {
    throw invalid('If either start step or end step are specified, both must be specified.');
  }
  const history = runIds.map((runId) => tracking.metrics.pointsOfRuns([runId], key, { orderBy: 'step', limit: -1 }));
  const perRun = history.map((points) => points.map((point) => point.step));
  const all = [...new Set(perRun.flat())].sort((a, b) => a - b);
  start ??= 0;
  end ??= all.length ? all[all.length - 1]! : 0;
  // Each run's steps are in order: its first and last are its least and greatest.
  const bounds = perRun.filter((steps) => steps.length).flatMap((steps) => [steps[0]!, steps[steps.length - 1]!]).filter((step) => step >= start && step <= end);
  return { history, steps: [...new Set([...sampleFromSteps(start, end, maxResults, all), ...bounds])].sort((a, b) => a - b) };
}

/** MLflow's `_get_sampled_steps_from_steps`, including its index bound. */
export function sampleFromSteps(start: number, end: number, maxResults: number, steps: number[]): number[] {
  const firstIndex = (found: number) => (found === -1 ? steps.length : found);
  const startIndex = firstIndex(steps.findIndex((step) => step >= start));
  const endIndex = firstIndex(steps.findIndex((step) => step > end));
  if (endIndex - startIndex <= maxResults) return steps.slice(startIndex, endIndex);
  const count = endIndex - startIndex;
  const interval = count / maxResults;
  const sampled: number[] = [];
  for (let i = 0; i < maxResults; i++) {
    const index = startIndex + Math.trunc(i * interval);
    if (index < count) sampled.push(steps[index]!);
  }
  sampled.push(steps[endIndex - 1]!);
  return sampled;
}
