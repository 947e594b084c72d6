import * as vscode from 'vscode';
import { jobArgument } from './arguments';
import type { MlwCommand } from './command';

export const openJobSpec: MlwCommand = {
  id: 'mlw.job.openSpec',
  async run(context, arg) {
    const name = await jobArgument(context, arg, 'Open the spec of which job?');
    if (!name) return undefined;
    const api = await context.connection.client();
    const job = await api.jobs.get(name);
    return vscode.window.showTextDocument(vscode.Uri.file(job.specPath));
  },
};
