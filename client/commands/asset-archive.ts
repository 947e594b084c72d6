import * as vscode from 'vscode';
import type { ViewId } from '../trees/views';
import { assetArgument } from './arguments';
import type { MlwCommand } from './command';

const VIEW_OF_KIND: Record<string, ViewId> = { compute: 'mlw.compute', datastore: 'mlw.datastores', data: 'mlw.data', environment: 'mlw.environments', model: 'mlw.models', component: 'mlw.components' };

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
    const query = asset.version ? `?version=${encodeURIComponent(asset.version)}` : '';
    const result = await api.request<{ archived: number }>('POST', `/api/assets/${asset.kind}/${encodeURIComponent(asset.name)}/archive${query}`);
    context.views.changed(VIEW_OF_KIND[asset.kind]!);
    return result.archived;
  },
};
