// An online endpoint invoked from the editor, serving the seed's scikit-learn model: mlflow/ of the e2e workspace
// (examples/mlflow) trains and registers iris-classifier through the CLI, and endpoints/ (examples/endpoints: the
// endpoint, its deployment `blue`, score.py, a request file) serves it; the endpoint spec's Invoke CodeLens sends the
// request file picked from the quick pick, and the answer opens beside the spec; the Endpoints view shows the
// endpoint with its deployment Succeeded. The runner removes the containers.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { runCommandSteadily } from './commands.mjs';
import { extensionLog, notificationTexts } from './logs.mjs';

const TIMEOUT = 60_000;
const repo = path.resolve(import.meta.dirname, '../..');

export async function endpointThroughTheUi({ page, vs, workspace, server, log }) {
  const started = Date.now();
  await mlw(workspace, 'job', 'create', '-f', path.join(workspace, 'mlflow/job.yml'), '--stream');
  log(`iris-classifier trained and registered by mlflow/job.yml in ${Date.now() - started} ms`);
  await mlw(workspace, 'online-endpoint', 'create', '-f', path.join(workspace, 'endpoints/endpoint.yml'));
  await mlw(workspace, 'online-deployment', 'create', '-f', path.join(workspace, 'endpoints/blue.yml'), '--all-traffic');
  log(`endpoint iris-endpoint and its deployment blue serve after ${Date.now() - started} ms`);

  await vs.openFile('endpoints/endpoint.yml');
  const spec = page.locator('.editor-group-container.active');
  const invoke = spec.locator('.contentWidgets .codelens-decoration a', { hasText: 'Invoke' }).first();
  await invoke.waitFor({ timeout: TIMEOUT });
  await invoke.click();
  const requestRow = page.locator('.quick-input-list .monaco-list-row', { hasText: 'endpoints/sample-request.json' }).first();
  await requestRow.waitFor({ timeout: TIMEOUT });
  await vs.screenshot('endpoint-request-file');
  await requestRow.click();

  // the answer opens in the editor group beside the spec, which keeps the focus
  const answer = page.locator('.editor-group-container:not(.active)', { has: page.locator('.view-lines', { hasText: 'setosa' }) }).first();
  await answer.waitFor({ timeout: TIMEOUT }).catch(async (error) => {
    throw new Error(`${error.message}\nno answer beside the spec; notifications: ${await notificationTexts(page)}\n${extensionLog(server.userData)}`);
  });
  const text = (await answer.locator('.view-lines').innerText()).replace(/\u00a0/g, ' ');
  for (const expected of ['iris-endpoint answered HTTP 200 from deployment blue to endpoints/sample-request.json', '"setosa"', '"virginica"']) {
    if (!text.includes(expected)) throw new Error(`the answer beside the spec has no "${expected}":\n${text}`);
  }
  await vs.screenshot('endpoint-answer');

  // the Endpoints view: the endpoint, with its deployment Succeeded (the other views collapsed, so that the view is
  // tall enough for the list to draw both rows)
  await runCommandSteadily(page, 'mlw: Focus on Endpoints View');
  const otherViews = page.locator('.part.sidebar .pane-header[aria-expanded="true"]', { hasNot: page.locator('.title', { hasText: /^endpoints$/i }) });
  for (let views = 0; views < 20 && (await otherViews.count()) > 0; views++) await otherViews.first().locator('.title').click();
  await vs.waitForTreeItem('Endpoints', 'iris-endpoint');
  const endpoints = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Endpoints' }) });
  await endpoints.locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: /^blue$/ }) }).filter({ hasText: 'Succeeded' }).first().waitFor({ timeout: TIMEOUT });
  await vs.screenshot('endpoints-view');
  log(`endpoint iris-endpoint invoked from its CodeLens, the answer beside it, blue Succeeded in the Endpoints view (${Date.now() - started} ms)`);
}

/** The mlw CLI on the e2e workspace, with the window's identity (MLW_TOKEN, when the run sets one). */
async function mlw(workspace, ...args) {
  try {
    await promisify(execFile)(process.execPath, [path.join(repo, 'out/cli.js'), ...args, '--workspace', workspace], { timeout: args.includes('--stream') ? 3 * TIMEOUT : TIMEOUT });
  } catch (error) {
    throw new Error(`mlw ${args.join(' ')} failed: ${error.stderr || error.message}`);
  }
}
