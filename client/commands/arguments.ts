import * as vscode from 'vscode';
import type { AssetKind, JobStatus, JobSummary } from '../../core/vocabulary';
import { ASSET_KINDS, isTerminal } from '../../core/vocabulary';
import type { TreeNode } from '../trees/tree-node';
import type { CommandContext } from './command';

/** A job name from a command argument (a tree node or a name), else picked from the jobs matching `filter`. */
export async function jobArgument(context: CommandContext, arg: unknown, title: string, filter: (job: JobSummary) => boolean = () => true): Promise<string | undefined> {
  if (typeof arg === 'string') return arg;
  const node = arg as TreeNode | undefined;
  if (node?.resource?.type === 'job' || node?.resource?.type === 'queue-entry') return node.resource.job;
  const api = await context.connection.client();
  const jobs = (await api.jobs.list()).filter(filter);
  if (jobs.length === 0) {
    void vscode.window.showInformationMessage(`mlw: no job to choose from (${title.toLowerCase()}).`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    jobs.map((job) => ({ label: job.displayName ?? job.name, description: `${job.status} · ${job.experiment}`, detail: job.name, name: job.name })),
    { title, matchOnDescription: true, matchOnDetail: true },
  );
  return picked?.name;
}

export const isActive = (job: { status: JobStatus }): boolean => !isTerminal(job.status);

export interface AssetRef {
  kind: AssetKind;
  name: string;
  version: string;
  sourcePath?: string;
}

/** An asset from a tree node, else picked (kind first when not given). */
export async function assetArgument(context: CommandContext, arg: unknown, title: string, kinds: readonly AssetKind[] = ASSET_KINDS): Promise<AssetRef | undefined> {
  const node = arg as TreeNode | undefined;
  if (node?.resource?.type === 'asset') {
    const { kind, name, version, sourcePath } = node.resource;
    return { kind: kind as AssetKind, name, version, ...(sourcePath ? { sourcePath } : {}) };
  }
  const api = await context.connection.client();
  const assets = (await Promise.all(kinds.map((kind) => api.assets.list({ kind })))).flat();
  if (assets.length === 0) {
    void vscode.window.showInformationMessage('mlw: no registered asset to choose from.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    assets.map((asset) => ({ label: asset.version ? `${asset.name}:${asset.version}` : asset.name, description: asset.kind, detail: asset.sourcePath, asset })),
    { title, matchOnDescription: true },
  );
  return picked ? { kind: picked.asset.kind, name: picked.asset.name, version: picked.asset.version, ...(picked.asset.sourcePath ? { sourcePath: picked.asset.sourcePath } : {}) } : undefined;
}

/** The spec a command acts on: the URI it was given (CodeLens, editor title, Explorer), else the active editor. */
export function specUriArgument(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  const node = arg as TreeNode | undefined;
  if (node?.resource?.type === 'spec-file') return vscode.Uri.file(node.resource.path);
  if (node?.resource?.type === 'asset' && node.resource.sourcePath) return vscode.Uri.file(node.resource.sourcePath);
  const editor = vscode.window.activeTextEditor;
  return editor?.document.languageId === 'yaml' ? editor.document.uri : undefined;
}
