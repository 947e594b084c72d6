import type { FastifyInstance } from 'fastify';
import { invalid, notFound } from './errors';
import type { ViewType } from './experiments';
import { endpoint } from './http';
import { keyValues, type RequestFields } from './request';
import { ARRAY, checkSchema, INT, REQUIRED_STRING, STRING } from './schema';
import type { TrackingService } from './service';

const VIEW_TYPES: Record<string, ViewType> = { '1': 'ACTIVE_ONLY', '2': 'DELETED_ONLY', '3': 'ALL', ACTIVE_ONLY: 'ACTIVE_ONLY', DELETED_ONLY: 'DELETED_ONLY', ALL: 'ALL' };

export function viewType(fields: RequestFields, name: string): ViewType {
  const value = fields.optionalString(name);
  if (value === undefined || value === '') return 'ACTIVE_ONLY';
  const type = VIEW_TYPES[value];
  if (!type) throw invalid(`Invalid value ${value} for parameter '${name}' supplied.`);
  return type;
}

/** `experiments/*`. */
export function experimentRoutes(app: FastifyInstance, tracking: TrackingService): void {
  const { experiments } = tracking;

  endpoint(app, tracking, ['POST'], '/mlflow/experiments/create', ({ fields, request }) => {
    checkSchema(fields, { name: REQUIRED_STRING, artifact_location: STRING, tags: ARRAY });
    tracking.requireWorkspace(request, 'create experiments');
    const location = fields.optionalString('artifact_location');
    if (location && /[#;]/.test(location)) throw invalid("'artifact_location' URL can't include fragments or params.");
    return { experiment_id: experiments.create(fields.string('name'), keyValues(fields, 'tags'), location) };
  });

  endpoint(app, tracking, ['GET'], '/mlflow/experiments/get', ({ fields, request }) => {
    checkSchema(fields, { experiment_id: REQUIRED_STRING });
    const row = experiments.require(fields.string('experiment_id'));
    tracking.requireExperimentRead(request, row.experiment_id);
    return { experiment: experiments.json(row) };
  });

  endpoint(app, tracking, ['GET'], '/mlflow/experiments/get-by-name', ({ fields, request }) => {
    checkSchema(fields, { experiment_name: REQUIRED_STRING });
    const name = fields.string('experiment_name');
    const row = experiments.byName(name);
    if (!row) throw notFound(`Could not find experiment with name '${name}'`);
    tracking.requireExperimentRead(request, row.experiment_id);
    return { experiment: experiments.json(row) };
  });

  endpoint(app, tracking, ['GET', 'POST'], '/mlflow/experiments/search', ({ fields, request }) => {
    // view_type is an enum (a name or a number), which MLflow's parser takes either way.
    checkSchema(fields, { max_results: INT, order_by: ARRAY, filter: STRING, page_token: STRING }, ['order_by']);
    const result = experiments.search({
      viewType: viewType(fields, 'view_type'),
      maxResults: fields.maxResults(1000, 50000),
      filter: fields.optionalString('filter'),
      orderBy: fields.stringList('order_by'),
      pageToken: fields.optionalString('page_token'),
      visible: (experimentId) => tracking.canReadExperiment(request, experimentId),
    });
    return { experiments: result.experiments, ...(result.nextPageToken ? { next_page_token: result.nextPageToken } : {}) };
  });

  endpoint(app, tracking, ['POST'], '/mlflow/experiments/update', ({ fields, request }) => {
    checkSchema(fields, { experiment_id: REQUIRED_STRING, new_name: REQUIRED_STRING });
    tracking.requireWorkspace(request, 'rename experiments');
    const id = fields.string('experiment_id');
    const newName = fields.string('new_name');
    experiments.rename(id, newName);
    return {};
  });

  endpoint(app, tracking, ['POST'], '/mlflow/experiments/delete', ({ fields, request }) => {
    checkSchema(fields, { experiment_id: REQUIRED_STRING });
    tracking.requireWorkspace(request, 'delete experiments');
    experiments.setLifecycle(fields.string('experiment_id'), 'deleted');
    return {};
  });

  endpoint(app, tracking, ['POST'], '/mlflow/experiments/restore', ({ fields, request }) => {
    checkSchema(fields, { experiment_id: REQUIRED_STRING });
    tracking.requireWorkspace(request, 'restore experiments');
    experiments.setLifecycle(fields.string('experiment_id'), 'active');
    return {};
  });

  endpoint(app, tracking, ['POST'], '/mlflow/experiments/set-experiment-tag', ({ fields, request }) => {
    checkSchema(fields, { experiment_id: REQUIRED_STRING, key: REQUIRED_STRING, value: STRING });
    tracking.requireWorkspace(request, 'tag experiments');
    experiments.setTag(fields.string('experiment_id'), fields.string('key'), fields.optionalString('value') ?? '');
    return {};
  });
}
