import assert from 'node:assert/strict';
import fs from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { HostProcessDriver } from '../../core/compute/host';
import { recordRunExit, runRecordFile } from '../../core/engine/run-record';
import { waitFor } from '../support/docker';
import { tempDir } from '../support/temp';

test('a host run whose exit cannot be written to its run folder still resolves, with a warning', async (t) => {
  const runDir = await tempDir(t);
  // A folder where the record file belongs: appending fails with EISDIR, for root too.
  fs.mkdirSync(runRecordFile(runDir), { recursive: true });
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(warning.message);
  process.on('warning', onWarning);
  t.after(() => process.off('warning', onWarning));
  const driver = new HostProcessDriver();
  const plan = { logFile: join(runDir, 'user_logs/std_log.txt'), stateDir: join(runDir, 'state'), onExit: (exit: { exitCode: number }) => recordRunExit(runDir, exit) };
  const started = await driver.start({ runId: 'r1', command: 'exit 5', workingDir: runDir, env: {}, mounts: [], labels: {}, ...plan });
  // The driver unrefs its child: polling keeps this process alive until the exit arrives.
  let exit: { exitCode: number } | undefined;
  void started.exited.then((value) => (exit = value));
  assert.equal((await waitFor('the run to end', () => exit, 10_000)).exitCode, 5);
  // A new daemon finds the exit code the run left in its state folder, and cannot record it either.
  const reattached = await driver.reattach('r1', started.ref, plan);
  assert.equal((await reattached!.exited).exitCode, 5);
  await waitFor('a warning for each unrecorded exit', () => warnings.filter((w) => /could not be recorded: EISDIR/.test(w)).length === 2, 5_000);
});
