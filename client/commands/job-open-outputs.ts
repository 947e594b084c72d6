import * as vscode from 'vscode';
import { jobArgument } from './arguments';
import type { MlwCommand } from './command';

/** Picks one of a job's output files, downloads it into the extension's storage and opens it. */
export const openJobOutputs: MlwCommand = {
  id: 'mlw.job.openOutputs',
  async run(context, arg) {
    const name = await jobArgument(context, arg, 'Open the outputs of which job?');
    if (!name) return undefined;
    const api = await context.connection.client();
    const job = await api.jobs.get(name);
    const files = job.outputs.flatMap((output) => output.files.map((file) => ({ label: `${output.name}/${file}`, description: output.uri, output: output.name, file })));
    if (files.length === 0) {
      void vscode.window.showInformationMessage(`mlw: job ${name} has no output files.`);
      return undefined;
    }
    const picked = files.length === 1 ? files[0] : await vscode.window.showQuickPick(files, { title: `Outputs of ${name}` });
    if (!picked) return undefined;
    const target = vscode.Uri.joinPath(context.extension.globalStorageUri, 'outputs', name, picked.output, ...picked.file.split('/'));
    const bytes = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `mlw: downloading ${picked.label}` }, () =>
      api.jobs.outputFile(name, picked.output, picked.file),
    );
    await vscode.workspace.fs.writeFile(target, bytes);
    return vscode.commands.executeCommand('vscode.open', target);
  },
};
