import { PassThrough } from 'node:stream';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { createConnection } from 'vscode-languageserver/node';
import type { Diagnostic, InitializeResult, PublishDiagnosticsParams, TextDocumentContentChangeEvent } from 'vscode-languageserver';
import { startLanguageServer } from '../../server/language-server';
import { pathToUri } from '../../server/service/uri';

/**
 * A real language server and a JSON-RPC client in one process, joined by two in-memory streams
 * (no process spawned). Diagnostics are awaited as notifications, never by sleeping.
 */
export class LspTestClient {
  private readonly published: PublishDiagnosticsParams[] = [];
  private readonly waiters: Array<{ test: (p: PublishDiagnosticsParams) => boolean; resolve: (p: PublishDiagnosticsParams) => void }> = [];
  private readonly versions = new Map<string, number>();

  private constructor(
    readonly connection: MessageConnection,
    private readonly streams: PassThrough[],
    readonly initializeResult: InitializeResult,
  ) {
    connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      this.published.push(p);
      for (const w of [...this.waiters]) {
        if (w.test(p)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(p);
        }
      }
    });
  }

  static async start(options: { root?: string; initializationOptions?: unknown; watchFiles?: boolean } = {}): Promise<LspTestClient> {
    const toServer = new PassThrough();
    const toClient = new PassThrough();
    startLanguageServer(createConnection(toServer, toClient));
    const connection = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
    const registrations: unknown[] = [];
    connection.onRequest('client/registerCapability', (params: unknown) => {
      registrations.push(params);
      return null;
    });
    connection.onRequest('workspace/configuration', () => []);
    connection.listen();
    const result = (await connection.sendRequest('initialize', {
      processId: null,
      rootUri: options.root ? pathToUri(options.root) : null,
      workspaceFolders: options.root ? [{ uri: pathToUri(options.root), name: 'root' }] : null,
      initializationOptions: options.initializationOptions ?? {},
      capabilities: { workspace: { didChangeWatchedFiles: { dynamicRegistration: options.watchFiles ?? false } } },
    })) as InitializeResult;
    await connection.sendNotification('initialized', {});
    return new LspTestClient(connection, [toServer, toClient], result);
  }

  /** The next diagnostics published for `uri` (at `version` or later when given). */
  nextDiagnostics(uri: string, version?: number): Promise<Diagnostic[]> {
    return new Promise<PublishDiagnosticsParams>((resolve) => this.waiters.push({ test: (p) => p.uri === uri && (version === undefined || (p.version ?? 0) >= version), resolve })).then((p) => p.diagnostics);
  }

  async open(uri: string, text: string): Promise<Diagnostic[]> {
    this.versions.set(uri, 1);
    const diagnostics = this.nextDiagnostics(uri, 1);
    await this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
    return diagnostics;
  }

  async change(uri: string, changes: TextDocumentContentChangeEvent[]): Promise<Diagnostic[]> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    const diagnostics = this.nextDiagnostics(uri, version);
    await this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: changes });
    return diagnostics;
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.connection.sendRequest(method, params) as Promise<R>;
  }

  notify(method: string, params: unknown): Promise<void> {
    return this.connection.sendNotification(method, params);
  }

  async dispose(): Promise<void> {
    await this.connection.sendRequest('shutdown');
    this.connection.dispose();
    // not ended: the server side exits the process when its input stream ends
    for (const s of this.streams) s.removeAllListeners('data');
  }
}
