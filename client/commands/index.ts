import * as vscode from 'vscode';
import { archiveAsset } from './asset-archive';
import { createAsset } from './asset-create';
import { openAssetSpec } from './asset-open-spec';
import { showAssetVersions } from './asset-show-versions';
import type { CommandContext, MlwCommand } from './command';
import { showComputeQueue } from './compute-show-queue';
import { reconnectControlPlane } from './control-plane-reconnect';
import { setRemoteToken } from './control-plane-set-remote-token';
import { showLog } from './control-plane-show-log';
import { invokeEndpointCommand } from './endpoint-invoke';
import { cancelJob } from './job-cancel';
import { openJobOutputs } from './job-open-outputs';
import { openJobSpec } from './job-open-spec';
import { rerunJob } from './job-rerun';
import { showJobLogs } from './job-show-logs';
import { showJobGraph } from './job-show-graph';
import { showJobMetrics } from './job-show-metrics';
import { showJobSweep } from './job-show-sweep';
import { submitJob } from './job-submit';
import { moveSecretToStore } from './secret-move-to-store';
import { newSpecFromTemplate } from './spec-new-from-template';
import { validateSpec } from './spec-validate';
import { refreshViews } from './views-refresh';

export const COMMANDS: readonly MlwCommand[] = [
  submitJob, cancelJob, rerunJob, showJobLogs, showJobMetrics, showJobGraph, showJobSweep, openJobOutputs, openJobSpec,
  createAsset, openAssetSpec, showAssetVersions, archiveAsset, showComputeQueue,
  validateSpec, newSpecFromTemplate, refreshViews, reconnectControlPlane, setRemoteToken, showLog, moveSecretToStore,
  invokeEndpointCommand,
];

/** Registers every command; errors become one notification (and a log line) instead of an unhandled rejection. */
export function registerCommands(context: CommandContext): vscode.Disposable[] {
  return COMMANDS.map((command) =>
    vscode.commands.registerCommand(command.id, async (...args: unknown[]) => {
      if (command.requiresTrust && !vscode.workspace.isTrusted) {
        void vscode.window.showWarningMessage('mlw: this workspace is not trusted; mlw gives editing help only and runs nothing here.');
        return undefined;
      }
      try {
        return await command.run(context, ...args);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        context.log.error(`${command.id}: ${message}`);
        void vscode.window.showErrorMessage(`mlw: ${message}`);
        return undefined;
      }
    }),
  );
}
