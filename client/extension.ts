import * as path from 'node:path';
import * as vscode from 'vscode';
import { registerCommands } from './commands';
import type { CommandContext } from './commands/command';
import { Config } from './config';
import { ControlPlaneConnection } from './control-plane/connection';
import { SpecCodeLensProvider, trackActiveSpecKind } from './editor/spec-code-lens';
import { PIPELINE_GRAPH, SWEEP } from './job-views/job-view-kinds';
import { JobViewPanels } from './job-views/job-view-panels';
import { JobChannels } from './jobs/job-channels';
import { MetricsPanels } from './metrics/metrics-panels';
import { ControlPlaneStatusBar } from './status-bar';
import { MlwViews } from './trees/views';

/** Set by the bundle's first and last lines (scripts/build.mjs): how long the extension host took to evaluate it. */
declare const __mlwBundleStart: number | undefined;
declare const __mlwBundleEnd: number | undefined;

/** What `activate` returns: the parts the end-to-end tests and other extensions may look at. */
export interface MlwApi {
  readonly activationMs: number;
  readonly context: CommandContext;
}

/**
 * Activation registers views, commands and providers and starts the language server and nothing else: the control
 * plane is connected (and started) only when a view, a command or a job being resumed needs it.
 */
export function activate(extension: vscode.ExtensionContext): MlwApi {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('mlw', { log: true });
  const config = new Config();
  const root = vscode.workspace.workspaceFolders?.find((folder) => folder.uri.scheme === 'file')?.uri.fsPath ?? extension.globalStorageUri.fsPath;
  const connection = new ControlPlaneConnection(root, extension, config, log);
  const channels = new JobChannels(connection, extension.workspaceState, config, log);
  const metrics = new MetricsPanels(extension.extensionUri, connection, log);
  const graphs = new JobViewPanels(extension.extensionUri, connection, log, PIPELINE_GRAPH);
  const sweeps = new JobViewPanels(extension.extensionUri, connection, log, SWEEP);
  const views = new MlwViews(connection, config, log);
  const roleOf = () => (connection.state.kind === 'connected' ? connection.state.role : undefined);
  const codeLenses = new SpecCodeLensProvider(roleOf);
  const context: CommandContext = { extension, connection, views, channels, metrics, graphs, sweeps, config, log };
  extension.subscriptions.push(
    log,
    connection,
    channels,
    metrics,
    graphs,
    sweeps,
    views,
    codeLenses,
    new ControlPlaneStatusBar(connection),
    ...registerCommands(context),
    vscode.languages.registerCodeLensProvider([{ scheme: 'file', language: 'yaml' }, { scheme: 'untitled', language: 'yaml' }], codeLenses),
    trackActiveSpecKind(roleOf, connection.onDidChangeState),
    // `mlw.role`: menus offer only what the token's role may do (unset until connected: everything is offered).
    connection.onDidChangeState(() => {
      void vscode.commands.executeCommand('setContext', 'mlw.role', roleOf());
      codeLenses.refresh();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      codeLenses.refresh();
      views.refreshAll();
      channels.resume();
    }),
  );
  if (vscode.workspace.isTrusted) channels.resume();
  setImmediate(() => startLanguageClient(extension, config, log));
  // The extension's share of the activation: evaluating the bundle plus activate() (the host's own work between
  // the two, creating the extension context, is not counted).
  const activateMs = performance.now() - started;
  const bundleMs = typeof __mlwBundleStart === 'number' && typeof __mlwBundleEnd === 'number' ? __mlwBundleEnd - __mlwBundleStart : 0;
  const activationMs = bundleMs + activateMs;
  log.info(`activated in ${activationMs.toFixed(1)} ms (bundle evaluated in ${bundleMs.toFixed(1)} ms, activate() ${activateMs.toFixed(1)} ms); workspace ${root}${vscode.workspace.isTrusted ? '' : ' (untrusted: editing help only)'}`);
  return { activationMs, context };
}

/** The language client is its own bundle (out/language-client.js), loaded once activation has returned. */
function startLanguageClient(extension: vscode.ExtensionContext, config: Config, log: vscode.LogOutputChannel): void {
  try {
    const { MlwLanguageClient } = require(path.join(extension.extensionPath, 'out', 'language-client.js')) as typeof import('./language-client');
    extension.subscriptions.push(new MlwLanguageClient(extension.extensionPath, config, log));
  } catch (error) {
    log.error(`the language client did not load: ${error instanceof Error ? error.stack : String(error)}`);
  }
}

export function deactivate(): void {
  // Everything is in `extension.subscriptions`; the language client stops with it.
}
