import * as vscode from 'vscode';
import type { MlwCommand } from './command';

export const reconnectControlPlane: MlwCommand = {
  id: 'mlw.controlPlane.reconnect',
  requiresTrust: true,
  async run(context) {
    try {
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'mlw: connecting to the control plane' }, () => context.connection.reconnect());
    } catch (error) {
      void vscode.window.showErrorMessage(`mlw: ${error instanceof Error ? error.message : String(error)}`, 'Show Log').then((choice) => choice && context.log.show());
    }
    context.views.refreshAll();
  },
};
