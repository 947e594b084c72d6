// The measurements of `npm run bench:client`, run inside the real VS Code by ../shared/scripts/vscode-e2e/run-e2e.mjs
// (see bench/client.bench.mjs, which prepares the workspace and its control plane and passes MLW_CLIENT_BENCH).
// Writes <out>/client-bench.json:
//   activation   per window start (the first load, then reloads): the host's activation event → activate() resolved,
//                both taken from log timestamps of the extension host; plus the extension's own figure.
//   jobsTree     the Jobs view over 1,000 jobs: its first showing, then expanding its pane and its experiment group.
//   metrics      per metric point: sent (by the job) → appended to the job's output channel (extension host) and
//                → rendered in the Output view (workbench).
import fs from 'node:fs';
import path from 'node:path';

const TIMEOUT = 60_000;
const POLL_MS = 50;

export default async function ({ page, vs, out, server, log }) {
  const config = JSON.parse(process.env.MLW_CLIENT_BENCH ?? '{}');
  const samples = config.samples ?? 7;
  const results = { activation: [], jobsTree: { firstShow: [], paneExpand: [], groupExpand: [] }, metrics: [] };
  const logsRoot = path.join(server.userData, 'logs');

  // Activation: one sample per window start; a reload starts a new extension host (exthost<N> logs).
  const seenHosts = new Set();
  for (let sample = 0; sample < samples; sample++) {
    if (sample > 0) {
      await page.reload();
      await vs.waitForWorkbench();
    }
    const activation = await waitFor(() => newActivation(logsRoot, seenHosts), 'the extension activated in a new extension host');
    seenHosts.add(activation.host);
    activation.runningExtensionsMs = await runningExtensionsActivationMs(page, vs);
    results.activation.push(activation);
    log(`activation ${sample + 1}/${samples}: host ${activation.hostMs} ms, Running Extensions ${activation.runningExtensionsMs} ms, extension ${activation.extensionMs} ms (${activation.event})`);
  }

  // Jobs view: the first showing loads the 1,000 jobs from the control plane.
  const jobsHeader = page.locator('.pane-header', { has: page.locator('h3.title', { hasText: /^Jobs$/ }) }).first();
  const jobsPane = page.locator('.pane', { has: jobsHeader });
  await armRowsRendered(page, 'Jobs');
  await page.locator('.activitybar .action-item a[aria-label^="mlw"]').first().click();
  await jobsHeader.waitFor({ timeout: TIMEOUT });
  if ((await jobsHeader.getAttribute('aria-expanded')) === 'false') {
    await armRowsRendered(page, 'Jobs');
    await jobsHeader.click();
  }
  results.jobsTree.firstShow.push(await rowsRenderedMs(page));
  const group = jobsPane.locator('.monaco-list-row[aria-level="1"]', { hasText: 'bench-1000' }).first();
  await group.waitFor({ timeout: TIMEOUT });
  if (!new RegExp(`${config.jobs} jobs`).test(await group.innerText())) throw new Error(`the experiment row reads "${await group.innerText()}"`);
  await vs.screenshot('jobs-1000');

  for (let sample = 0; sample < samples; sample++) {
    await jobsHeader.click();
    await waitForAttribute(jobsHeader, 'aria-expanded', 'false');
    await armRowsRendered(page, 'Jobs');
    await jobsHeader.click();
    results.jobsTree.paneExpand.push(await rowsRenderedMs(page));
  }
  for (let sample = 0; sample < samples; sample++) {
    await group.locator('.monaco-tl-twistie').click();
    await waitForAttribute(group, 'aria-expanded', 'false');
    await armRowsRendered(page, 'Jobs');
    await group.locator('.monaco-tl-twistie').click();
    results.jobsTree.groupExpand.push(await rowsRenderedMs(page));
  }
  log(`jobs tree: first show ${results.jobsTree.firstShow} ms, pane ${results.jobsTree.paneExpand.join(' ')} ms, group ${results.jobsTree.groupExpand.join(' ')} ms`);
  await vs.screenshot('jobs-expanded');

  // Metric → output line: the probe job starts sending once its channel is on screen.
  await page.evaluate(recordRenderedMetricLines);
  await vs.openFile('jobs/metric-probe.yml');
  const submit = page.locator('.contentWidgets .codelens-decoration a', { hasText: 'Submit' }).first();
  await submit.waitFor({ timeout: TIMEOUT });
  await submit.click();
  await page.locator('.part.panel .view-line', { hasText: '▶ Running' }).first().waitFor({ timeout: TIMEOUT });
  fs.writeFileSync(config.goFile, `${Date.now()}\n`);
  const channel = await waitFor(() => {
    const file = findChannelFile(logsRoot, 'mlw job bench_latency_');
    const text = file ? fs.readFileSync(file, 'utf8') : '';
    if (/▶ (Failed|Canceled)/.test(text)) throw new Error(`the probe job did not complete:\n${text}`);
    return text.includes('▶ Completed') ? file : undefined;
  }, 'the probe job completed in its output channel');
  const rendered = await waitFor(async () => {
    const seen = await page.evaluate(() => window.mlwBenchRendered);
    return Object.keys(seen).length >= config.points ? seen : undefined;
  }, `the Output view rendered ${config.points} metric lines`);
  const text = fs.readFileSync(channel, 'utf8');
  fs.copyFileSync(channel, path.join(out, 'metric-probe-channel.log'));
  for (const line of text.split('\n')) {
    const match = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) \[info\] metric sent_ms=(\d+) step=(\d+)$/.exec(line);
    if (!match) continue;
    const sentMs = Number(match[2]);
    results.metrics.push({ step: Number(match[3]), sentMs, appendedMs: logTime(match[1]) - sentMs, renderedMs: rendered[match[3]] - sentMs });
  }
  if (results.metrics.length !== config.points) throw new Error(`the channel has ${results.metrics.length} metric lines, not ${config.points}`);
  await vs.screenshot('metric-probe');

  fs.writeFileSync(path.join(out, 'client-bench.json'), JSON.stringify(results, null, 2));
}

