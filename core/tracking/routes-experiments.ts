import type { FastifyInstance } from 'fastify';
import { invalid, notFound } from './errors';
import type { ViewType } from './experiments';
import { endpoint } from './http';
import { keyValues, type RequestFields } from './request';
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
    tracking.requireWorkspace(request, 'create experiments');
    const location = fields.optionalString('artifact_location');
    if (location && /[#;]/.test(location)) throw invalid("'artifact_location' URL can't include fragments or params.");
    return { experiment_id: experiments.create(fields.string('name'), keyValues(fields, 'tags'), location) };
  });

  endpoint(app, tracking, ['GET'], '/mlflow/experiments/get', ({ fields, request }) => {
    const row = experiments.require(fields.string('experiment_id'));
    tracking.requireExperimentRead(request, row.experiment_id);
    return { experiment: experiments.json(row) };
  });

  endpoint(app, tracking, ['GET'], '/mlflow/experiments/get-by-name', ({ fields, request }) => {
    const name = fields.string('experiment_name');
    const row = experiments.byName(name);
    if (!row) throw notFound(`Could not find experiment with name '${name}'`);
    tracking.requireExperimentRead(request, row.experiment_id);
    return { experiment: experiments.json(row) };
  });

  endpoint(app, tracking, ['GET', 'POST'], '/mlflow/experiments/search', ({ fields, request }) => {
    const result = experiments.search({
      viewType: viewType(fields, 'view_type'),
      maxResults: fields.maxResults(1000, 50000),
      filter: fields.optionalString('filter'),
      orderBy: fields.stringList('order_by'),
      pageToken: fields.optionalString('page_token'),
    });
    return { experiments: result.experiments.filter((experiment) => tracking.canReadExperiment(request, experiment.experiment_id)), ...(result.nextPageToken ? { next_page_token: result.nextPageToken } : {}) };
  });

  endpoint(app, tracking, ['POST'], '/mlflow/experiments/update', ({ fields, request }) => {
    tracking.requireWorkspace(request, 'rename experiments');
    const id = fields.string('experiment_id');
    const newName = fields.string('new_name');
    experiments.rename(id, newName);
    return {};
  });

  endpoint(app, tracking, ['POST'], '/mlflow/experiments/delete', ({ fields, request }) => {
    tracking.requireWorkspace(request, 'delete experiments');
    experiments.setLifecycle(fields.string('experiment_id'), 'deleted');
    return {};
  });

  endpoint(app, tracking, ['POST'], '/mlflow/experiments/restore', ({ fields, request }) => {
    tracking.requireWorkspace(request, 'restore experiments');
    experiments.setLifecycle(fields.string('experiment_id'), 'active');
    return {};
  });

  endpoint(app, tracking, ['POST'], '/mlflow/experiments/set-experiment-tag', ({ fields, request }) => {
    tracking.requireWorkspace(request, 'tag experiments');
    experiments.setTag(fields.string('experiment_id'), fields.string('key'), fields.optionalString('value') ?? '');
    return {};
  });
}
