import * as vscode from 'vscode';
import { SPEC_TEMPLATES } from '../editor/templates';
import type { MlwCommand } from './command';

/** Writes a spec template into the workspace (never over an existing file) and opens it. */
export const newSpecFromTemplate: MlwCommand = {
  id: 'mlw.spec.newFromTemplate',
  async run() {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder) {
      void vscode.window.showInformationMessage('mlw: open a folder first.');
      return undefined;
    }
    const template = await vscode.window.showQuickPick(SPEC_TEMPLATES.map((t) => ({ label: t.label, description: t.file, template: t })), { title: 'New spec from a template' });
    if (!template) return undefined;
    const relative = await vscode.window.showInputBox({ title: 'File for the new spec', value: template.template.file, validateInput: (v) => (/\.ya?ml$/.test(v) ? undefined : 'a .yml or .yaml file') });
    if (!relative) return undefined;
    const target = vscode.Uri.joinPath(folder.uri, relative);
    const exists = await vscode.workspace.fs.stat(target).then(() => true, () => false);
    if (!exists) await vscode.workspace.fs.writeFile(target, Buffer.from(template.template.text));
    return vscode.window.showTextDocument(target);
  },
};
