import * as vscode from 'vscode';

/** What a view needs from the refresh manager. */
export interface RefreshTarget {
  refresh(): void;
}

/**
 * Refreshes a view when its data changed: changes are merged over `delayMs()`, and a hidden view only records
 * that it is stale and refreshes when it becomes visible. `pollMs` adds a slow poll while visible, for data that
 * has no event on the workspace stream.
 */
export class RefreshManager implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;
  private poll: NodeJS.Timeout | undefined;
  private stale = false;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly view: Pick<vscode.TreeView<unknown>, 'visible' | 'onDidChangeVisibility'>,
    private readonly target: RefreshTarget,
    private readonly delayMs: () => number,
    private readonly pollMs?: number,
  ) {
    this.subscriptions.push(
      view.onDidChangeVisibility(({ visible }) => {
        if (visible && this.stale) this.refreshNow();
        this.schedulePoll();
      }),
    );
    this.schedulePoll();
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

  private schedulePoll(): void {
    clearInterval(this.poll);
    this.poll = undefined;
    if (this.pollMs && this.view.visible) this.poll = setInterval(() => this.changed(), this.pollMs);
  }

  dispose(): void {
    clearTimeout(this.timer);
    clearInterval(this.poll);
    this.subscriptions.forEach((s) => s.dispose());
  }
}
