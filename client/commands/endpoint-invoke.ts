import * as vscode from 'vscode';
import { invokeEndpoint, specNameOfText, type InvokeAnswer } from '../../core/endpoints/invoke';
import type { TreeNode } from '../trees/tree-node';
import type { MlwCommand } from './command';

/** At most this many JSON files are offered as request files; "Browse…" reaches any other. */
const MAX_REQUEST_FILES = 50;

/**
 * Sends a request file to an online endpoint (CodeLens "Invoke" above an endpoint spec, or the Endpoints view) and
 * opens the answer beside the editor (also in the mlw log); a deployment node of the view sends it to that deployment.
 */
export const invokeEndpointCommand: MlwCommand = {
  id: 'mlw.endpoint.invoke',
  requiresTrust: true,
  async run(context, arg) {
    const target = await targetOf(arg);
    if (!target) return undefined;
    const file = await pickRequestFile(target.endpoint, target.spec);
    if (!file) return undefined;
    const body = Buffer.from(await vscode.workspace.fs.readFile(file));
    const api = await context.connection.client();
    const answer = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `mlw: invoking ${target.endpoint}` }, () => invokeEndpoint(api, target.endpoint, body, target.deployment));
    const request = vscode.workspace.asRelativePath(file);
    const by = answer.deployment ? ` (deployment ${answer.deployment})` : '';
    context.log.info(`invoke ${target.endpoint} with ${request}: HTTP ${answer.status}${by}\n${answer.text}`);
    if (answer.status >= 400) void vscode.window.showErrorMessage(`mlw: ${target.endpoint} answered HTTP ${answer.status}${by}: ${answer.text.length > 300 ? `${answer.text.slice(0, 300)}…` : answer.text}`);
    const document = await vscode.workspace.openTextDocument(answerDocument(target.endpoint, request, answer));
    await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true, preview: true });
    return answer;
  },
};

async function targetOf(arg: unknown): Promise<{ endpoint: string; deployment?: string; spec?: vscode.Uri } | undefined> {
  const node = arg as TreeNode | undefined;
  const fromNode = node?.id ? /^(endpoint|deployment):([^/]+)(?:\/(.+))?$/.exec(node.id) : undefined;
  if (fromNode) return { endpoint: fromNode[2]!, ...(fromNode[3] ? { deployment: fromNode[3] } : {}) };
  const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
  if (!uri) return undefined;
  const name = specNameOfText((await vscode.workspace.openTextDocument(uri)).getText());
  if (!name) void vscode.window.showErrorMessage(`mlw: ${vscode.workspace.asRelativePath(uri)} names no endpoint (no top-level name:).`);
  return name ? { endpoint: name, spec: uri } : undefined;
}

/** The JSON files under the spec's folder (else the workspace's), nearest first, then "Browse…" for any other. */
async function pickRequestFile(endpoint: string, spec: vscode.Uri | undefined): Promise<vscode.Uri | undefined> {
  const folder = spec ? vscode.Uri.joinPath(spec, '..') : vscode.workspace.workspaceFolders?.[0]?.uri;
  const found = folder ? await vscode.workspace.findFiles(new vscode.RelativePattern(folder, '**/*.json'), '{**/node_modules/**,**/.mlw/**}', MAX_REQUEST_FILES) : [];
  const depth = (uri: vscode.Uri) => uri.path.split('/').length;
  const files = found.sort((a, b) => depth(a) - depth(b) || a.path.localeCompare(b.path));
  const browse = { label: '$(folder-opened) Browse…', uri: undefined };
  const picked = files.length
    ? await vscode.window.showQuickPick([...files.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })), browse], { title: `Invoke ${endpoint}: which request file?`, placeHolder: 'a JSON request body' })
    : browse;
  if (!picked) return undefined;
  if (picked.uri) return picked.uri;
  const chosen = await vscode.window.showOpenDialog({ title: `Invoke ${endpoint}: which request file?`, canSelectMany: false, filters: { 'JSON request': ['json'] }, ...(folder ? { defaultUri: folder } : {}) });
  return chosen?.[0];
}

/** The answer as a document: JSON pretty-printed (as JSON with comments, under a line saying what answered), else text. */
function answerDocument(endpoint: string, request: string, answer: InvokeAnswer): { language: string; content: string } {
  const heading = `${endpoint} answered HTTP ${answer.status}${answer.deployment ? ` from deployment ${answer.deployment}` : ''} to ${request}`;
  try {
    return { language: 'jsonc', content: `// ${heading}\n${JSON.stringify(JSON.parse(answer.text), null, 2)}\n` };
  } catch {
    return { language: 'plaintext', content: `${heading}\n\n${answer.text}` };
  }
}
