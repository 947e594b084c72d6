import * as vscode from 'vscode';
import type { SpecAction } from '../editor/spec-kind';
import { workspaceSpecs } from '../editor/workspace-specs';

/** Picks a workspace spec file the action applies to (for commands run from the palette without an editor). */
export async function pickSpecFile(action: SpecAction, title: string): Promise<vscode.Uri | undefined> {
  const items: (vscode.QuickPickItem & { uri: vscode.Uri })[] = [];
  for (const { uri, kind } of await workspaceSpecs()) {
    if (kind.action === action) items.push({ label: vscode.workspace.asRelativePath(uri), description: kind.kind, uri });
  }
  if (items.length === 0) {
    void vscode.window.showInformationMessage(`mlw: no spec in this workspace to ${action === 'submit' ? 'submit' : 'create'}.`);
    return undefined;
  }
  items.sort((a, b) => a.label.localeCompare(b.label));
  return (await vscode.window.showQuickPick(items, { title, matchOnDescription: true }))?.uri;
}
