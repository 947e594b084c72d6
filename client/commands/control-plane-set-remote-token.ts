import * as vscode from 'vscode';
import { remoteTokenKey } from '../control-plane/remote-token';
import type { MlwCommand } from './command';

/** Stores the token of the remote control plane (`mlw.controlPlane.url`) in the secret storage, never in settings. */
export const setRemoteToken: MlwCommand = {
  id: 'mlw.controlPlane.setRemoteToken',
  requiresTrust: true,
  async run(context) {
    const url = context.config.remoteUrl;
    if (!url) {
      void vscode.window.showInformationMessage('mlw: set "mlw.controlPlane.url" to a remote mlw serve first.');
      return undefined;
    }
    const token = await vscode.window.showInputBox({ title: `Token of ${url}`, prompt: 'The token in the remote .mlw/serve.json', password: true, ignoreFocusOut: true });
    if (!token) return undefined;
    await context.extension.secrets.store(remoteTokenKey(url), token.trim());
    return context.connection.reconnect().then(
      () => undefined,
      (error: unknown) => void vscode.window.showErrorMessage(`mlw: ${error instanceof Error ? error.message : String(error)}`),
    );
  },
};
