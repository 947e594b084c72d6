import * as vscode from 'vscode';
import type { ApiClient } from '../../core/api/client';
import type { EnvironmentImage } from '../../core/api/contracts';
import type { AssetKind, AssetSummary } from '../../core/vocabulary';
import { workspaceSpecs } from '../editor/workspace-specs';
import { assetsTree, environmentExtras, mergeExtras, queueExtras, type AssetExtras } from './assets-model';
import { nodesExtras } from './nodes-model';
import { endpointsTree, type EndpointSpecFile } from './endpoints-model';
import { childJobsTree, jobsTree } from './jobs-model';
import { withApi, type ChildLoader, type TreeLoader } from './resource-tree-provider';

/** Runs `/api/computes/local/…` even before any compute is registered: the control plane always has it. */
const BUILTIN_COMPUTE: AssetSummary = { kind: 'compute', name: 'local', version: '', createdAt: '', archived: false };

export const loadJobs: TreeLoader = withApi(async (api) => jobsTree(await api.jobs.list(), Date.now()));

/** The steps of a pipeline or the trials of a sweep. */
export const loadJobChildren: ChildLoader = async (node, connect) => {
  if (node.resource.type !== 'job' || !node.resource.jobType) return [];
  const parent = { name: node.resource.job, type: node.resource.jobType };
  const api = await connect();
  return childJobsTree(parent, await listChildJobs(api, parent.name), Date.now());
};

export function listChildJobs(api: ApiClient, parent: string): ReturnType<ApiClient['jobs']['list']> {
  return api.jobs.list({ parent });
}

export function assetLoader(kind: Exclude<AssetKind, 'compute' | 'environment'>): TreeLoader {
  return withApi(async (api) => assetsTree(kind, await listAssets(api, kind)));
}

export const loadComputes: TreeLoader = withApi(async (api) => {
  const computes = await listAssets(api, 'compute');
  if (!computes.some((c) => c.name === BUILTIN_COMPUTE.name)) computes.unshift(BUILTIN_COMPUTE);
  const queues = new Map<string, AssetExtras>();
  const nodes = new Map<string, AssetExtras>();
  await Promise.all(
    computes.map(async (compute) => {
      const [queue, detail] = await Promise.all([
        api.computes.queue(compute.name).catch(() => undefined),
        compute === BUILTIN_COMPUTE ? undefined : api.assets.get('compute', compute.name).catch(() => undefined),
      ]);
      if (queue) queues.set(compute.name, queueExtras(queue));
      if (detail?.spec.type === 'swarm') nodes.set(compute.name, nodesExtras(compute.name, await api.computes.nodes(compute.name).then((answer) => answer.nodes, (error: Error) => error.message)));
    }),
  );
  return assetsTree('compute', computes, (compute) => mergeExtras(queues.get(compute.name), nodes.get(compute.name)));
});

export const loadEnvironments: TreeLoader = withApi(async (api) => {
  const environments = await listAssets(api, 'environment');
  const specs = new Map<string, Record<string, unknown>>();
  const images = new Map<string, EnvironmentImage | string>();
  await Promise.all(
    environments.map(async (env) => {
      const key = `${env.name}:${env.version}`;
      const [detail, image] = await Promise.all([
        api.assets.get('environment', env.name, env.version).catch(() => undefined),
        api.environments.image(env.name, env.version).catch((error: Error) => error.message),
      ]);
      if (detail) specs.set(key, detail.spec);
      images.set(key, image);
    }),
  );
  return assetsTree('environment', environments, (env) => environmentExtras(specs.get(`${env.name}:${env.version}`), images.get(`${env.name}:${env.version}`)));
});

/** The endpoints the control plane serves (when it can be reached) and the workspace's endpoint and deployment specs. */
export const loadEndpointSpecs: TreeLoader = async (connect) => {
  const specs: EndpointSpecFile[] = [];
  for (const { uri: file, kind: { kind } } of await workspaceSpecs()) {
    if (kind.startsWith('endpoint/') || kind.startsWith('deployment/')) specs.push({ path: file.fsPath, relative: vscode.workspace.asRelativePath(file), kind, uri: file });
  }
  // Spec files are listed even when the control plane cannot be reached (or the workspace is not trusted).
  const endpoints = await connect().then((api) => api.onlineEndpoints.list().then(async (list) => ({ list, deployments: new Map(await Promise.all(list.map(async (e) => [e.name, await api.onlineDeployments.list(e.name)] as const))) })), () => undefined);
  return endpointsTree(endpoints?.list ?? [], endpoints?.deployments ?? new Map(), specs);
};

async function listAssets(api: ApiClient, kind: AssetKind): Promise<AssetSummary[]> {
  return api.assets.list({ kind });
}
