import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { isAlive, readServeInfo } from '../../core/api/connect';
import { stopLeftoverRegistry } from '../../core/engine/registry-server';
import { waitFor } from './docker';

/** A fresh real folder removed when the test ends, after any daemon a CLI command started for it in the background. */
export async function tempDir(t: TestContext, prefix = 'mlw-test-'): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), prefix)));
  t.after(async () => {
    await stopBackgroundDaemon(dir);
    // a registry a test's killed daemon left running (without setpriv) goes before its storage
    await stopLeftoverRegistry(dir);
    await rm(dir, { recursive: true, force: true });
  });
  return dir;
}

/**
 * Stops the daemon recorded in `root`'s serve.json when it is another process serving that folder (a daemon started
 * in-process by a test records this process, which stops it itself). Without this a daemon left serving an endpoint
 * never goes idle and outlives its deleted workspace.
 */
async function stopBackgroundDaemon(root: string): Promise<void> {
  const pid = readServeInfo(root)?.pid;
  if (!pid || pid === process.pid || !isAlive(pid)) return;
  const commandLine = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!commandLine.split('\0').includes(root)) return;
  process.kill(pid, 'SIGTERM');
  await waitFor(`daemon ${pid} to exit`, () => !isAlive(pid), 30_000).catch(() => isAlive(pid) && process.kill(pid, 'SIGKILL'));
}

/** Writes files given as `{ 'relative/path': content }` under `root`. */
export async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}
