import * as vscode from 'vscode';
import { specKindOfText } from './spec-kind';

/** "Submit" above job specs, "Create" above asset specs, "Validate" above every spec (on the first line). */
export class SpecCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changeEmitter.event;

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const kind = specKindOfText(document.getText());
    if (!kind) return [];
    const top = new vscode.Range(0, 0, 0, 0);
    const lenses: vscode.CodeLens[] = [];
    if (vscode.workspace.isTrusted) {
      if (kind.action === 'submit') lenses.push(new vscode.CodeLens(top, { title: '$(play) Submit', tooltip: 'Submit this job to the workspace control plane', command: 'mlw.job.submit', arguments: [document.uri] }));
      if (kind.action === 'create') lenses.push(new vscode.CodeLens(top, { title: `$(add) Create ${kind.assetKind}`, tooltip: `Register this ${kind.assetKind} with the workspace control plane`, command: 'mlw.asset.create', arguments: [document.uri] }));
    }
    lenses.push(new vscode.CodeLens(top, { title: '$(check) Validate', tooltip: 'Check this spec', command: 'mlw.spec.validate', arguments: [document.uri] }));
    return lenses;
  }

  /** Trust granted: the run actions appear. */
  refresh(): void {
    this.changeEmitter.fire();
  }

  dispose(): void {
    this.changeEmitter.dispose();
  }
}

/** Keeps the `mlw.spec.kind` context key (`job`, `asset`, `spec` or unset) on the active editor, for the editor title. */
export function trackActiveSpecKind(): vscode.Disposable {
  const update = (editor: vscode.TextEditor | undefined): void => {
    const kind = editor?.document.languageId === 'yaml' ? specKindOfText(editor.document.getText()) : undefined;
    const value = kind ? (kind.action === 'submit' ? 'job' : kind.action === 'create' ? 'asset' : 'spec') : undefined;
    void vscode.commands.executeCommand('setContext', 'mlw.spec.kind', value);
  };
  update(vscode.window.activeTextEditor);
  return vscode.Disposable.from(
    vscode.window.onDidChangeActiveTextEditor(update),
    vscode.workspace.onDidSaveTextDocument((document) => document === vscode.window.activeTextEditor?.document && update(vscode.window.activeTextEditor)),
  );
}
