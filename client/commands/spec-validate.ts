import * as vscode from 'vscode';
import { specUriArgument } from './arguments';
import type { MlwCommand } from './command';

/** Reports the language server's findings for a spec; jumps to the first error. Works in untrusted workspaces. */
export const validateSpec: MlwCommand = {
  id: 'mlw.spec.validate',
  async run(_context, arg) {
    const uri = specUriArgument(arg);
    if (!uri) {
      void vscode.window.showInformationMessage('mlw: open a spec to validate it.');
      return undefined;
    }
    const editor = await vscode.window.showTextDocument(uri, { preserveFocus: false });
    const findings = await diagnosticsOf(uri);
    const errors = findings.filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
    const warnings = findings.filter((d) => d.severity === vscode.DiagnosticSeverity.Warning);
    const file = vscode.workspace.asRelativePath(uri);
    if (errors.length === 0) {
      void vscode.window.showInformationMessage(`mlw: ${file} is valid${warnings.length ? ` (${warnings.length} ${warnings.length === 1 ? 'warning' : 'warnings'})` : ''}.`);
      return { errors: 0, warnings: warnings.length };
    }
    const first = errors.sort((a, b) => a.range.start.compareTo(b.range.start))[0]!;
    editor.selection = new vscode.Selection(first.range.start, first.range.end);
    editor.revealRange(first.range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    void vscode.window.showErrorMessage(`mlw: ${file}: ${errors.length === 1 ? '1 error' : `${errors.length} errors`}; line ${first.range.start.line + 1}: ${first.message}`);
    return { errors: errors.length, warnings: warnings.length };
  },
};

/** The findings of the mlw language server, waiting for its first publication when the file was just opened. */
function diagnosticsOf(uri: vscode.Uri): Promise<vscode.Diagnostic[]> {
  const ours = (): vscode.Diagnostic[] => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'mlw');
  if (ours().length > 0) return Promise.resolve(ours());
  return new Promise((resolve) => {
    const done = (): void => {
      subscription.dispose();
      clearTimeout(timer);
      resolve(ours());
    };
    const subscription = vscode.languages.onDidChangeDiagnostics((event) => event.uris.some((u) => u.toString() === uri.toString()) && done());
    // A valid document may already have been published (empty): then no change comes.
    const timer = setTimeout(done, 1500);
  });
}
