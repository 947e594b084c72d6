import * as vscode from 'vscode';
import type { ApiClient } from '../../core/api/client';

/** Asks which compute a job without `compute:` runs on; resolves to the `--set` override, or undefined if dismissed. */
export async function pickCompute(api: ApiClient): Promise<string | undefined> {
  const registered = await api.assets.list({ kind: 'compute' });
  const names = ['local', ...registered.map((c) => c.name).filter((n) => n !== 'local')];
  const items = await Promise.all(
    names.map(async (name) => {
      const queue = await api.computes.queue(name).catch(() => undefined);
      return { label: name, description: queue ? `${queue.running.length}/${queue.capacity} running${queue.queued.length ? `, ${queue.queued.length} queued` : ''}` : undefined, name };
    }),
  );
  const picked = await vscode.window.showQuickPick(items, { title: 'The job names no compute: run it on', placeHolder: 'compute' });
  return picked ? `compute=azureml:${picked.name}` : undefined;
}
