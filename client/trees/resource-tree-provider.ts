import * as vscode from 'vscode';
import type { ApiClient } from '../../core/api/client';
import { errorNode, UntrustedWorkspaceError, type TreeNode } from './tree-node';

/** Loads a view's content as plain data; `connect` gives the control plane when the view needs it. */
export type TreeLoader = (connect: () => Promise<ApiClient>) => Promise<TreeNode[]>;

/** Loads the children of a node marked `lazyChildren` when it is expanded. */
export type ChildLoader = (node: TreeNode, connect: () => Promise<ApiClient>) => Promise<TreeNode[]>;

/** A loader that needs the control plane. */
export const withApi = (load: (api: ApiClient) => Promise<TreeNode[]>): TreeLoader => async (connect) => load(await connect());

/**
 * A view over plain `TreeNode`s. It loads lazily (on the first `getChildren`, i.e. when shown), keeps the last
 * result, and replaces the content by an error node with a retry action when the control plane is unreachable.
 */
export class ResourceTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private roots: Promise<TreeNode[]> | undefined;
  /** Lazily loaded children by parent node id; dropped on refresh. */
  private readonly lazyChildren = new Map<string, Promise<TreeNode[]>>();
  /** Set after each load; lets tests and commands read what the view shows. */
  lastLoaded: TreeNode[] = [];

  constructor(
    private readonly connect: () => Promise<ApiClient>,
    private readonly load: TreeLoader,
    private readonly log: vscode.LogOutputChannel,
    readonly viewId: string,
    private readonly loadChildren?: ChildLoader,
  ) {}

  /** Drops the cached content; the view reloads when it asks again (at once if visible). */
  refresh(): void {
    this.roots = undefined;
    this.lazyChildren.clear();
    this.changeEmitter.fire(undefined);
  }

  /** Reloads only the lazily loaded children of these nodes (those not shown are left alone). */
  refreshChildren(nodeIds: Iterable<string>): void {
    for (const id of nodeIds) {
      const node = findNode(this.lastLoaded, id);
      if (!node?.lazyChildren || !this.lazyChildren.delete(id)) continue;
      this.changeEmitter.fire(node);
    }
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const state = node.children?.length || node.lazyChildren ? (node.expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed) : vscode.TreeItemCollapsibleState.None;
    const item = new vscode.TreeItem(node.label, state);
    item.id = `${this.viewId}/${node.id}`;
    if (node.description) item.description = node.description;
    if (node.tooltip) item.tooltip = node.tooltip;
    if (node.icon) item.iconPath = new vscode.ThemeIcon(node.icon.id, node.icon.color ? new vscode.ThemeColor(node.icon.color) : undefined);
    if (node.contextValue) item.contextValue = node.contextValue;
    if (node.command) item.command = node.command;
    return item;
  }

  getChildren(node?: TreeNode): Promise<TreeNode[]> | TreeNode[] {
    if (node?.lazyChildren && this.loadChildren) {
      let children = this.lazyChildren.get(node.id);
      if (!children) this.lazyChildren.set(node.id, (children = this.loadLazyChildren(node, this.loadChildren)));
      return children;
    }
    if (node) return node.children ?? [];
    return (this.roots ??= this.loadRoots());
  }

  private async loadLazyChildren(node: TreeNode, load: ChildLoader): Promise<TreeNode[]> {
    try {
      const children = await load(node, this.connect);
      node.children = children;
      return children;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.log.warn(`${this.viewId}: children of ${node.id}: ${message}`);
      this.lazyChildren.delete(node.id);
      return [{ ...errorNode(message), id: `${node.id}/error` }];
    }
  }

  private async loadRoots(): Promise<TreeNode[]> {
    const started = performance.now();
    try {
      this.lastLoaded = await this.load(this.connect);
      this.log.trace(`${this.viewId}: ${this.lastLoaded.length} nodes in ${Math.round(performance.now() - started)} ms`);
      return this.lastLoaded;
    } catch (error) {
      if (error instanceof UntrustedWorkspaceError) return (this.lastLoaded = []);
      const message = error instanceof Error ? error.message : String(error);
      this.log.warn(`${this.viewId}: ${message}`);
      this.lastLoaded = [errorNode(message)];
      return this.lastLoaded;
    }
  }

  dispose(): void {
    this.changeEmitter.dispose();
  }
}

function findNode(nodes: readonly TreeNode[], id: string): TreeNode | undefined {
  for (const node of nodes) {
    if (node.id === id) return node;
    const found = node.children && findNode(node.children, id);
    if (found) return found;
  }
  return undefined;
}
