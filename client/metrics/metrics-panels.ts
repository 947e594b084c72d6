import * as vscode from 'vscode';
import type { JobEvent } from '../../core/vocabulary';
import type { ControlPlaneConnection } from '../control-plane/connection';
import type { MetricsMessage, MetricsRequest } from './metrics-messages';
import { jobPageHtml } from '../webview-host/job-page';

const FLUSH_MS = 50;

/**
 * One webview per job charting its metrics with uPlot, live: once the page says it listens, the panel follows the
 * job's event stream from its start and posts metric points in small batches. Scripts and styles come from the extension only (strict CSP).
 */
export class MetricsPanels implements vscode.Disposable {
  private readonly panels = new Map<string, vscode.WebviewPanel>();

  constructor(private readonly extensionUri: vscode.Uri, private readonly connection: ControlPlaneConnection, private readonly log: vscode.LogOutputChannel) {}

  show(job: string): void {
    const existing = this.panels.get(job);
    if (existing) {
      existing.reveal();
      return;
    }
    const assets = vscode.Uri.joinPath(this.extensionUri, 'out');
    const panel = vscode.window.createWebviewPanel('mlw.metrics', `Metrics: ${job}`, vscode.ViewColumn.Beside, { enableScripts: true, localResourceRoots: [assets], retainContextWhenHidden: true });
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'mlw.svg');
    panel.webview.html = this.html(panel.webview, assets, job);
    this.panels.set(job, panel);
    // The stream starts once the page listens, and starts over if the page loads again.
    let abort: AbortController | undefined;
    panel.webview.onDidReceiveMessage((request: MetricsRequest) => {
      if (request.type !== 'ready') return;
      abort?.abort();
      abort = new AbortController();
      void this.stream(job, panel.webview, abort.signal);
    });
    panel.onDidDispose(() => {
      abort?.abort();
      this.panels.delete(job);
    });
  }

  private async stream(job: string, webview: vscode.Webview, signal: AbortSignal): Promise<void> {
    let pending: { key: string; step: number; value: number }[] = [];
    let timer: NodeJS.Timeout | undefined;
    const post = (message: MetricsMessage): void => void webview.postMessage(message);
    const flush = (): void => {
      timer = undefined;
      if (pending.length === 0) return;
      post({ type: 'points', points: pending });
      pending = [];
    };
    post({ type: 'reset', job });
    let lastSeq = 0;
    // A stream lost for good (the control plane stopped) is followed again from the last point once it is back.
    while (!signal.aborted) {
      try {
        const api = await this.connection.client();
        await api.jobs.events(
          job,
          (event: JobEvent) => {
            lastSeq = event.seq;
            if (event.type === 'metric') {
              pending.push({ key: event.key, step: event.step, value: event.value });
              timer ??= setTimeout(flush, FLUSH_MS);
            } else if (event.type === 'status') {
              flush();
              post({ type: 'status', status: event.status });
            }
          },
          { signal, after: lastSeq },
        );
        clearTimeout(timer);
        flush();
        return;
      } catch (error) {
        if (signal.aborted) return;
        this.log.warn(`metrics of ${job}: ${error instanceof Error ? error.message : String(error)}; resumes when the control plane is back`);
        await this.reconnected(signal);
      }
    }
  }

  private reconnected(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        listener.dispose();
        signal.removeEventListener('abort', done);
        resolve();
      };
      const listener = this.connection.onDidChangeState((state) => state.kind === 'connected' && done());
      signal.addEventListener('abort', done);
    });
  }

  private html(webview: vscode.Webview, assets: vscode.Uri, job: string): string {
    return jobPageHtml(webview, assets, {
      title: 'Metrics',
      job,
      styles: ['uPlot.min.css', 'metrics-webview.css'],
      scripts: ['uPlot.iife.min.js', 'metrics-webview.js'],
      body: '<p id="empty" class="empty">No metrics yet. Points appear here as the job logs them.</p>\n<main id="charts"></main>',
    });
  }

  dispose(): void {
    for (const panel of this.panels.values()) panel.dispose();
  }
}
