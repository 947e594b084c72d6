import * as vscode from 'vscode';
import { isTerminal, type JobStatus, type JobSummary } from '../core/vocabulary';
import type { ConnectionState, ControlPlaneConnection } from './control-plane/connection';

/** The control plane's state (local, the remote URL, or stopped) and the number of running jobs. */
export class ControlPlaneStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('mlw.controlPlane', vscode.StatusBarAlignment.Left, 10);
  private readonly active = new Map<string, JobStatus>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly connection: ControlPlaneConnection) {
    this.item.name = 'mlw control plane';
    this.subscriptions.push(
      connection.onDidChangeState((state) => {
        if (state.kind === 'connected') void this.seed();
        this.render(state);
      }),
      connection.onWorkspaceEvent((event) => {
        if (event.type !== 'status') return;
        if (isTerminal(event.status)) this.active.delete(event.job);
        else this.active.set(event.job, event.status);
        this.render(connection.state);
      }),
    );
    this.render(connection.state);
    this.item.show();
  }

  /** The active jobs when the connection is made; events keep the count current afterwards. */
  private async seed(): Promise<void> {
    const api = await this.connection.client();
    const jobs = await api.jobs.list().catch((): JobSummary[] => []);
    this.active.clear();
    for (const job of jobs) if (!isTerminal(job.status)) this.active.set(job.name, job.status);
    this.render(this.connection.state);
  }

  private render(state: ConnectionState): void {
    const running = [...this.active.values()].filter((status) => status !== 'Queued').length;
    const queued = this.active.size - running;
    const jobs = this.active.size ? ` · ${running} running${queued ? `, ${queued} queued` : ''}` : '';
    switch (state.kind) {
      case 'connected':
        this.item.text = `$(${state.mode === 'remote' ? 'remote' : 'server-process'}) mlw: ${state.mode === 'remote' ? state.label : 'local'}${jobs}`;
        this.item.tooltip = `mlw control plane ${state.health.version} at ${state.label} (pid ${state.health.pid})\n${state.health.workspace}`;
        this.item.command = 'mlw.controlPlane.showLog';
        this.item.backgroundColor = undefined;
        break;
      case 'connecting':
        this.item.text = '$(sync~spin) mlw: connecting';
        this.item.tooltip = 'Connecting to the control plane';
        this.item.command = 'mlw.controlPlane.showLog';
        this.item.backgroundColor = undefined;
        break;
      case 'failed':
        this.item.text = '$(debug-disconnect) mlw: stopped';
        this.item.tooltip = `${state.message}\nClick to reconnect.`;
        this.item.command = 'mlw.controlPlane.reconnect';
        this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
        break;
      case 'idle':
        this.item.text = `$(circle-outline) mlw: ${this.connection.localDaemonPublished ? 'not connected' : 'stopped'}`;
        this.item.tooltip = 'The control plane starts when a view or a command needs it. Click to connect.';
        this.item.command = 'mlw.controlPlane.reconnect';
        this.item.backgroundColor = undefined;
        break;
    }
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
    this.item.dispose();
  }
}
