import * as vscode from 'vscode';
import { assetArgument } from './arguments';
import type { MlwCommand } from './command';

/** Lists every version of an asset (archived ones too); the chosen one opens as the spec it was registered with (resolved, as JSON). */
export const showAssetVersions: MlwCommand = {
  id: 'mlw.asset.showVersions',
  async run(context, arg) {
    const asset = await assetArgument(context, arg, 'Show the versions of which asset?', ['data', 'environment', 'model', 'component']);
    if (!asset) return undefined;
    const api = await context.connection.client();
    const versions = await api.assets.list({ kind: asset.kind, name: asset.name, archived: true });
    const picked = await vscode.window.showQuickPick(
      versions.map((v) => ({ label: `${v.name}:${v.version}`, description: [v.createdAt, v.archived ? 'archived' : '', v.job ? `from job ${v.job}` : ''].filter(Boolean).join(' · '), detail: v.sourcePath, version: v.version })),
      { title: `Versions of ${asset.kind} ${asset.name}` },
    );
    if (!picked) return undefined;
    const detail = await api.assets.get(asset.kind, asset.name, picked.version);
    const document = await vscode.workspace.openTextDocument({ language: 'jsonc', content: `// ${asset.kind} ${detail.name}:${detail.version} as registered (${detail.createdAt})\n${JSON.stringify(detail.spec, null, 2)}\n` });
    return vscode.window.showTextDocument(document, { preview: true });
  },
};
