import * as vscode from 'vscode';
import { isActive, jobArgument } from './arguments';
import type { MlwCommand } from './command';

export const cancelJob: MlwCommand = {
  id: 'mlw.job.cancel',
  requiresTrust: true,
  async run(context, arg) {
    const name = await jobArgument(context, arg, 'Cancel which job?', isActive);
    if (!name) return undefined;
    const api = await context.connection.client();
    const job = await api.jobs.cancel(name);
    context.views.changed('mlw.jobs');
    vscode.window.setStatusBarMessage(`mlw: ${name} ${job.status}`, 5000);
    return job.status;
  },
};
