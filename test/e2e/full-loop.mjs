// The whole loop through the real UI: editing help (diagnostics come from the built-in --expect-problem step),
// completion after `azureml:`, Submit from the CodeLens, the Jobs tree reaching Completed, the job's output
// channel with lifecycle and metric lines, the metrics chart, a window reload while a job runs (reload.mjs), and a
// pipeline from Submit to its steps in the Jobs tree and its graph (pipeline.mjs), and an online endpoint invoked
// from its spec's CodeLens with the answer beside it (endpoint.mjs).
// Also records the activation time.
// ctx = { page, vs, args, out, workspace, server: { userData, ... }, log }
import fs from 'node:fs';
import path from 'node:path';
import { endpointThroughTheUi } from './endpoint.mjs';
import { waitForLogLine } from './logs.mjs';
import { pipelineThroughTheUi } from './pipeline.mjs';
import { reloadWhileRunning } from './reload.mjs';
import { dataScientistOffers } from './roles.mjs';

const TIMEOUT = 60_000;

export default async function ({ page, vs, out, workspace, server, log }) {
  // activation: the extension logs how long activate() took
  const activation = await waitForLogLine(server.userData, (name) => name === 'mlw.log', /activated in ([\d.]+) ms/);
  const activationMs = Number(activation.match[1]);
  fs.writeFileSync(path.join(out, 'activation.txt'), `${activationMs} ms\n`);
  log(`activation: ${activation.line.trim()}`);
  // recorded, not asserted: timing targets are checked by `npm run bench:client`, not by a test on a busy machine

  // completion after `azureml:` lists the workspace's environments
  await vs.openFile('jobs/pick-environment.yml');
  await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('azureml:');
  const suggest = page.locator('.editor-widget.suggest-widget');
  if (!(await suggest.locator('.monaco-list-row', { hasText: 'trainer-env' }).first().isVisible())) await page.keyboard.press('Control+Space');
  await suggest.locator('.monaco-list-row', { hasText: 'trainer-env' }).first().waitFor({ timeout: TIMEOUT });
  await vs.screenshot('completion');
  await page.keyboard.press('Escape');

  // Submit from the CodeLens
  await vs.openFile('jobs/train.yml');
  const submit = page.locator('.contentWidgets .codelens-decoration a', { hasText: 'Submit' }).first();
  await submit.waitFor({ timeout: TIMEOUT });
  await vs.screenshot('codelens');
  await submit.click();

  // the Jobs tree shows the job reaching Completed
  await page.locator('.activitybar .action-item a[aria-label^="mlw"]').first().click();
  await vs.waitForTreeItem('Jobs', 'e2e');
  await vs.waitForTreeItem('Jobs', 'Completed');
  const row = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Jobs' }) }).locator('.monaco-list-row', { hasText: 'e2e-train' }).first();
  await row.waitFor({ timeout: TIMEOUT });
  const rowText = await row.innerText();
  if (!/Completed/.test(rowText)) throw new Error(`the job row reads "${rowText}"`);
  await vs.screenshot('jobs-tree');

  // the job's output channel: lifecycle lines, its output, metric lines
  const channel = await waitForLogLine(server.userData, (name) => name.startsWith('mlw job '), /▶ Completed/);
  const text = fs.readFileSync(channel.file, 'utf8');
  for (const status of ['Queued', 'Preparing', 'Running', 'Finalizing', 'Completed']) {
    if (!text.includes(`▶ ${status}`)) throw new Error(`the output channel has no "${status}" line:\n${text}`);
  }
  if (!text.includes('epoch 3/3')) throw new Error(`the output channel misses the job output:\n${text}`);
  if (!/metric accuracy=0\.95 step=3/.test(text)) throw new Error(`the output channel has no metric line:\n${text}`);
  log(`output channel ${path.basename(channel.file)}: ${text.split('\n').length} lines`);
  fs.copyFileSync(channel.file, path.join(out, 'job-output.log'));

  // the completion notification offers the logs and the metrics
  const showMetrics = page.locator('.notifications-toasts .monaco-button', { hasText: 'Show Metrics' }).first();
  await showMetrics.waitFor({ timeout: TIMEOUT });
  await vs.screenshot('notification');

  // the metrics view draws one chart per metric
  await showMetrics.click();
  const frame = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  for (const key of ['accuracy', 'loss']) await frame.locator(`section.chart[data-metric="${key}"] canvas`).first().waitFor({ timeout: TIMEOUT });
  await frame.locator('section.chart[data-metric="accuracy"] .last', { hasText: 'at step 3' }).waitFor({ timeout: TIMEOUT });
  await vs.screenshot('metrics');

  // the role is known once connected: the dev run is a data scientist's window
  if (process.env.MLW_E2E_ROLE === 'data-scientist') await dataScientistOffers({ page, vs, log });

  await reloadWhileRunning({ page, vs, workspace, server, log });
  await vs.screenshot('after-reload');

  // the pipeline's channel (opened on submit) shows its steps' lines too, each after `[<step>] `
  const pipeline = await pipelineThroughTheUi({ page, vs, server, log });
  const pipelineChannel = await waitForLogLine(server.userData, (name) => name === `mlw job ${pipeline}.log`, /\[info\] ▶ Completed/);
  const pipelineText = fs.readFileSync(pipelineChannel.file, 'utf8');
  for (const line of ['[write] ▶ Completed', '[read] hello from the pipeline', '[read] ▶ Completed']) {
    if (!pipelineText.includes(line)) throw new Error(`the pipeline's channel has no "${line}" line:\n${pipelineText}`);
  }
  fs.copyFileSync(pipelineChannel.file, path.join(out, 'pipeline-output.log'));

  await endpointThroughTheUi({ page, vs, workspace, server, log });
}
