import * as vscode from 'vscode';
import { checkSpecReady, reportRejection } from '../editor/spec-checks';
import { specKindOfText } from '../editor/spec-kind';
import { ASSET_VIEWS } from '../trees/views';
import { specUriArgument } from './arguments';
import type { MlwCommand } from './command';
import { pickSpecFile } from './spec-files';

/** Registers an asset spec (CodeLens "Create"): uploads what it needs and refreshes its view. */
export const createAsset: MlwCommand = {
  id: 'mlw.asset.create',
  requiresTrust: true,
  async run(context, arg) {
    const uri = specUriArgument(arg) ?? (await pickSpecFile('create', 'Create an asset from which spec?'));
    if (!uri) return undefined;
    const document = await vscode.workspace.openTextDocument(uri);
    const kind = specKindOfText(document.getText());
    if (kind?.action !== 'create' || !kind.assetKind) {
      void vscode.window.showErrorMessage(`mlw: ${vscode.workspace.asRelativePath(uri)} is not an asset spec mlw can register.`);
      return undefined;
    }
    if (!(await checkSpecReady(document, 'Create'))) return undefined;
    const assetKind = kind.assetKind;
    const api = await context.connection.client();
    const file = vscode.workspace.asRelativePath(uri);
    try {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `mlw: registering ${file}` },
        () => api.assets.register(assetKind, { path: uri.fsPath }),
      );
      const { asset, created, updated } = result;
      const outcome = created ? 'created' : updated ? 'updated' : 'unchanged';
      const label = `${asset.kind} ${asset.name}${asset.version ? `:${asset.version}` : ''}`;
      for (const warning of result.warnings) context.log.warn(`${file}: ${warning}`);
      context.log.info(`${outcome}: ${label} from ${file}`);
      context.views.changed(ASSET_VIEWS[asset.kind]);
      void vscode.window.showInformationMessage(`mlw: ${outcome === 'unchanged' ? 'already registered:' : outcome} ${label}`);
      return asset;
    } catch (error) {
      await reportRejection(error, uri, 'Create');
      return undefined;
    }
  },
};
