import * as vscode from 'vscode';
import { jobArgument } from './arguments';
import type { MlwCommand } from './command';

/** Submits the spec file a job came from again (as it is on disk now). */
export const rerunJob: MlwCommand = {
  id: 'mlw.job.rerun',
  requiresTrust: true,
  async run(context, arg) {
    const name = await jobArgument(context, arg, 'Rerun which job?');
    if (!name) return undefined;
    const api = await context.connection.client();
    const job = await api.jobs.get(name);
    return vscode.commands.executeCommand('mlw.job.submit', vscode.Uri.file(job.specPath));
  },
};
