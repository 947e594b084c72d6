import * as vscode from 'vscode';
import { assetArgument } from './arguments';
import type { MlwCommand } from './command';

/** The compute's running and queued jobs with the reasons they wait; choosing one shows its logs. */
export const showComputeQueue: MlwCommand = {
  id: 'mlw.compute.showQueue',
  async run(context, arg) {
    const compute = typeof arg === 'string' ? arg : (await assetArgument(context, arg, 'Show the queue of which compute?', ['compute']))?.name;
    if (!compute) return undefined;
    const api = await context.connection.client();
    const queue = await api.computes.queue(compute);
    const items = [
      ...queue.running.map((job) => ({ label: `$(sync~spin) ${job}`, description: 'running', job })),
      ...queue.queued.map((entry, index) => ({ label: `$(clock) ${entry.job}`, description: `#${index + 1}`, detail: entry.reason, job: entry.job })),
    ];
    if (items.length === 0) {
      void vscode.window.showInformationMessage(`mlw: ${compute} is idle (${queue.capacity} ${queue.capacity === 1 ? 'slot' : 'slots'}).`);
      return queue;
    }
    const picked = await vscode.window.showQuickPick(items, { title: `${compute}: ${queue.running.length}/${queue.capacity} running, ${queue.queued.length} queued` });
    if (picked) context.channels.show(picked.job, { preserveFocus: false });
    return queue;
  },
};
