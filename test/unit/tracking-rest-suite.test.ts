// MLflow 2.12.2's own REST tests (tests/tracking/test_rest_tracking.py and test_model_registry.py, unmodified) run
// against a throw-away `mlw serve`, through ../shared/scripts/mlflow/rest-suite/run.sh (see its README).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { startPlane, workspace } from '../support/control-plane';
import { MLFLOW_PYTHON, mlflowReady, SHARED_MLFLOW_SCRIPTS } from '../support/mlflow';

const RUN_SH = path.join(SHARED_MLFLOW_SCRIPTS, 'rest-suite', 'run.sh');
/** What the real MLflow 2.12.2 server passes in this mode (the suite's README). */
const EXPECTED_PASSED = 90;

function suiteReady(t: TestContext): boolean {
  let reason: string | undefined;
  if (!fs.existsSync(RUN_SH)) reason = `${RUN_SH} is missing`;
  else {
    try {
      execFileSync(MLFLOW_PYTHON, ['-c', 'import pytest, pytest_timeout'], { stdio: 'ignore' });
    } catch {
      reason = 'python3-pytest and python3-pytest-timeout are not installed';
    }
  }
  if (!reason) return mlflowReady(t);
  if (process.env.CI === 'true') throw new Error(`MLflow's REST suite is required under CI: ${reason}`);
  t.skip(reason);
  return false;
}

function runSuite(url: string, token: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, MLFLOW_TRACKING_TOKEN: token, MLW_TIMEOUT: '900' };
    delete env.MLW_RESET_CMD;
    // MLflow's conftest builds and serves a wheel of MLflow itself when CI=true (`--serve-wheel`), which needs a
    // package index; none of the tests run here use it.
    delete env.CI;
    const child = spawn('bash', [RUN_SH, url], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** pytest's last summary line, e.g. `== 2 failed, 88 passed, 119 deselected, 8 warnings in 26.99s ==`. */
function summaryOf(output: string): { counts: Record<string, number>; seconds: number } {
  const line = output.split('\n').filter((l) => /^=+ .* in [\d.]+s/.test(l)).pop();
  assert.ok(line, `no pytest summary in the output:\n${output.slice(-4000)}`);
  const counts: Record<string, number> = {};
  for (const [, count, what] of line.matchAll(/(\d+) (passed|failed|errors?|skipped|deselected)/g)) counts[what!.replace(/s$/, '')] = Number(count);
  return { counts, seconds: Number(/ in ([\d.]+)s/.exec(line)![1]) };
}

test("MLflow's own REST tracking and model-registry tests pass against mlw serve", { timeout: 1_000_000 }, async (t) => {
  if (!suiteReady(t)) return;
  const plane = await startPlane(t, await workspace(t));
  const { port, token } = plane.daemon.info;
  const started = Date.now();
  const { code, output } = await runSuite(`http://127.0.0.1:${port}`, token);
  const { counts, seconds } = summaryOf(output);
  const failed = (counts.failed ?? 0) + (counts.error ?? 0);
  const passed = counts.passed ?? 0;
  t.diagnostic(`MLflow's own REST suite: ${passed} of ${passed + failed} (pytest ${seconds}s, ${Math.round((Date.now() - started) / 1000)}s in all)`);
  const failures = output.split('\n').filter((l) => /^(FAILED|ERROR) /.test(l)).join('\n');
  assert.equal(failed, 0, `failed tests:\n${failures}`);
  assert.equal(passed, EXPECTED_PASSED, output.slice(-4000));
  assert.equal(code, 0);
});
