import * as path from 'node:path';
import * as vscode from 'vscode';
import { ApiClient } from '../../core/api/client';
import { connectWorkspace, readServeInfo, remoteClient } from '../../core/api/connect';
import type { Health } from '../../core/api/contracts';
import type { CallerRole } from '../../core/auth/roles';
import type { JobEvent } from '../../core/vocabulary';
import type { Config } from '../config';
import { remoteTokenKey } from './remote-token';

export type ConnectionState =
  | { kind: 'idle' }
  | { kind: 'connecting' }
  | { kind: 'connected'; mode: 'local' | 'remote'; label: string; health: Health; role?: CallerRole }
  | { kind: 'failed'; message: string };

const LAST_SEQ_KEY = 'mlw.workspaceEvents.lastSeq';

/**
 * The workspace's control plane: found through `.mlw/serve.json` (and started when none answers, as the CLI does),
 * or a remote `mlw serve` from the settings with its token from the secret storage. While connected it follows
 * the workspace event stream and re-emits each event; a lost stream moves the state to `failed`.
 */
export class ControlPlaneConnection implements vscode.Disposable {
  private readonly stateEmitter = new vscode.EventEmitter<ConnectionState>();
  private readonly eventEmitter = new vscode.EventEmitter<JobEvent>();
  readonly onDidChangeState = this.stateEmitter.event;
  /** Every event of the workspace stream (all jobs), live. */
  readonly onWorkspaceEvent = this.eventEmitter.event;
  private current: ConnectionState = { kind: 'idle' };
  private connecting: Promise<ApiClient> | undefined;
  private api: ApiClient | undefined;
  /** Counts drops, so a connect that finishes after one does not install its client. */
  private generation = 0;
  private streamAbort: AbortController | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    readonly root: string,
    private readonly context: Pick<vscode.ExtensionContext, 'extension' | 'extensionPath' | 'secrets' | 'workspaceState'>,
    private readonly config: Config,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions.push(this.stateEmitter, this.eventEmitter, config.onDidChange(['controlPlane.url', 'controlPlane.fingerprint'], () => void this.reconnect()));
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** Whether a local daemon has published itself (without connecting or starting anything). */
  get localDaemonPublished(): boolean {
    return readServeInfo(this.root) !== undefined;
  }

  /** The API client, connecting (and auto-starting) on first use; rejects with a message fit for the user. */
  client(): Promise<ApiClient> {
    if (this.api) return Promise.resolve(this.api);
    if (!this.connecting) {
      const attempt: Promise<ApiClient> = this.connect().finally(() => {
        if (this.connecting === attempt) this.connecting = undefined;
      });
      this.connecting = attempt;
    }
    return this.connecting;
  }

  async reconnect(): Promise<ApiClient> {
    this.drop();
    return this.client();
  }

  private async connect(): Promise<ApiClient> {
    this.setState({ kind: 'connecting' });
    const started = performance.now();
    const generation = this.generation;
    try {
      const remote = this.config.remoteUrl;
      const api = remote ? await this.connectRemote(remote) : await this.connectLocal();
      const health = await api.health().catch((error: unknown) => (api.close(), Promise.reject(error)));
      // The token's role decides which actions the editor offers; a control plane without roles answers 404.
      const role = await api.whoami().then((whoami) => whoami.role, () => undefined);
      // Dropped (reconnect, dispose) while connecting: this client is nobody's.
      if (generation !== this.generation) {
        api.close();
        throw new Error('the connection was reset while connecting');
      }
      this.api = api;
      this.log.info(`connected to ${remote ?? `mlw serve ${health.version} (pid ${health.pid}, port ${api.port})`} in ${Math.round(performance.now() - started)} ms`);
      this.setState({ kind: 'connected', mode: remote ? 'remote' : 'local', label: remote ?? `127.0.0.1:${api.port}`, health, ...(role ? { role } : {}) });
      this.followWorkspace(api);
      return api;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (generation !== this.generation) throw new Error(message);
      this.log.error(`cannot reach the control plane: ${message}`);
      this.setState({ kind: 'failed', message });
      throw new Error(message);
    }
  }

  private connectLocal(): Promise<ApiClient> {
    const daemon = path.join(this.context.extensionPath, 'out', 'daemon.js');
    const version = String((this.context.extension.packageJSON as { version?: string }).version ?? '');
    // MLW_TOKEN (a named token with its role) as the CLI does, else the owner's token from serve.json.
    const token = process.env.MLW_TOKEN?.trim() || undefined;
    return connectWorkspace(this.root, { ...(this.config.autoStart ? { start: { command: process.execPath, args: [daemon, '--workspace', this.root], version } } : {}), ...(token ? { token } : {}) });
  }

  private async connectRemote(url: string): Promise<ApiClient> {
    const token = await this.context.secrets.get(remoteTokenKey(url));
    if (!token) throw new Error(`no token for ${url}: run "mlw: Set Remote Control Plane Token"`);
    if (url.startsWith('https:') && !this.config.remoteFingerprint) throw new Error(`${url}: set mlw.controlPlane.fingerprint to the SHA-256 fingerprint \`mlw serve\` printed for its certificate`);
    return remoteClient(url, token, this.config.remoteFingerprint);
  }

  /** Follows `/api/events` from the last event this workspace saw, so a reload does not replay history. */
  private followWorkspace(api: ApiClient): void {
    const abort = (this.streamAbort = new AbortController());
    const after = this.context.workspaceState.get<number>(LAST_SEQ_KEY, 0);
    let last = after;
    let saved = after;
    const save = setInterval(() => last !== saved && void this.context.workspaceState.update(LAST_SEQ_KEY, (saved = last)), 2000);
    api
      .events((event) => {
        last = event.seq;
        this.eventEmitter.fire(event);
      }, { after, signal: abort.signal })
      .then(
        () => !abort.signal.aborted && this.lost('the control plane closed the event stream'),
        (error: unknown) => !abort.signal.aborted && this.lost(error instanceof Error ? error.message : String(error)),
      )
      .finally(() => {
        clearInterval(save);
        void this.context.workspaceState.update(LAST_SEQ_KEY, last);
      });
  }

  private lost(message: string): void {
    // A local daemon that exited cleanly (idle, or stopped) removed its serve.json: the next use starts it again.
    if (!this.config.remoteUrl && !this.localDaemonPublished) message = 'mlw serve stopped';
    this.log.warn(`lost the control plane: ${message}`);
    this.drop();
    this.setState({ kind: 'failed', message: `connection lost: ${message}` });
  }

  private drop(): void {
    this.generation++;
    this.connecting = undefined;
    this.streamAbort?.abort();
    this.streamAbort = undefined;
    this.api?.close();
    this.api = undefined;
  }

  private setState(state: ConnectionState): void {
    this.current = state;
    this.stateEmitter.fire(state);
  }

  dispose(): void {
    this.drop();
    this.subscriptions.forEach((s) => s.dispose());
  }
}
