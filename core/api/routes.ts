import type { AssetKind } from '../vocabulary';

/**
 * The paths of the control plane's routes (core/api/server.ts) and of the tracking routes its clients read
 * (core/tracking), as `ApiClient` requests them: every name is encoded here, once.
 */
const segment = encodeURIComponent;

/** `?a=1&b=2` of the values given (undefined, '' and false are left out), or '' when there are none. */
function query(values: Record<string, string | number | boolean | undefined>): string {
  const defined = Object.entries(values).filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined && entry[1] !== '' && entry[1] !== false);
  return defined.length ? `?${new URLSearchParams(defined.map(([key, value]) => [key, String(value)]))}` : '';
}

export const routes = {
  health: () => '/api/health',
  shutdown: () => '/api/shutdown',
  workspaceEvents: () => '/api/events',

  jobs: (filter: { parent?: string } = {}) => `/api/jobs${query({ parent: filter.parent })}`,
  job: (name: string) => `/api/jobs/${segment(name)}`,
  jobCancel: (name: string) => `/api/jobs/${segment(name)}/cancel`,
  jobLog: (name: string) => `/api/jobs/${segment(name)}/logs`,
  /** `file` is a path inside the output (`a/b.txt`): each of its parts is encoded, its slashes kept. */
  jobOutputFile: (name: string, output: string, file: string) => `/api/jobs/${segment(name)}/outputs/${segment(output)}/files/${file.split('/').map(segment).join('/')}`,
  jobEvents: (name: string, options: { children?: boolean } = {}) => `/api/jobs/${segment(name)}/events${query({ children: options.children })}`,

  assets: (filter: { kind?: AssetKind; name?: string; archived?: boolean } = {}) => `/api/assets${query(filter)}`,
  assetRegister: (kind: AssetKind) => `/api/assets/${segment(kind)}`,
  asset: (kind: AssetKind, name: string, version?: string) => `/api/assets/${segment(kind)}/${segment(name)}${query({ version })}`,
  assetArchive: (kind: AssetKind, name: string, version?: string) => `/api/assets/${segment(kind)}/${segment(name)}/archive${query({ version })}`,
  environmentImage: (name: string, version?: string) => `/api/assets/environment/${segment(name)}/image${query({ version })}`,
  computeQueue: (name: string) => `/api/computes/${segment(name)}/queue`,
  computeNodes: (name: string) => `/api/computes/${segment(name)}/nodes`,
  datastoreSecret: (datastore: string, key: string) => `/api/secrets/datastores/${segment(datastore)}/${segment(key)}`,

  onlineEndpoints: () => '/api/online-endpoints',
  onlineEndpoint: (name: string) => `/api/online-endpoints/${segment(name)}`,
  onlineEndpointCredentials: (name: string) => `/api/online-endpoints/${segment(name)}/credentials`,
  onlineEndpointRegenerateKeys: (name: string) => `/api/online-endpoints/${segment(name)}/regenerate-keys`,
  onlineDeployments: () => '/api/online-deployments',
  onlineEndpointDeployments: (endpoint: string) => `/api/online-endpoints/${segment(endpoint)}/deployments`,
  onlineDeployment: (endpoint: string, name: string) => `/api/online-endpoints/${segment(endpoint)}/deployments/${segment(name)}`,
  onlineDeploymentLogs: (endpoint: string, name: string, lines?: number) => `/api/online-endpoints/${segment(endpoint)}/deployments/${segment(name)}/logs${query({ lines })}`,
  batchEndpoints: () => '/api/batch-endpoints',
  batchEndpoint: (name: string) => `/api/batch-endpoints/${segment(name)}`,
  batchEndpointInvoke: (name: string) => `/api/batch-endpoints/${segment(name)}/invoke`,
  batchEndpointJobs: (name: string) => `/api/batch-endpoints/${segment(name)}/jobs`,
  batchDeploymentCreate: () => '/api/batch-deployments',
  batchDeployments: (endpoint: string) => `/api/batch-endpoints/${segment(endpoint)}/deployments`,
  batchDeployment: (endpoint: string, name: string) => `/api/batch-endpoints/${segment(endpoint)}/deployments/${segment(name)}`,
  batchDeploymentJobs: (endpoint: string, name: string) => `/api/batch-endpoints/${segment(endpoint)}/deployments/${segment(name)}/jobs`,

  whoami: () => '/api/whoami',
  workspace: () => '/api/workspace',
  workspaceRegistry: () => '/api/workspace/registry',
  tokens: () => '/api/tokens',
  token: (name: string) => `/api/tokens/${segment(name)}`,

  trackingRun: (runId: string) => `/api/2.0/mlflow/runs/get${query({ run_id: runId })}`,
  trackingMetricHistory: (runId: string, key: string, page: { maxResults?: number; pageToken?: string } = {}) =>
    `/api/2.0/mlflow/metrics/get-history${query({ run_id: runId, metric_key: key, max_results: page.maxResults, page_token: page.pageToken })}`,
} as const;