/**
 * VS Code's own figure for the extension, as "Developer: Show Running Extensions" shows it: code loading + the
 * activate() call (the host's `ExtensionActivationTimes`). The editor is closed again so that it is not restored in
 * the next window.
 */
async function runningExtensionsActivationMs(page, vs) {
  await vs.runCommand('Developer: Show Running Extensions');
  const time = page.locator('.runtime-extensions-editor .monaco-list-row', { hasText: 'mlw' }).locator('.activation-time').first();
  await time.waitFor({ timeout: TIMEOUT });
  const text = await waitFor(async () => {
    const value = await time.innerText();
    return /\d+ms/.test(value) ? value : undefined;
  }, 'the activation time in Running Extensions');
  await vs.runCommand('View: Close All Editors');
  return Number(/(\d+)ms/.exec(text)[1]);
}

/**
 * The next extension host (not in `seen`) whose mlw log says "activated": from its `_doActivateExtension mlw.mlw`
 * line (the activation event) to the extension's "activated in" line, written as activate() returns.
 */
function newActivation(logsRoot, seen) {
  if (!fs.existsSync(logsRoot)) return undefined;
  const hostLogs = fs.readdirSync(logsRoot, { recursive: true }).map(String).filter((f) => /exthost\d+[/\\]remoteexthost\.log$/.test(f));
  for (const hostLog of hostLogs) {
    const host = path.dirname(hostLog);
    if (seen.has(host)) continue;
    const mlwLog = path.join(logsRoot, host, 'mlw.mlw', 'mlw.log');
    if (!fs.existsSync(mlwLog)) continue;
    const activated = /^(\S+ \S+) \[info\] activated in ([\d.]+) ms/m.exec(fs.readFileSync(mlwLog, 'utf8'));
    const event = /^(\S+ \S+) \[info\] ExtensionService#_doActivateExtension mlw\.mlw, .*activationEvent: '([^']+)'/m.exec(fs.readFileSync(path.join(logsRoot, hostLog), 'utf8'));
    if (!activated || !event) continue;
    return { host, event: event[2], hostMs: logTime(activated[1]) - logTime(event[1]), extensionMs: Number(activated[2]) };
  }
  return undefined;
}

