import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import { isAlive, readServeInfo } from '../../core/api/connect';
import { waitFor } from './docker';

/** The built CLI (`npm test` builds first). */
export const CLI = path.join(__dirname, '../../out/cli.js');
const execFileAsync = promisify(execFile);

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `mlw <args> --workspace <root>` run in `root`, with `env` added to this process's environment. */
export async function runCli(root: string, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [CLI, ...args, '--workspace', root], { encoding: 'utf8', cwd: root, env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

const REPO = path.join(__dirname, '../..');

/** Runs the CLI from source (no build needed) as its own process, so a daemon of the test's process is not blocked. */
export function runSourceCli(args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', path.join(REPO, 'cli/main.ts'), ...args], { encoding: 'utf8', cwd: REPO, env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

/** A run's output, once it succeeded. */
export function ok(run: CliRun): string {
  assert.equal(run.code, 0, run.stderr);
  return run.stdout;
}

/** Stops, once the test ends, the daemon a CLI command started in the background for `root` (call it after one did); answers its pid. */
export function stopDaemonAfter(t: TestContext, root: string): number {
  const pid = readServeInfo(root)?.pid;
  assert.ok(pid, 'the CLI started a daemon');
  t.after(async () => {
    if (isAlive(pid)) process.kill(pid, 'SIGTERM');
    await waitFor(`daemon ${pid} to exit`, () => !isAlive(pid), 30_000);
  });
  return pid;
}
