import * as vscode from 'vscode';
import { specKindOfText, type SpecAction } from '../editor/spec-kind';

/** Picks a workspace spec file the action applies to (for commands run from the palette without an editor). */
export async function pickSpecFile(action: SpecAction, title: string): Promise<vscode.Uri | undefined> {
  const files = await vscode.workspace.findFiles('**/*.{yml,yaml}', '{**/node_modules/**,**/.mlw/**,**/.git/**}', 2000);
  const items: (vscode.QuickPickItem & { uri: vscode.Uri })[] = [];
  for (const uri of files) {
    const kind = specKindOfText(Buffer.from(await vscode.workspace.fs.readFile(uri)).toString('utf8'));
    if (kind?.action === action) items.push({ label: vscode.workspace.asRelativePath(uri), description: kind.kind, uri });
  }
  if (items.length === 0) {
    void vscode.window.showInformationMessage(`mlw: no spec in this workspace to ${action === 'submit' ? 'submit' : 'create'}.`);
    return undefined;
  }
  items.sort((a, b) => a.label.localeCompare(b.label));
  return (await vscode.window.showQuickPick(items, { title, matchOnDescription: true }))?.uri;
}
