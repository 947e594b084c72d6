import * as vscode from 'vscode';
import { invokeEndpoint, specNameOfText } from '../../core/endpoints/invoke';
import type { TreeNode } from '../trees/tree-node';
import type { MlwCommand } from './command';

/**
 * Sends a request file to an online endpoint (CodeLens "Invoke" above an endpoint spec, or the Endpoints view) and
 * shows the answer in the mlw log; a deployment node of the view sends it to that deployment.
 */
export const invokeEndpointCommand: MlwCommand = {
  id: 'mlw.endpoint.invoke',
  requiresTrust: true,
  async run(context, arg) {
    const target = await targetOf(arg);
    if (!target) return undefined;
    const picked = await vscode.window.showOpenDialog({ title: `Invoke ${target.endpoint}: which request file?`, canSelectMany: false, filters: { 'JSON request': ['json'] }, ...(vscode.workspace.workspaceFolders?.[0] ? { defaultUri: vscode.workspace.workspaceFolders[0].uri } : {}) });
    const file = picked?.[0];
    if (!file) return undefined;
    const body = Buffer.from(await vscode.workspace.fs.readFile(file));
    const api = await context.connection.client();
    const answer = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `mlw: invoking ${target.endpoint}` }, () => invokeEndpoint(api, target.endpoint, body, target.deployment));
    const by = answer.deployment ? ` (deployment ${answer.deployment})` : '';
    context.log.info(`invoke ${target.endpoint} with ${vscode.workspace.asRelativePath(file)}: HTTP ${answer.status}${by}\n${answer.text}`);
    const shown = answer.text.length > 300 ? `${answer.text.slice(0, 300)}…` : answer.text;
    if (answer.status >= 400) void vscode.window.showErrorMessage(`mlw: ${target.endpoint} answered HTTP ${answer.status}${by}: ${shown}`);
    else void vscode.window.showInformationMessage(`mlw: ${target.endpoint}${by}: ${shown}`);
    return answer;
  },
};

async function targetOf(arg: unknown): Promise<{ endpoint: string; deployment?: string } | undefined> {
  const node = arg as TreeNode | undefined;
  const fromNode = node?.id ? /^(endpoint|deployment):([^/]+)(?:\/(.+))?$/.exec(node.id) : undefined;
  if (fromNode) return { endpoint: fromNode[2]!, ...(fromNode[3] ? { deployment: fromNode[3] } : {}) };
  const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
  if (!uri) return undefined;
  const name = specNameOfText((await vscode.workspace.openTextDocument(uri)).getText());
  if (!name) void vscode.window.showErrorMessage(`mlw: ${vscode.workspace.asRelativePath(uri)} names no endpoint (no top-level name:).`);
  return name ? { endpoint: name } : undefined;
}
