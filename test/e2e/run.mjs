// `npm run test:e2e`: the extension in a real VS Code (code-server 4.100.3 = VS Code 1.100.3, headless Chromium),
// through ../shared/scripts/vscode-e2e/run-e2e.mjs. Two runs:
//   dev   the repository loaded as the extension under development, with the control plane already running
//         (test/support/client-e2e-daemon.ts): the extension discovers it through .mlw/serve.json. The window works
//         with a data scientist's token (MLW_TOKEN), so it offers only what that role may do.
//   vsix  the packaged mlw.vsix installed the way a user installs it; the extension auto-starts its bundled daemon.
// Both run the same scenario (test/e2e/full-loop.mjs).
// Usage: node test/e2e/run.mjs [--mode dev|vsix|both] [--out DIR]. Without the shared scripts or code-server it
// skips with a message, except with CI=true, where it fails.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const repo = path.resolve(import.meta.dirname, '../..');
const driver = path.resolve(repo, '../shared/scripts/vscode-e2e/run-e2e.mjs');
const e2eHome = process.env.VSCODE_E2E_HOME ?? '/opt/vscode-e2e';
const args = Object.fromEntries(process.argv.slice(2).join(' ').match(/--(\S+) (\S+)/g)?.map((a) => a.slice(2).split(' ')) ?? []);
const modes = (args.mode ?? 'both') === 'both' ? ['dev', 'vsix'] : [args.mode];
const out = path.resolve(repo, args.out ?? 'test-results/e2e');

if (!fs.existsSync(driver) || !fs.existsSync(path.join(e2eHome, 'package.json'))) {
  const message = `test:e2e: VS Code e2e harness not installed (${fs.existsSync(driver) ? e2eHome : driver} missing); run bash ../shared/scripts/vscode-e2e/install.sh`;
  if (process.env.CI === 'true') {
    console.error(message);
    process.exit(1);
  }
  console.warn(`${message} — skipped`);
  process.exit(0);
}

const results = [];
for (const mode of modes) results.push(await run(mode));
for (const r of results) console.log(`test:e2e ${r.mode}: ${r.ok ? 'PASS' : 'FAIL'} in ${r.seconds} s${r.activation ? `, activation ${r.activation}` : ''} (${r.out})`);
process.exit(results.every((r) => r.ok) ? 0 : 1);

async function run(mode) {
  const started = Date.now();
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), `mlw-e2e-${mode}-`));
  fs.cpSync(path.join(repo, 'test/e2e/workspace'), workspace, { recursive: true });
  // The seed's model for the endpoint scenario: examples/mlflow trains and registers it, examples/endpoints serves it.
  for (const example of ['mlflow', 'endpoints']) fs.cpSync(path.join(repo, 'examples', example), path.join(workspace, example), { recursive: true });
  fs.mkdirSync(path.join(workspace, '.mlw'));
  const modeOut = path.join(out, mode);
  fs.mkdirSync(modeOut, { recursive: true });
  const settings = path.join(workspace, '..', `${path.basename(workspace)}-settings.json`);
  fs.writeFileSync(settings, JSON.stringify({ 'mlw.views.refreshDelayMs': 100, 'workbench.editor.enablePreview': false }));
  let daemon;
  let extension = repo;
  try {
    let env = process.env;
    if (mode === 'dev') {
      daemon = await startDaemon(workspace);
      env = { ...env, MLW_TOKEN: dataScientistToken(workspace), MLW_E2E_ROLE: 'data-scientist' };
    } else extension = unpackVsix(workspace);
    const child = spawn(process.execPath, [
      driver, '--mode', mode, '--workspace', workspace, '--extension', extension, '--out', modeOut, '--settings', settings, '--timeout-ms', '60000',
      '--open', 'jobs/broken.yml',
      '--expect-problem', 'input `learning_rate` is not declared',
      '--scenario', path.join(repo, 'test/e2e/full-loop.mjs'),
    ], { stdio: 'inherit', env });
    const code = await new Promise((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
    if (code !== 0) printExtensionLogs(modeOut);
    const activation = fs.existsSync(path.join(modeOut, 'activation.txt')) ? fs.readFileSync(path.join(modeOut, 'activation.txt'), 'utf8').trim() : undefined;
    return { mode, ok: code === 0, seconds: Math.round((Date.now() - started) / 100) / 10, out: path.relative(repo, modeOut), activation };
  } finally {
    if (daemon) await stopProcess(daemon);
    await stopWorkspaceDaemon(workspace);
    removeWorkspaceContainers(workspace);
    fs.rmSync(workspace, { recursive: true, force: true });
    fs.rmSync(settings, { force: true });
    if (extension !== repo) fs.rmSync(path.dirname(extension), { recursive: true, force: true });
  }
}

/** The real daemon for the workspace, resolved once it published itself. */
async function startDaemon(workspace) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repo, 'test/support/client-e2e-daemon.ts'), workspace], { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => String(chunk).startsWith('ready') && resolve());
    child.on('exit', (code) => reject(new Error(`the e2e control plane exited with ${code}`)));
  });
  return child;
}

