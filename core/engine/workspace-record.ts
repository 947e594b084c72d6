import fs from 'node:fs';
import path from 'node:path';
import { writePrivateFile } from '../data/fs-util';
import type { specTypes } from '../language';
import type { WorkspaceInfo } from '../api/contracts';
import { WorkspaceLayout } from './layout';
import { readRegistryRecord } from './registry-server';

/**
 * The workspace spec a folder was created from (`mlw workspace create`), kept as `.mlw/workspace.json`: a folder is
 * one workspace, unversioned, and its description must be readable without a running daemon.
 */
export interface WorkspaceRecord {
  name: string;
  spec: specTypes.WorkspaceSpec;
  /** The spec file, relative to the workspace folder when inside it. */
  source: string;
  createdAt: string;
  updatedAt: string;
}

export function workspaceRecordFile(root: string): string {
  return path.join(new WorkspaceLayout(root).mlwDir, 'workspace.json');
}

export function readWorkspaceRecord(root: string): WorkspaceRecord | undefined {
  let text: string;
  try {
    text = fs.readFileSync(workspaceRecordFile(root), 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as WorkspaceRecord;
  } catch (error) {
    throw new Error(`${workspaceRecordFile(root)} is damaged (${(error as Error).message}); remove it and run \`mlw workspace create\` again`);
  }
}

/** The folder's recorded workspace, refusing another name: a folder holds one workspace. */
export function assertOneWorkspace(root: string, name: string): WorkspaceRecord | undefined {
  const existing = readWorkspaceRecord(root);
  if (existing && existing.name !== name) {
    throw new Error(`${root} is already the workspace ${existing.name} (created from ${existing.source}); a folder holds one workspace: create ${name} in another folder`);
  }
  return existing;
}

/**
 * Records the spec: a new workspace, an update of the same one, or unchanged. A folder created as another workspace
 * is refused (one workspace per folder).
 */
export function recordWorkspace(root: string, spec: specTypes.WorkspaceSpec, source: string): { record: WorkspaceRecord; outcome: 'created' | 'updated' | 'unchanged' } {
  const existing = assertOneWorkspace(root, spec.name);
  const relative = path.relative(root, source);
  const shown = relative.startsWith('..') || path.isAbsolute(relative) ? source : relative.split(path.sep).join('/');
  if (existing && JSON.stringify(existing.spec) === JSON.stringify(spec) && existing.source === shown) return { record: existing, outcome: 'unchanged' };
  const now = new Date().toISOString();
  const record: WorkspaceRecord = { name: spec.name, spec, source: shown, createdAt: existing?.createdAt ?? now, updatedAt: now };
  fs.mkdirSync(path.dirname(workspaceRecordFile(root)), { recursive: true });
  writePrivateFile(workspaceRecordFile(root), JSON.stringify(record, null, 2) + '\n');
  return { record, outcome: existing ? 'updated' : 'created' };
}

/** The secrets store's files under `.mlw/` (none until the first secret is stored). */
export function secretsStoreFiles(root: string): string[] {
  const layout = new WorkspaceLayout(root);
  try {
    return fs.readdirSync(layout.mlwDir).filter((name) => name.startsWith('secrets')).map((name) => path.join(layout.mlwDir, name));
  } catch {
    return [];
  }
}

/** What `GET /api/workspace` answers: the folder, its recorded spec, its secrets store's files and its running registry. */
export function workspaceInfo(root: string): WorkspaceInfo {
  const record = readWorkspaceRecord(root);
  const registry = readRegistryRecord(root);
  return { folder: root, ...(record ? { record } : {}), secretsStore: secretsStoreFiles(root).map((file) => path.relative(root, file)), ...(registry ? { registry } : {}) };
}
