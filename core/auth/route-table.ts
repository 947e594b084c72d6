import type { Need, Requirement } from './roles';

/** What a route needs, fixed or depending on its path parameters (`/api/assets/:kind`). */
export type Rule = Requirement | ((params: Readonly<Record<string, string | undefined>>) => Requirement);

export interface RoutePermission {
  rule: Rule;
  /** A job's run token may call it (the tracking service then limits it to its run). */
  runToken: boolean;
}

const need = (level: Need) => (action: string): Requirement => ({ need: level, action });
const read = need('read');
const use = need('use');
const administer = need('administer');

/** Compute and datastores are the administrator's: data scientists use them but never change them. */
const ADMINISTERED_KINDS = new Set(['compute', 'datastore']);

const byKind = (verb: string, otherVerb: string): Rule => ({ kind }) =>
  ADMINISTERED_KINDS.has(kind ?? '') ? administer(`${verb} ${kind}`) : use(`${otherVerb} ${kind} assets`);

/** The control plane's routes (core/api), by `METHOD url` as Fastify registers them. */
const CONTROL_PLANE: Record<string, Rule> = {
  'GET /api/health': read('read the workspace'),
  'GET /api/whoami': read('read the workspace'),
  'GET /api/workspace': read('read the workspace'),
  'POST /api/workspace/registry': administer('set up the workspace registry'),
  'POST /api/shutdown': administer('stop the control plane'),
  'GET /api/events': read('follow the workspace'),
  'GET /api/assets': read('list assets'),
  'POST /api/assets/:kind': byKind('create', 'register'),
  'GET /api/assets/:kind/:name': read('read assets'),
  'POST /api/assets/:kind/:name/archive': byKind('archive', 'archive'),
  'GET /api/assets/environment/:name/image': read('read environments'),
  'POST /api/jobs': use('submit jobs'),
  'GET /api/jobs': read('list jobs'),
  'GET /api/jobs/:name': read('read jobs'),
  'POST /api/jobs/:name/cancel': use('cancel jobs'),
  'GET /api/jobs/:name/logs': read('read job logs'),
  'GET /api/jobs/:name/outputs/:output/files/*': read('read job outputs'),
  'GET /api/jobs/:name/events': read('follow jobs'),
  'GET /api/computes/:name/queue': read('read compute queues'),
  'GET /api/computes/:name/nodes': read('read compute nodes'),
  'POST /api/tokens': administer('create tokens'),
  'GET /api/tokens': administer('list tokens'),
  'DELETE /api/tokens/:name': administer('revoke tokens'),
  'POST /api/secrets/datastores/:name/:key': administer('store datastore credentials'),
  'POST /api/secrets/computes/:name/:key': administer('store compute credentials'),
  'POST /api/online-endpoints': use('create online endpoints'),
  'GET /api/online-endpoints': read('list online endpoints'),
  'GET /api/online-endpoints/:name': read('read online endpoints'),
  'PATCH /api/online-endpoints/:name': use('update online endpoints'),
  'DELETE /api/online-endpoints/:name': use('delete online endpoints'),
  'GET /api/online-endpoints/:name/credentials': use('read endpoint keys'),
  'POST /api/online-endpoints/:name/regenerate-keys': use('regenerate endpoint keys'),
  'POST /api/online-deployments': use('deploy models'),
  'PATCH /api/online-deployments': use('update deployments'),
  'GET /api/online-endpoints/:name/deployments': read('list deployments'),
  'GET /api/online-endpoints/:name/deployments/:deployment': read('read deployments'),
  'DELETE /api/online-endpoints/:name/deployments/:deployment': use('delete deployments'),
  'GET /api/online-endpoints/:name/deployments/:deployment/logs': read('read deployment logs'),
  'POST /api/batch-endpoints': use('create batch endpoints'),
  'GET /api/batch-endpoints': read('list batch endpoints'),
  'GET /api/batch-endpoints/:name': read('read batch endpoints'),
  'PATCH /api/batch-endpoints/:name': use('update batch endpoints'),
  'DELETE /api/batch-endpoints/:name': use('delete batch endpoints'),
  'GET /api/batch-endpoints/:name/jobs': read('list the jobs of batch endpoints'),
  'POST /api/batch-endpoints/:name/invoke': use('invoke batch endpoints'),
  'POST /api/batch-deployments': use('create batch deployments'),
  'GET /api/batch-endpoints/:endpoint/deployments': read('list batch deployments'),
  'GET /api/batch-endpoints/:endpoint/deployments/:name': read('read batch deployments'),
  'PATCH /api/batch-endpoints/:endpoint/deployments/:name': use('update batch deployments'),
  'GET /api/batch-endpoints/:endpoint/deployments/:name/jobs': read('list the jobs of batch deployments'),
  'DELETE /api/batch-endpoints/:endpoint/deployments/:name': use('delete batch deployments'),
};

/** MLflow's POST endpoints that only read. */
const TRACKING_READS = new Set(['/mlflow/runs/search', '/mlflow/experiments/search', '/mlflow/experiments/search-datasets', '/mlflow/registered-models/get-latest-versions']);

