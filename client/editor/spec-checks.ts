import * as vscode from 'vscode';
import { ApiError } from '../../core/api/client';
import { firstError } from './spec-findings';

/**
 * Before a spec is submitted or registered: it must be saved (the control plane reads the file, and what runs must
 * be what is on disk), and the language server must report no error. Says why and jumps to the first error.
 */
export async function checkSpecReady(document: vscode.TextDocument, verb: string): Promise<boolean> {
  const file = vscode.workspace.asRelativePath(document.uri);
  if (document.isUntitled || document.isDirty) {
    const save = document.isUntitled ? 'Save As…' : 'Save and ' + verb;
    const choice = await vscode.window.showWarningMessage(`mlw: ${file} has unsaved changes; save it to ${verb.toLowerCase()} what you see.`, save);
    if (choice !== save || !(await document.save())) return false;
  }
  const errors = vscode.languages
    .getDiagnostics(document.uri)
    .filter((d) => d.severity === vscode.DiagnosticSeverity.Error)
    .sort((a, b) => a.range.start.compareTo(b.range.start));
  if (errors.length === 0) return true;
  const first = errors[0]!;
  await reveal(document.uri, first.range);
  void vscode.window.showErrorMessage(`mlw: cannot ${verb.toLowerCase()} ${file}: ${errors.length === 1 ? '1 error' : `${errors.length} errors`}; line ${first.range.start.line + 1}: ${first.message}`);
  return false;
}

/** Shows why the control plane refused a spec, jumping to its first finding. */
export async function reportRejection(error: unknown, uri: vscode.Uri, verb: string): Promise<void> {
  if (!(error instanceof ApiError)) {
    void vscode.window.showErrorMessage(`mlw: ${verb} failed: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  const finding = firstError(error.body.findings ?? []);
  if (finding) {
    const position = new vscode.Position(Math.max(0, finding.line - 1), Math.max(0, finding.column - 1));
    await reveal(vscode.Uri.joinPath(vscode.workspace.getWorkspaceFolder(uri)?.uri ?? uri, finding.file), new vscode.Range(position, position));
  }
  const detail = finding ? ` (line ${finding.line}: ${finding.message})` : '';
  void vscode.window.showErrorMessage(`mlw: ${error.body.message}${detail}`);
}

async function reveal(uri: vscode.Uri, range: vscode.Range): Promise<void> {
  const editor = await vscode.window.showTextDocument(uri, { preserveFocus: false });
  editor.selection = new vscode.Selection(range.start, range.end);
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}
