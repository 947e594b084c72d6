import * as vscode from 'vscode';
import { ASSET_VIEWS } from '../trees/views';
import { assetArgument } from './arguments';
import type { MlwCommand } from './command';

/** Archives one version (from a version row) or every version (from a name row, after confirming). */
export const archiveAsset: MlwCommand = {
  id: 'mlw.asset.archive',
  requiresTrust: true,
  async run(context, arg) {
    const asset = await assetArgument(context, arg, 'Archive which asset?');
    if (!asset) return undefined;
    const label = `${asset.kind} ${asset.name}${asset.version ? `:${asset.version}` : ''}`;
    const confirmed = await vscode.window.showWarningMessage(`Archive ${label}? Archived assets are hidden from lists and cannot be used by new jobs.`, { modal: true }, 'Archive');
    if (confirmed !== 'Archive') return undefined;
    const api = await context.connection.client();
    const result = await api.assets.archive(asset.kind, asset.name, asset.version);
    context.views.changed(ASSET_VIEWS[asset.kind]);
    return result.archived;
  },
};