/** The MLflow REST endpoints core/tracking registers under `/api/2.0` (and, with the UI's own, `/ajax-api/2.0`). */
const MLFLOW_ENDPOINTS = [
  'POST /mlflow/experiments/create', 'GET /mlflow/experiments/get', 'GET /mlflow/experiments/get-by-name', 'GET /mlflow/experiments/search',
  'POST /mlflow/experiments/search', 'POST /mlflow/experiments/update', 'POST /mlflow/experiments/delete', 'POST /mlflow/experiments/restore',
  'POST /mlflow/experiments/set-experiment-tag',
  'POST /mlflow/runs/create', 'GET /mlflow/runs/get', 'POST /mlflow/runs/update', 'POST /mlflow/runs/delete', 'POST /mlflow/runs/restore',
  'POST /mlflow/runs/search', 'POST /mlflow/runs/log-metric', 'POST /mlflow/runs/log-parameter', 'POST /mlflow/runs/set-tag',
  'POST /mlflow/runs/delete-tag', 'POST /mlflow/runs/log-batch', 'POST /mlflow/runs/log-inputs', 'POST /mlflow/runs/log-model',
  'GET /mlflow/metrics/get-history', 'GET /mlflow/artifacts/list', 'GET /mlflow/get-artifact',
  'POST /mlflow/registered-models/create', 'GET /mlflow/registered-models/get', 'POST /mlflow/registered-models/rename',
  'PATCH /mlflow/registered-models/update', 'DELETE /mlflow/registered-models/delete', 'GET /mlflow/registered-models/search',
  'GET /mlflow/registered-models/get-latest-versions', 'POST /mlflow/registered-models/get-latest-versions',
  'POST /mlflow/registered-models/set-tag', 'DELETE /mlflow/registered-models/delete-tag', 'POST /mlflow/registered-models/alias',
  'DELETE /mlflow/registered-models/alias', 'GET /mlflow/registered-models/alias',
  'POST /mlflow/model-versions/create', 'GET /mlflow/model-versions/get', 'PATCH /mlflow/model-versions/update',
  'DELETE /mlflow/model-versions/delete', 'POST /mlflow/model-versions/transition-stage', 'GET /mlflow/model-versions/search',
  'GET /mlflow/model-versions/get-download-uri', 'POST /mlflow/model-versions/set-tag', 'DELETE /mlflow/model-versions/delete-tag',
];

/** The MLflow UI's own endpoints (`/ajax-api/2.0` only). */
const MLFLOW_UI_ENDPOINTS = [
  'GET /mlflow/metrics/get-history-bulk', 'GET /mlflow/metrics/get-history-bulk-interval', 'POST /mlflow/experiments/search-datasets',
  'POST /mlflow/runs/create-promptlab-run', 'POST /mlflow/upload-artifact',
];

/** MLflow's artifact proxy and its downloads outside the API prefix. */
const MLFLOW_OTHER: Record<string, RoutePermission> = {
  'GET /api/2.0/mlflow-artifacts/artifacts': { rule: read('read artifacts'), runToken: true },
  'GET /api/2.0/mlflow-artifacts/artifacts/*': { rule: read('read artifacts'), runToken: true },
  'PUT /api/2.0/mlflow-artifacts/artifacts/*': { rule: use('write artifacts'), runToken: true },
  'DELETE /api/2.0/mlflow-artifacts/artifacts/*': { rule: use('delete artifacts'), runToken: true },
  'GET /get-artifact': { rule: read('read artifacts'), runToken: false },
  'GET /model-versions/get-artifact': { rule: read('read model files'), runToken: false },
  'GET //model-versions/get-artifact': { rule: read('read model files'), runToken: false },
};

function trackingEntry(route: string, prefix: string, runToken: boolean): [string, RoutePermission] {
  const [method, path] = route.split(' ') as [string, string];
  const reads = method === 'GET' || TRACKING_READS.has(path);
  const rule = reads ? read('read tracking data') : use(`change tracking data (${method} ${path.slice('/mlflow/'.length)})`);
  return [`${method} ${prefix}${path}`, { rule, runToken }];
}

/** Every route of the workspace API and what it needs. A route missing here is refused when it is registered. */
export const ROUTE_TABLE: ReadonlyMap<string, RoutePermission> = new Map([
  ...Object.entries(CONTROL_PLANE).map(([route, rule]): [string, RoutePermission] => [route, { rule, runToken: false }]),
  ...MLFLOW_ENDPOINTS.map((route) => trackingEntry(route, '/api/2.0', true)),
  ...[...MLFLOW_ENDPOINTS, ...MLFLOW_UI_ENDPOINTS].map((route) => trackingEntry(route, '/ajax-api/2.0', false)),
  ...Object.entries(MLFLOW_OTHER),
]);

/** What `method url` needs (HEAD as GET), or undefined for a route nobody declared. */
export function permissionOf(method: string, url: string): RoutePermission | undefined {
  return ROUTE_TABLE.get(`${method === 'HEAD' ? 'GET' : method} ${url}`);
}

export function requirementOf(permission: RoutePermission, params: unknown): Requirement {
  return typeof permission.rule === 'function' ? permission.rule((params ?? {}) as Record<string, string | undefined>) : permission.rule;
}
