import * as vscode from 'vscode';

/** What a view needs from the refresh manager. */
export interface RefreshTarget {
  refresh(): void;
}

/**
 * Refreshes a view when its data changed (an event on the workspace stream): changes are merged over `delayMs()`,
 * and a hidden view only records that it is stale and refreshes when it becomes visible.
 */
export class RefreshManager implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;
  private stale = false;
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
    if (!this.view.visible) {
      this.stale = true;
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => this.refreshNow(), this.delayMs());
  }

  refreshNow(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.stale = false;
    this.target.refresh();
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.subscriptions.forEach((s) => s.dispose());
  }
}
