// A window reload while a job runs: the job keeps running (it belongs to the control plane), and the reloaded
// window's output channel for it holds every line exactly once — the part written before the reload and the rest.
import fs from 'node:fs';
import path from 'node:path';
import { runCommandSteadily } from './commands.mjs';
import { waitForLogLine } from './logs.mjs';

const TIMEOUT = 60_000;
const TICKS = 4;

export async function reloadWhileRunning({ page, vs, workspace, server, log }) {
  const gate = path.join(workspace, '.reload-gate');
  fs.writeFileSync(
    path.join(workspace, 'jobs/reload.yml'),
    [
      '$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json',
      'type: command',
      'display_name: e2e-reload',
      'experiment_name: e2e',
      // the second half waits for the scenario, which opens the gate only after the window came back
      `command: echo tick 1; echo tick 2; while [ ! -f ${gate} ]; do sleep 0.05; done; echo tick 3; echo tick 4`,
      'environment: azureml:trainer-env:1',
      'compute: azureml:local',
      '',
    ].join('\n'),
  );
  await vs.openFile('jobs/reload.yml');
  // Submitted with the editor title's action of the editor just opened (the full loop already clicks the CodeLens;
  // an editor opened beside a webview does not always get its CodeLens drawn).
  const submit = page.locator('.editor-group-container.active .editor-actions .action-label[aria-label^="Submit Job"]').first();
  await submit.waitFor({ timeout: TIMEOUT });
  await submit.click();
  const before = (await waitForLogLine(server.userData, isJobChannel, /tick 2/)).file;
  const channelName = path.basename(before);
  log(`reloading the window while ${channelName} runs`);
  // the workbench's own reload, as a user does it: state is saved on the way down. The job's output channel may
  // take the focus just as the palette opens, so the command is run steadily; the load is awaited from before it.
  const reloaded = page.waitForEvent('load', { timeout: TIMEOUT });
  await runCommandSteadily(page, 'Developer: Reload Window');
  await reloaded;
  await page.locator('.monaco-workbench').waitFor({ timeout: TIMEOUT });
  fs.writeFileSync(gate, '');
  const after = (await waitForLogLine(server.userData, (name) => name === channelName, /▶ Completed/, { skip: new Set([before]) })).file;
  const text = fs.readFileSync(after, 'utf8');
  for (let tick = 1; tick <= TICKS; tick++) {
    const count = text.split('\n').filter((line) => line.endsWith(`[info] tick ${tick}`)).length;
    if (count !== 1) throw new Error(`"tick ${tick}" appears ${count} times in the reloaded channel:\n${text}`);
  }
  for (const status of ['Queued', 'Preparing', 'Running', 'Finalizing', 'Completed']) {
    const count = text.split('\n').filter((line) => line.includes(`▶ ${status}`)).length;
    if (count !== 1) throw new Error(`"▶ ${status}" appears ${count} times in the reloaded channel:\n${text}`);
  }
  log(`the reloaded channel ${path.relative(server.userData, after)} has every line once`);
}

const isJobChannel = (name) => name.startsWith('mlw job ');
