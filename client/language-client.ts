import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import type { Config } from './config';
import { SERVER_EXEC_ARGV, WORKSPACE_TRUSTED_NOTIFICATION, type InitializationOptions, type ServerSettings } from './protocol';

/**
 * The LanguageClient of the bundled server (`out/server.js`, next to this bundle), over IPC. Started without
 * awaiting it: activation never waits for the server process.
 */
export class MlwLanguageClient implements vscode.Disposable {
  private readonly client: LanguageClient;
  private readonly subscriptions: vscode.Disposable[] = [];
  readonly started: Promise<void>;

  constructor(extensionPath: string, private readonly config: Config, log: vscode.LogOutputChannel) {
    const module = path.join(extensionPath, 'out', 'server.js');
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc, options: { execArgv: SERVER_EXEC_ARGV } },
      debug: { module, transport: TransportKind.ipc, options: { execArgv: [...SERVER_EXEC_ARGV, '--inspect=6019'] } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file', language: 'yaml' }, { scheme: 'untitled', language: 'yaml' }],
      initializationOptions: { ...this.settings(), workspaceTrusted: vscode.workspace.isTrusted } satisfies InitializationOptions,
      outputChannel: log,
      traceOutputChannel: log,
    };
    // The id `mlw` makes the client read the `mlw.trace.server` setting itself.
    this.client = new LanguageClient('mlw', 'mlw language server', serverOptions, clientOptions);
    this.subscriptions.push(
      config.onDidChange(['yaml.leaveToYamlExtension'], () => this.pushSettings()),
      vscode.extensions.onDidChange(() => this.pushSettings()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.started.then(() => this.notifyTrusted())),
    );
    this.started = this.client.start().catch((error: unknown) => {
      log.error(`the language server did not start: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  private settings(): ServerSettings {
    return { mlw: { yaml: { leaveToYamlExtension: this.config.leaveToYamlExtension } } };
  }

  /** The server connects to the workspace's daemon (named by `.mlw/serve.json`) only once the workspace is trusted. */
  private notifyTrusted(): void {
    if (this.client.isRunning()) void this.client.sendNotification(WORKSPACE_TRUSTED_NOTIFICATION);
  }

  private pushSettings(): void {
    if (this.client.isRunning()) void this.client.sendNotification('workspace/didChangeConfiguration', { settings: this.settings() });
  }

  async stop(): Promise<void> {
    if (this.client.needsStop()) await this.client.stop();
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
    void this.stop();
  }
}