function findChannelFile(logsRoot, prefix) {
  if (!fs.existsSync(logsRoot)) return undefined;
  const file = fs.readdirSync(logsRoot, { recursive: true }).map(String).find((f) => path.basename(f).startsWith(prefix) && f.endsWith('.log'));
  return file && path.join(logsRoot, file);
}

/** A log line's local timestamp ("2026-11-26 05:37:04.321") as epoch milliseconds. */
function logTime(stamp) {
  const [date, time] = stamp.split(' ');
  const [year, month, day] = date.split('-').map(Number);
  const [hours, minutes, seconds] = time.split(':').map(Number);
  return new Date(year, month - 1, day, hours, minutes, Math.floor(seconds), Math.round((seconds % 1) * 1000)).getTime();
}

/**
 * In the page: from the next mousedown to the first animation frame in which the view `viewName` shows job rows
 * (tree level 2) inside its body. Timed in the page so that the driver's round trips are not counted.
 */
function armRowsRendered(page, viewName) {
  return page.evaluate((name) => {
    window.mlwBenchRows = new Promise((resolve, reject) => {
      let clickedAt;
      let done = false;
      const pane = () => [...document.querySelectorAll('.pane')].find((p) => p.querySelector('.pane-header h3.title')?.textContent === name);
      const rowsShown = () => {
        const body = pane()?.querySelector('.pane-body');
        if (!body || pane().querySelector('.pane-header')?.getAttribute('aria-expanded') !== 'true') return false;
        const area = body.getBoundingClientRect();
        return [...body.querySelectorAll('.monaco-list-row[aria-level="2"]')].some((row) => {
          const box = row.getBoundingClientRect();
          return box.height > 0 && box.top >= area.top - 1 && box.bottom <= area.bottom + 1 && row.textContent.trim() !== '';
        });
      };
      const check = () => {
        if (done || clickedAt === undefined || !rowsShown()) return;
        done = true;
        observer.disconnect();
        clearTimeout(timer);
        requestAnimationFrame((frameAt) => resolve(Math.round(frameAt - clickedAt)));
      };
      const observer = new MutationObserver(check);
      const poll = () => {
        check();
        if (!done) requestAnimationFrame(poll);
      };
      const timer = setTimeout(() => {
        observer.disconnect();
        done = true;
        reject(new Error(`no job rows rendered in the ${name} view`));
      }, 60_000);
      document.addEventListener('mousedown', (event) => {
        clickedAt = event.timeStamp;
        observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
        poll();
      }, { capture: true, once: true });
    });
  }, viewName);
}

function rowsRenderedMs(page) {
  return page.evaluate(() => window.mlwBenchRows);
}

/** In the page: the wall-clock time each `metric sent_ms=… step=N` line first appears in the panel (Output view). */
function recordRenderedMetricLines() {
  window.mlwBenchRendered = {};
  const scan = () => {
    const now = Date.now();
    for (const line of document.querySelectorAll('.part.panel .view-line')) {
      const match = /metric\s+sent_ms=\d+\s+step=(\d+)/.exec(line.textContent); // \s: the editor renders spaces as U+00A0
      if (match && !(match[1] in window.mlwBenchRendered)) window.mlwBenchRendered[match[1]] = now;
    }
  };
  new MutationObserver(scan).observe(document.body, { subtree: true, childList: true, characterData: true });
}

async function waitForAttribute(locator, name, value) {
  await waitFor(async () => ((await locator.getAttribute(name)) === value ? true : undefined), `${name}=${value}`);
}

/** Polls `probe` until it returns a value (files and page state have no event to await here). */
async function waitFor(probe, what) {
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
