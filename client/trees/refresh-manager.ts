import * as vscode from 'vscode';

/** What a view needs from the refresh manager. */
export interface RefreshTarget {
  refresh(): void;
  /** Reloads only the children of these nodes. */
  refreshChildren?(nodeIds: Iterable<string>): void;
}

/**
 * Refreshes a view when its data changed (an event on the workspace stream): changes are merged over `delayMs()`,
 * and a hidden view only records that it is stale and refreshes when it becomes visible.
 */
export class RefreshManager implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;
  private stale = false;
  /** Nodes whose children changed since the last refresh (a whole-view change covers them). */
  private readonly staleChildren = new Set<string>();
  private wholeViewChanged = false;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly view: Pick<vscode.TreeView<unknown>, 'visible' | 'onDidChangeVisibility'>,
    private readonly target: RefreshTarget,
    private readonly delayMs: () => number,
  ) {
    this.subscriptions.push(
      view.onDidChangeVisibility(({ visible }) => {
        if (visible && this.stale) this.refreshNow();
      }),
    );
  }

  /** Something the view shows may have changed. */
  changed(): void {
    this.wholeViewChanged = true;
    this.schedule();
  }

  /** Only the children of this node may have changed (a hidden view still reloads whole when shown). */
  childrenChanged(nodeId: string): void {
    if (!this.target.refreshChildren) return this.changed();
    this.staleChildren.add(nodeId);
    this.schedule();
  }

  private schedule(): void {
    if (!this.view.visible) {
      this.stale = true;
      return;
    }
    this.timer ??= setTimeout(() => (this.wholeViewChanged ? this.refreshNow() : this.refreshChildrenNow()), this.delayMs());
  }

  refreshNow(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.stale = false;
    this.wholeViewChanged = false;
    this.staleChildren.clear();
    this.target.refresh();
  }

  private refreshChildrenNow(): void {
    this.timer = undefined;
    const ids = [...this.staleChildren];
    this.staleChildren.clear();
    this.target.refreshChildren?.(ids);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.subscriptions.forEach((s) => s.dispose());
  }
}
