import * as vscode from 'vscode';
import type { ApiClient } from '../../core/api/client';
import type { AssetKind, JobEvent } from '../../core/vocabulary';
import type { Config } from '../config';
import type { ControlPlaneConnection } from '../control-plane/connection';
import { assetLoader, loadComputes, loadEndpointSpecs, loadEnvironments, loadJobChildren, loadJobs } from './loaders';
import { RefreshManager } from './refresh-manager';
import { ResourceTreeProvider, type TreeLoader } from './resource-tree-provider';
import { UntrustedWorkspaceError, type TreeNode } from './tree-node';

export type ViewId = 'mlw.compute' | 'mlw.datastores' | 'mlw.data' | 'mlw.environments' | 'mlw.models' | 'mlw.components' | 'mlw.jobs' | 'mlw.endpoints';

/** The view listing each asset kind. */
export const ASSET_VIEWS: Readonly<Record<AssetKind, ViewId>> = { compute: 'mlw.compute', datastore: 'mlw.datastores', data: 'mlw.data', environment: 'mlw.environments', model: 'mlw.models', component: 'mlw.components' };

interface ViewSpec {
  id: ViewId;
  load: TreeLoader;
  /** Which workspace events change it: job status changes, asset registrations and archives. */
  changedBy: (event: JobEvent) => boolean;
}

const onStatus = (event: JobEvent): boolean => event.type === 'status';
const onAsset = (kind: AssetKind) => (event: JobEvent): boolean => event.type === 'asset' && event.kind === kind;
const either = (...tests: ((event: JobEvent) => boolean)[]) => (event: JobEvent): boolean => tests.some((test) => test(event));

const VIEWS: ViewSpec[] = [
  { id: 'mlw.compute', load: loadComputes, changedBy: either(onStatus, onAsset('compute')) },
  { id: 'mlw.datastores', load: assetLoader('datastore'), changedBy: onAsset('datastore') },
  { id: 'mlw.data', load: assetLoader('data'), changedBy: onAsset('data') },
  // A job's start can build an environment's image.
  { id: 'mlw.environments', load: loadEnvironments, changedBy: either(onStatus, onAsset('environment')) },
  { id: 'mlw.models', load: assetLoader('model'), changedBy: onAsset('model') },
  { id: 'mlw.components', load: assetLoader('component'), changedBy: onAsset('component') },
  // A step's or trial's status reloads only its parent's children (below).
  { id: 'mlw.jobs', load: loadJobs, changedBy: (event) => event.type === 'status' && !event.parent },
];

/** The mlw activity-bar views, refreshed from the workspace event stream while visible. */
export class MlwViews implements vscode.Disposable {
  private readonly providers = new Map<ViewId, ResourceTreeProvider>();
  private readonly managers = new Map<ViewId, RefreshManager>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(connection: ControlPlaneConnection, config: Config, log: vscode.LogOutputChannel) {
    // Untrusted: nothing is started or contacted; the views stay empty and show their welcome text.
    const connect = (): Promise<ApiClient> => (vscode.workspace.isTrusted ? connection.client() : Promise.reject(new UntrustedWorkspaceError()));
    const delay = (): number => config.refreshDelayMs;
    for (const spec of VIEWS) this.add(spec.id, new ResourceTreeProvider(connect, spec.load, log, spec.id, spec.id === 'mlw.jobs' ? loadJobChildren : undefined), delay);
    this.add('mlw.endpoints', new ResourceTreeProvider(connect, loadEndpointSpecs, log, 'mlw.endpoints'), delay);
    let previous = connection.state.kind;
    const yamlWatcher = vscode.workspace.createFileSystemWatcher('**/*.{yml,yaml}');
    this.disposables.push(
      yamlWatcher,
      yamlWatcher.onDidChange(() => this.changed('mlw.endpoints')),
      yamlWatcher.onDidCreate(() => this.changed('mlw.endpoints')),
      yamlWatcher.onDidDelete(() => this.changed('mlw.endpoints')),
      connection.onWorkspaceEvent((event) => {
        for (const spec of VIEWS) if (spec.changedBy(event)) this.changed(spec.id);
        if (event.type === 'status' && event.parent) this.managers.get('mlw.jobs')?.childrenChanged(`job:${event.parent}`);
        if (event.type === 'endpoint') this.changed('mlw.endpoints');
      }),
      connection.onDidChangeState((state) => {
        // An error node is replaced once the control plane answers again, and the content by one when it is lost.
        const recovered = state.kind === 'connected' && previous === 'failed';
        previous = state.kind;
        if (recovered || state.kind === 'failed') for (const spec of VIEWS) this.changed(spec.id);
      }),
    );
  }

  private add(id: ViewId, provider: ResourceTreeProvider, delay: () => number): void {
    const view = vscode.window.createTreeView(id, { treeDataProvider: provider, showCollapseAll: id === 'mlw.jobs' });
    this.providers.set(id, provider);
    this.managers.set(id, new RefreshManager(view, provider, delay));
    this.disposables.push(view, provider);
  }

  changed(id: ViewId): void {
    this.managers.get(id)?.changed();
  }

  refreshAll(): void {
    for (const manager of this.managers.values()) manager.refreshNow();
  }

  /** What the view showed at its last load. */
  shown(id: ViewId): TreeNode[] {
    return this.providers.get(id)?.lastLoaded ?? [];
  }

  dispose(): void {
    for (const manager of this.managers.values()) manager.dispose();
    this.disposables.forEach((d) => d.dispose());
  }
}