function stopProcess(child) {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

/**
 * A failed run's extension logs (each window's mlw.log), and the extension host's warnings and errors (an
 * unresponsive host, a provider that threw), printed: a CI run keeps only what it printed.
 */
function printExtensionLogs(modeOut) {
  const logs = path.join(modeOut, 'vscode-logs');
  if (!fs.existsSync(logs)) return;
  const files = fs.readdirSync(logs, { recursive: true }).map(String).sort();
  for (const file of files.filter((f) => path.basename(f) === 'mlw.log')) {
    console.log(`--- ${file}\n${fs.readFileSync(path.join(logs, file), 'utf8').trimEnd()}`);
  }
  for (const file of files.filter((f) => /exthost\.log$/.test(f))) {
    const lines = fs.readFileSync(path.join(logs, file), 'utf8').split('\n').filter((line) => /\[(warning|error)\]|unresponsive/i.test(line));
    console.log(`--- ${file}: ${lines.length} warning and error lines${lines.length > 40 ? ', the last 40' : ''}\n${lines.slice(-40).join('\n')}`);
  }
}

/** A data scientist's token, made by the owner through the CLI: the dev run's window works with it. */
function dataScientistToken(workspace) {
  const out = execFileSync(process.execPath, [path.join(repo, 'out/cli.js'), 'token', 'create', '--role', 'data-scientist', '--name', 'e2e-data-scientist', '--json', '--workspace', workspace], { env: { ...process.env, MLW_TOKEN: '' } });
  return JSON.parse(String(out)).token;
}

/** A daemon the extension auto-started (vsix run) outlives VS Code by design: stop it by the pid it published. */
async function stopWorkspaceDaemon(workspace) {
  let pid;
  try {
    ({ pid } = JSON.parse(fs.readFileSync(path.join(workspace, '.mlw/serve.json'), 'utf8')));
    process.kill(pid, 'SIGTERM');
  } catch {
    return; // not running
  }
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && isRunning(pid)) await new Promise((resolve) => setTimeout(resolve, 100)); // a pid that is not our child: no exit event
}

function isRunning(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * An online deployment's containers outlive a stopped daemon by design (the next one takes them back): the run's
 * workspace is thrown away, so its containers go too, found by the workspace label every container mlw makes carries.
 */
function removeWorkspaceContainers(workspace) {
  let ids;
  try {
    ids = execFileSync('docker', ['ps', '--all', '--quiet', '--filter', `label=mlw.workspace=${workspace}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return; // no Docker here: nothing of the run can be left on it
  }
  if (ids.length === 0) return;
  execFileSync('docker', ['rm', '--force', '--volumes', ...ids], { stdio: 'ignore' });
  console.log(`test:e2e: removed the ${ids.length} container(s) the workspace's endpoints left after its daemon stopped`);
}

/** The .vsix that `npm run package` built (built here when missing), unpacked: exactly what a user installs. */
function unpackVsix(workspace) {
  const vsix = path.join(repo, 'mlw.vsix');
  const newest = Math.max(...['out/extension.js', 'package.json'].map((f) => fs.statSync(path.join(repo, f)).mtimeMs));
  if (!fs.existsSync(vsix) || fs.statSync(vsix).mtimeMs < newest) execFileSync('npm', ['run', 'package'], { cwd: repo, stdio: 'inherit' });
  const target = path.join(workspace, '..', `${path.basename(workspace)}-vsix`);
  fs.rmSync(target, { recursive: true, force: true });
  execFileSync('unzip', ['-q', vsix, 'extension/*', '-d', target]);
  return path.join(target, 'extension');
}
