import * as vscode from 'vscode';
import { assetArgument } from './arguments';
import type { MlwCommand } from './command';

export const openAssetSpec: MlwCommand = {
  id: 'mlw.asset.openSpec',
  async run(context, arg) {
    const asset = await assetArgument(context, arg, 'Open the spec of which asset?');
    if (!asset) return undefined;
    let source = asset.sourcePath;
    if (!source) {
      const api = await context.connection.client();
      source = (await api.assets.get(asset.kind, asset.name, asset.version)).sourcePath;
    }
    if (!source) {
      void vscode.window.showInformationMessage(`mlw: ${asset.kind} ${asset.name} was not registered from a spec file.`);
      return undefined;
    }
    return vscode.window.showTextDocument(vscode.Uri.file(source));
  },
};
