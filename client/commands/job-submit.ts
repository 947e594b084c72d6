import * as vscode from 'vscode';
import { pickCompute } from '../editor/compute-picker';
import { checkSpecReady, reportRejection } from '../editor/spec-checks';
import { specKindOfText, specNamesCompute } from '../editor/spec-kind';
import { pickSpecFile } from './spec-files';
import { specUriArgument } from './arguments';
import type { MlwCommand } from './command';

/** Submits a job spec (CodeLens "Submit", the editor title, the palette), then follows the job in its channel. */
export const submitJob: MlwCommand = {
  id: 'mlw.job.submit',
  requiresTrust: true,
  async run(context, arg) {
    const uri = specUriArgument(arg) ?? (await pickSpecFile('submit', 'Submit which job spec?'));
    if (!uri) return undefined;
    const document = await vscode.workspace.openTextDocument(uri);
    if (specKindOfText(document.getText())?.action !== 'submit') {
      void vscode.window.showErrorMessage(`mlw: ${vscode.workspace.asRelativePath(uri)} is not a job spec.`);
      return undefined;
    }
    if (!(await checkSpecReady(document, 'Submit'))) return undefined;
    const api = await context.connection.client();
    const set: string[] = [];
    if (!specNamesCompute(document.getText())) {
      const compute = await pickCompute(api);
      if (!compute) return undefined;
      set.push(compute);
    }
    const file = vscode.workspace.asRelativePath(uri);
    try {
      const { job, warnings } = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `mlw: submitting ${file}` },
        () => api.jobs.submit({ path: uri.fsPath, ...(set.length ? { set } : {}) }),
      );
      context.log.info(`submitted ${file} as ${job.name} (${job.status}${job.reason ? `: ${job.reason}` : ''})`);
      for (const warning of warnings) context.log.warn(`${file}: ${warning}`);
      context.channels.show(job.name, { announce: true, preserveFocus: !context.config.showOutputOnSubmit });
      context.views.changed('mlw.jobs');
      vscode.window.setStatusBarMessage(`mlw: ${job.name} ${job.status}`, 5000);
      return job.name;
    } catch (error) {
      await reportRejection(error, uri, 'Submit');
      return undefined;
    }
  },
};
