import * as vscode from 'vscode';
import { specKindOfText, type SpecKind } from './spec-kind';

/** Every mlw spec among the workspace's YAML files, with what it is (the palette pickers and the Endpoints view). */
export async function workspaceSpecs(): Promise<{ uri: vscode.Uri; kind: SpecKind }[]> {
  const files = await vscode.workspace.findFiles('**/*.{yml,yaml}', '{**/node_modules/**,**/.mlw/**,**/.git/**}', 2000);
  const specs: { uri: vscode.Uri; kind: SpecKind }[] = [];
  for (const uri of files) {
    const kind = specKindOfText(Buffer.from(await vscode.workspace.fs.readFile(uri)).toString('utf8'));
    if (kind) specs.push({ uri, kind });
  }
  return specs;
}
