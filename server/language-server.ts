import {
  CodeActionKind,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  ResponseError,
  TextDocumentSyncKind,
  type CancellationToken,
  type Connection,
  type InitializeParams,
  type InitializeResult,
  type TextDocumentPositionParams,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { WORKSPACE_TRUSTED_NOTIFICATION } from '../client/protocol';
import { DiagnosticsScheduler } from './diagnostics-scheduler';
import { MlwLanguageService } from './service/language-service';
import { readSettings } from './service/settings';
import { uriToPath } from './service/uri';
import { warmUp } from './service/warm-up';

/** Debounce after an edit unless the client asks for another (`initializationOptions.diagnosticsDelayMs`, at most 50). */
const DEFAULT_DIAGNOSTICS_DELAY_MS = 15;

/** Wires an LSP connection to the language service; the only place that knows about the protocol's plumbing. */
export function startLanguageServer(connection: Connection): void {
  let service: MlwLanguageService | undefined;
  let scheduler: DiagnosticsScheduler | undefined;
  let watchRegistration = false;
  let feed: { stop(): void } | undefined;
  // `.mlw/serve.json` names the port the feed sends the daemon's token to: in a workspace the user has not trusted
  // that file is the workspace's to write, so the feed starts only once the client says the workspace is trusted.
  let trusted = false;
  let initialized = false;
  const texts = new Map<string, TextDocument>();

  const revalidateOpen = () => {
    for (const uri of texts.keys()) scheduler?.later(uri);
  };

  /** The generic adapter: a request on a document that is not open, a cancelled one or a failing one answers `empty`. */
  const on = <P extends { textDocument: { uri: string } }, R>(handler: (s: MlwLanguageService, params: P) => R, empty: R) =>
    (params: P, token?: CancellationToken): R => {
      if (!service || !texts.has(params.textDocument.uri) || token?.isCancellationRequested) return empty;
      try {
        return handler(service, params);
      } catch (e) {
        if (e instanceof ResponseError) throw e;
        connection.console.error(`mlw: ${(e as Error)?.stack ?? String(e)}`);
        return empty;
      }
    };

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const roots = (params.workspaceFolders ?? []).map((f) => uriToPath(f.uri));
    if (roots.length === 0 && params.rootUri) roots.push(uriToPath(params.rootUri));
    const options = (params.initializationOptions ?? {}) as Record<string, unknown>;
    trusted = options['workspaceTrusted'] === true;
    service = new MlwLanguageService({ roots, settings: readSettings(options), onAssetsChanged: revalidateOpen });
    const delay = typeof options['diagnosticsDelayMs'] === 'number' ? options['diagnosticsDelayMs'] : DEFAULT_DIAGNOSTICS_DELAY_MS;
    scheduler = new DiagnosticsScheduler(
      {
        version: (uri) => texts.get(uri)?.version,
        compute: (uri) => service!.diagnostics(uri),
        publish: (uri, version, diagnostics) => void connection.sendDiagnostics({ uri, version, diagnostics }),
        error: (uri, e) => connection.console.error(`mlw: diagnostics for ${uri} failed: ${(e as Error)?.stack ?? String(e)}`),
      },
      delay,
    );
    watchRegistration = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        completionProvider: { triggerCharacters: [':', '.', '/', '{', ' ', '$'] },
        hoverProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        renameProvider: { prepareProvider: true },
        documentSymbolProvider: true,
        documentLinkProvider: { resolveProvider: false },
        foldingRangeProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        workspace: { workspaceFolders: { supported: true } },
      },
      serverInfo: { name: 'mlw', version: typeof MLW_VERSION === 'string' ? MLW_VERSION : 'dev' },
    };
  });

  connection.onInitialized(() => {
    if (watchRegistration) void connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*.{yml,yaml}' }] });
    // after `initialized` and off the first documents' path: batches of files between other messages
    initialized = true;
    setImmediate(() => {
      if (trusted) followRegisteredAssets();
      void service?.workspace
        .scan()
        .then(() => service && warmUp(service))
        .then(revalidateOpen, (e) => connection.console.error(`mlw: workspace scan failed: ${String(e)}`));
    });
  });

  /**
   * The assets the workspace's running control plane registered become part of the index. Loaded and started after
   * `initialized` and never awaited: reaching a daemon is no part of start-up, and none running is the normal case.
   */
  const followRegisteredAssets = () => {
    const root = service?.workspace.roots[0];
    if (!service || root === undefined || feed) return;
    const { RegisteredAssets, RegisteredAssetsFeed } = require('../core/api/registered-assets') as typeof import('../core/api/registered-assets');
    const registered = new RegisteredAssets();
    service.workspace.index.addSource(registered);
    const following = new RegisteredAssetsFeed(root, (assets) => {
      registered.set(assets);
      service?.workspace.index.sourcesChanged();
      revalidateOpen();
    });
    following.start();
    feed = following;
  };

  connection.onNotification(WORKSPACE_TRUSTED_NOTIFICATION, () => {
    if (trusted) return;
    trusted = true;
    if (initialized) setImmediate(followRegisteredAssets);
  });

  connection.onDidChangeConfiguration((params) => {
    if (!service) return;
    const before = service.settings;
    service.updateSettings(params.settings);
    if (service.settings !== before) revalidateOpen();
  });

  connection.onDidOpenTextDocument(({ textDocument: d }) => {
    texts.set(d.uri, TextDocument.create(d.uri, d.languageId, d.version, d.text));
    service?.open(d.uri, d.version, d.text);
    scheduler?.now(d.uri);
  });

  connection.onDidChangeTextDocument(({ textDocument: d, contentChanges }) => {
    const current = texts.get(d.uri);
    if (!current) return;
    const next = TextDocument.update(current, contentChanges, d.version);
    texts.set(d.uri, next);
    service?.change(d.uri, d.version, next.getText());
    scheduler?.later(d.uri);
  });

  connection.onDidCloseTextDocument(({ textDocument: d }) => {
    texts.delete(d.uri);
    scheduler?.cancel(d.uri);
    service?.close(d.uri);
    void connection.sendDiagnostics({ uri: d.uri, diagnostics: [] });
  });

  connection.onDidChangeWatchedFiles(({ changes }) => {
    if (!service) return;
    for (const change of changes) {
      service.fileChanged(uriToPath(change.uri), change.type === FileChangeType.Deleted ? 'deleted' : change.type === FileChangeType.Created ? 'created' : 'changed');
    }
    revalidateOpen();
  });

  connection.onCompletion(on((s, p: TextDocumentPositionParams) => s.completion(p.textDocument.uri, p.position), null));
  connection.onHover(on((s, p: TextDocumentPositionParams) => s.hover(p.textDocument.uri, p.position), null));
  connection.onDefinition(on((s, p: TextDocumentPositionParams) => s.definition(p.textDocument.uri, p.position), null));
  connection.onReferences(on((s, p) => s.references(p.textDocument.uri, p.position, p.context.includeDeclaration), null));
  connection.onPrepareRename(on((s, p) => s.prepareRename(p.textDocument.uri, p.position), null));
  connection.onRenameRequest(on((s, p) => s.rename(p.textDocument.uri, p.position, p.newName), null));
  connection.onDocumentSymbol(on((s, p) => s.documentSymbols(p.textDocument.uri), []));
  connection.onDocumentLinks(on((s, p) => s.documentLinks(p.textDocument.uri), []));
  connection.onFoldingRanges(on((s, p) => s.foldingRanges(p.textDocument.uri), null));
  connection.onCodeAction(on((s, p) => s.codeActions(p.textDocument.uri, p.range, p.context.diagnostics), []));
  connection.onShutdown(() => {
    feed?.stop();
    scheduler?.dispose();
  });

  connection.listen();
}

declare const MLW_VERSION: string | undefined;
