import * as vscode from 'vscode';
import type { JobDetail } from '../../core/vocabulary';
import type { ControlPlaneConnection } from '../control-plane/connection';
import type { JobViewMessage, JobViewRequest } from './job-view-messages';
import { jobPageHtml } from '../webview-host/job-page';

/** A webview over one job's detail (a pipeline's graph, a sweep's trials): how it is built and drawn. */
export interface JobViewKind<View> {
  viewType: string;
  /** `Pipeline` → the panel's title `Pipeline: <job>`. */
  title: string;
  /** The webview's script and style in `out/`. */
  script: string;
  style: string;
  /** Whether the page loads uPlot. */
  uplot: boolean;
  /** The page's body before the first view arrives (the script fills it). */
  body: string;
  /** The view of the job's detail at `now`; a string says why the job has none (e.g. it is not a pipeline). */
  shape(detail: JobDetail, now: number): View | string;
  /** Whether the view changes with time alone (running durations): it is re-shaped every second. */
  ticking(detail: JobDetail): boolean;
}

const REFETCH_DELAY_MS = 100;
const TICK_MS = 1000;

/**
 * One panel per job. It fetches the job's detail when opened and again when a status event of the job or one of its
 * steps or trials arrives on the workspace event stream (merged over 100 ms), and after a reconnect. Scripts and
 * styles come from the extension only (strict CSP); a click on a step or trial offers its logs and outputs.
 */
export class JobViewPanels<View> implements vscode.Disposable {
  private readonly panels = new Map<string, vscode.WebviewPanel>();

  constructor(private readonly extensionUri: vscode.Uri, private readonly connection: ControlPlaneConnection, private readonly log: vscode.LogOutputChannel, private readonly kind: JobViewKind<View>) {}

  show(job: string): void {
    const existing = this.panels.get(job);
    if (existing) return existing.reveal();
    const assets = vscode.Uri.joinPath(this.extensionUri, 'out');
    const panel = vscode.window.createWebviewPanel(this.kind.viewType, `${this.kind.title}: ${job}`, vscode.ViewColumn.Beside, { enableScripts: true, localResourceRoots: [assets], retainContextWhenHidden: true });
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'mlw.svg');
    panel.webview.html = this.html(panel.webview, assets, job);
    this.panels.set(job, panel);
    let detail: JobDetail | undefined;
    let timer: NodeJS.Timeout | undefined;
    let fetching: Promise<void> | undefined;
    const post = (message: JobViewMessage<View>): void => void panel.webview.postMessage(message);
    const draw = (): void => {
      if (!detail) return;
      const view = this.kind.shape(detail, Date.now());
      post(typeof view === 'string' ? { type: 'error', message: view } : { type: 'view', view });
    };
    // A change seen while a fetch is in flight fetches again once it ends, so the last change is always shown.
    let fetchAgain = false;
    const fetch = async (): Promise<void> => {
      if (fetching) return void (fetchAgain = true);
      fetching = (async () => {
        try {
          const api = await this.connection.client();
          detail = await api.jobs.get(job);
          draw();
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          this.log.warn(`${this.kind.viewType} ${job}: ${message}`);
          post({ type: 'error', message });
        }
      })();
      await fetching;
      fetching = undefined;
      if (fetchAgain && this.panels.get(job) === panel) (fetchAgain = false), void fetch();
    };
    const refetchSoon = (): void => {
      timer ??= setTimeout(() => {
        timer = undefined;
        void fetch();
      }, REFETCH_DELAY_MS);
    };
    const ticker = setInterval(() => detail && this.kind.ticking(detail) && panel.visible && draw(), TICK_MS);
    const subscriptions = [
      this.connection.onWorkspaceEvent((event) => {
        if (event.type === 'status' && (event.job === job || event.parent === job)) refetchSoon();
      }),
      this.connection.onDidChangeState((state) => state.kind === 'connected' && refetchSoon()),
      panel.webview.onDidReceiveMessage((request: JobViewRequest) => {
        if (request.type === 'ready') void (detail ? draw() : fetch());
        else if (request.type === 'open') void offerJob(request);
      }),
    ];
    panel.onDidDispose(() => {
      clearTimeout(timer);
      clearInterval(ticker);
      subscriptions.forEach((s) => s.dispose());
      this.panels.delete(job);
    });
  }

  private html(webview: vscode.Webview, assets: vscode.Uri, job: string): string {
    return jobPageHtml(webview, assets, {
      title: this.kind.title,
      job,
      styles: [...(this.kind.uplot ? ['uPlot.min.css'] : []), this.kind.style],
      scripts: [...(this.kind.uplot ? ['uPlot.iife.min.js'] : []), this.kind.script],
      body: `<p id="message" class="empty">Loading…</p>\n${this.kind.body}`,
    });
  }

  dispose(): void {
    for (const panel of this.panels.values()) panel.dispose();
  }
}

/** A step or trial clicked in a webview: its logs, its metrics, or (once it ended) its outputs. */
async function offerJob(request: Extract<JobViewRequest, { type: 'open' }>): Promise<void> {
  const actions = [
    { label: '$(output) Show Logs', command: 'mlw.job.showLogs' },
    { label: '$(graph-line) Show Metrics', command: 'mlw.job.showMetrics' },
    ...(request.hasOutputs ? [{ label: '$(folder-opened) Open Outputs', command: 'mlw.job.openOutputs' }] : []),
  ];
  const picked = await vscode.window.showQuickPick(actions, { title: `${request.label} (${request.job})` });
  if (picked) await vscode.commands.executeCommand(picked.command, request.job);
}
