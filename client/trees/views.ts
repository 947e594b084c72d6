import * as vscode from 'vscode';
import type { ApiClient } from '../../core/api/client';
import type { JobEvent } from '../../core/api/contracts';
import type { Config } from '../config';
import type { ControlPlaneConnection } from '../control-plane/connection';
import { assetLoader, loadComputes, loadEndpointSpecs, loadEnvironments, loadJobs } from './loaders';
import { RefreshManager } from './refresh-manager';
import { ResourceTreeProvider, type TreeLoader } from './resource-tree-provider';
import { UntrustedWorkspaceError, type TreeNode } from './tree-node';

export type ViewId = 'mlw.compute' | 'mlw.datastores' | 'mlw.data' | 'mlw.environments' | 'mlw.models' | 'mlw.components' | 'mlw.jobs' | 'mlw.endpoints';

interface ViewSpec {
  id: ViewId;
  load: TreeLoader;
  /** Which workspace events change it (asset registrations have no event: those views also poll while visible). */
  changedBy: (event: JobEvent) => boolean;
  pollMs?: number;
}

const ASSET_POLL_MS = 10_000;
const onStatus = (event: JobEvent): boolean => event.type === 'status';
const never = (): boolean => false;

const VIEWS: ViewSpec[] = [
  { id: 'mlw.compute', load: loadComputes, changedBy: onStatus, pollMs: ASSET_POLL_MS },
  { id: 'mlw.datastores', load: assetLoader('datastore'), changedBy: never, pollMs: ASSET_POLL_MS },
  { id: 'mlw.data', load: assetLoader('data'), changedBy: onStatus, pollMs: ASSET_POLL_MS },
  { id: 'mlw.environments', load: loadEnvironments, changedBy: never, pollMs: ASSET_POLL_MS },
  { id: 'mlw.models', load: assetLoader('model'), changedBy: onStatus, pollMs: ASSET_POLL_MS },
  { id: 'mlw.components', load: assetLoader('component'), changedBy: never, pollMs: ASSET_POLL_MS },
  { id: 'mlw.jobs', load: loadJobs, changedBy: onStatus },
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
    for (const spec of VIEWS) this.add(spec.id, new ResourceTreeProvider(connect, spec.load, log, spec.id), delay, spec.pollMs);
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
      }),
      connection.onDidChangeState((state) => {
        // An error node is replaced once the control plane answers again, and the content by one when it is lost.
        const recovered = state.kind === 'connected' && previous === 'failed';
        previous = state.kind;
        if (recovered || state.kind === 'failed') for (const spec of VIEWS) this.changed(spec.id);
      }),
    );
  }

  private add(id: ViewId, provider: ResourceTreeProvider, delay: () => number, pollMs?: number): void {
    const view = vscode.window.createTreeView(id, { treeDataProvider: provider, showCollapseAll: id === 'mlw.jobs' });
    this.providers.set(id, provider);
    this.managers.set(id, new RefreshManager(view, provider, delay, pollMs));
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
