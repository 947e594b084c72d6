import * as vscode from 'vscode';
import type { CallerRole } from '../../core/auth/roles';
import { roleAllowsInvoke, roleAllowsSpec } from '../control-plane/role';
import { specKindOfText } from './spec-kind';

/** The role of the control plane's token, once connected. */
export type RoleOf = () => CallerRole | undefined;

/**
 * "Submit" above job specs, "Create" above asset specs, "Invoke" above online endpoint specs, "Validate" above every
 * spec (on the first line); the others only where the token's role may do them.
 */
export class SpecCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changeEmitter.event;

  constructor(private readonly roleOf: RoleOf = () => undefined) {}

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const kind = specKindOfText(document.getText());
    if (!kind) return [];
    const top = new vscode.Range(0, 0, 0, 0);
    const lenses: vscode.CodeLens[] = [];
    if (vscode.workspace.isTrusted && roleAllowsSpec(this.roleOf(), kind)) {
      if (kind.action === 'submit') lenses.push(new vscode.CodeLens(top, { title: '$(play) Submit', tooltip: 'Submit this job to the workspace control plane', command: 'mlw.job.submit', arguments: [document.uri] }));
      if (kind.kind === 'endpoint/online' && roleAllowsInvoke(this.roleOf())) lenses.push(new vscode.CodeLens(top, { title: '$(play) Invoke', tooltip: 'Send a request file to this endpoint (once created with mlw online-endpoint create)', command: 'mlw.endpoint.invoke', arguments: [document.uri] }));
      if (kind.action === 'create') lenses.push(new vscode.CodeLens(top, { title: `$(add) Create ${kind.assetKind}`, tooltip: `Register this ${kind.assetKind} with the workspace control plane`, command: 'mlw.asset.create', arguments: [document.uri] }));
    }
    lenses.push(new vscode.CodeLens(top, { title: '$(check) Validate', tooltip: 'Check this spec', command: 'mlw.spec.validate', arguments: [document.uri] }));
    return lenses;
  }

  /** Trust granted or the role known: the run actions appear (or go). */
  refresh(): void {
    this.changeEmitter.fire();
  }

  dispose(): void {
    this.changeEmitter.dispose();
  }
}

/**
 * Keeps the `mlw.spec.kind` context key (`job`, `asset`, `spec` or unset) on the active editor, and `mlw.spec.allowed`
 * (whether the role may submit or create it), for the editor title.
 */
export function trackActiveSpecKind(roleOf: RoleOf = () => undefined, onRoleChange?: vscode.Event<unknown>): vscode.Disposable {
  const update = (editor: vscode.TextEditor | undefined): void => {
    const kind = editor?.document.languageId === 'yaml' ? specKindOfText(editor.document.getText()) : undefined;
    const value = kind ? (kind.action === 'submit' ? 'job' : kind.action === 'create' ? 'asset' : 'spec') : undefined;
    void vscode.commands.executeCommand('setContext', 'mlw.spec.kind', value);
    void vscode.commands.executeCommand('setContext', 'mlw.spec.allowed', kind ? roleAllowsSpec(roleOf(), kind) : false);
  };
  update(vscode.window.activeTextEditor);
  return vscode.Disposable.from(
    ...(onRoleChange ? [onRoleChange(() => update(vscode.window.activeTextEditor))] : []),
    vscode.window.onDidChangeActiveTextEditor(update),
    vscode.workspace.onDidSaveTextDocument((document) => document === vscode.window.activeTextEditor?.document && update(vscode.window.activeTextEditor)),
  );
}
