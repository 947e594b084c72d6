// A pipeline through the UI: pipelines/greet.yml (two steps whose components are their own files; `read` reads
// the file `write` put into its output folder) submitted from the editor title, the pipeline reaching Completed in
// the Jobs view, expanded into its two steps, both Completed, and its graph (the row's inline action) drawing both
// steps Completed with the edge between them. Returns the pipeline job's name.
import { runCommandSteadily } from './commands.mjs';
import { extensionLog, notificationTexts, waitForLogLine } from './logs.mjs';

const TIMEOUT = 60_000;
const STEPS = ['write', 'read'];

export async function pipelineThroughTheUi({ page, vs, server, log }) {
  await vs.openFile('pipelines/greet.yml');
  const submit = page.locator('.editor-group-container.active .editor-actions .action-label[aria-label^="Submit Job"]').first();
  await submit.waitFor({ timeout: TIMEOUT });
  await submit.click();
  // the extension logs each submission: without it, the failure says what the window showed instead
  const submitted = await waitForLogLine(server.userData, (name) => name === 'mlw.log', /submitted pipelines\/greet\.yml as (\S+)/, { timeout: TIMEOUT }).catch(async (error) => {
    throw new Error(`${error.message}; notifications: ${await notificationTexts(page)}\n${extensionLog(server.userData)}`);
  });
  const submittedJob = submitted.match[1];

  // the Jobs view, shown and focused by its own command (after the reload, the container's icon may hide it, and the
  // list draws only the rows that fit the view's height)
  // (from the editor, so the command palette opens in the workbench and not in a webview; the submitted job's output
  // channel may still take the focus, so the palette is opened again if it closes)
  await runCommandSteadily(page, 'mlw: Focus on Jobs View');
  const jobsHeader = page.locator('.pane-header', { hasText: 'Jobs' }).first();
  const jobs = page.locator('.pane', { has: jobsHeader });
  await vs.waitForTreeItem('Jobs', 'e2e-greet').catch(async (error) => {
    const shown = await jobs.locator('.monaco-list-row').allInnerTexts().catch(() => []);
    throw new Error(`${error.message}\nthe Jobs view shows: ${shown.map((t) => t.replace(/\s+/g, ' ')).join(' | ') || '(no rows)'}\nnotifications: ${await notificationTexts(page)}\n${extensionLog(server.userData)}`);
  });
  const row = jobs.locator('.monaco-list-row', { hasText: 'e2e-greet' }).first();
  await jobs.locator('.monaco-list-row', { hasText: 'e2e-greet' }).filter({ hasText: 'Completed' }).first().waitFor({ timeout: TIMEOUT });
  await vs.screenshot('pipeline-completed');

  // expanded, it lists its steps (one level below it), each Completed
  const level = Number(await row.getAttribute('aria-level'));
  if ((await row.getAttribute('aria-expanded')) !== 'false') throw new Error(`the pipeline row is not collapsible and collapsed (aria-expanded=${await row.getAttribute('aria-expanded')})`);
  await row.locator('.monaco-tl-twistie').click();
  for (const step of STEPS) {
    const stepRow = jobs.locator(`.monaco-list-row[aria-level="${level + 1}"]`, { has: page.locator('.label-name', { hasText: new RegExp(`^${step}$`) }) });
    await stepRow.filter({ hasText: 'Completed' }).first().waitFor({ timeout: TIMEOUT });
  }
  await vs.screenshot('pipeline-steps');

  // the row's inline action opens the graph
  await row.hover();
  await row.locator('.actions .action-label[aria-label^="Show Pipeline Graph"]').click();
  const tab = page.locator('.tabs-container .tab.active', { hasText: 'Pipeline: ' });
  await tab.waitFor({ timeout: TIMEOUT });
  const job = (await tab.locator('.label-name').innerText()).trim().replace(/^Pipeline: /, '');
  if (job !== submittedJob) throw new Error(`the graph shows ${job}, not the submitted ${submittedJob}`);
  const graph = await webviewFrameWith(page, `svg[aria-label="pipeline ${job}"]`);
  for (const step of STEPS) {
    const node = graph.locator(`g.node[data-step="${step}"]`);
    await graph.locator(`g.node[data-step="${step}"][data-status="Completed"]`).waitFor({ timeout: TIMEOUT });
    const stepJob = await node.getAttribute('data-job');
    if (!stepJob || stepJob === job) throw new Error(`the node of step ${step} names the job "${stepJob}"`);
    if ((await node.getAttribute('data-reused')) !== 'false') throw new Error(`step ${step} of a first run is marked reused`);
  }
  await graph.locator('path.edge[data-from="write"][data-to="read"]').waitFor({ state: 'attached', timeout: TIMEOUT });
  const edges = await graph.locator('path.edge').count();
  if (edges !== 1) throw new Error(`the graph has ${edges} edges, not 1`);
  await vs.screenshot('pipeline-graph');
  log(`pipeline ${job}: both steps Completed in the Jobs view and in its graph`);
  return job;
}

/** The content frame of the webview whose document has `selector` (other webviews may be open). */
async function webviewFrameWith(page, selector) {
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    for (const frame of page.frames()) {
      if (frame.isDetached()) continue;
      if (await frame.locator(selector).count().catch(() => 0)) return frame;
    }
    if (Date.now() > deadline) throw new Error(`no webview shows ${selector}`);
    await new Promise((resolve) => setTimeout(resolve, 100)); // frames of several webviews: no single event to await
  }
}
