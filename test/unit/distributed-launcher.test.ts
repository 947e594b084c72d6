import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { failedRankIn } from '../../core/compute/instance-log';
import { distributedInstances } from '../../core/engine/distribution';
import { waitForText } from '../support/docker';
import { tempDir } from '../support/temp';

/** The shells an image's `/bin/sh` may be: Debian's dash, busybox's ash, and bash. */
const SHELLS = [['dash'], ['busybox', 'sh'], ['bash']].filter(([shell]) => fs.existsSync(`/bin/${shell}`) || fs.existsSync(`/usr/bin/${shell}`));

/**
 * A rank that says when it got SIGTERM. Rank 3 gives up once rank 2 is up (its trap set), so the failure is
 * mid-run; the sleep runs as a child, so the trap runs as soon as the signal comes, and ends it.
 */
const RANK_COMMAND = [
  'trap \'echo "rank $RANK got SIGTERM"; kill $sleeper; exit 143\' TERM',
  'sleep 120 & sleeper=$!',
  'echo "rank $RANK up"; touch "$MLW_TEST_DIR/up-$RANK"',
  'if [ "$RANK" = 3 ] && [ -n "$MLW_TEST_FAIL" ]; then while [ ! -e "$MLW_TEST_DIR/up-2" ]; do sleep 0.05; done; echo "rank 3 gives up"; kill $sleeper; exit 3; fi',
  'wait $sleeper',
].join('\n');

/** Starts instance 1 of a 2-instance pytorch job of 2 processes each (ranks 2 and 3) in `shell`, its output to a file. */
async function startInstance(t: TestContext, shell: string[], extraEnv: Record<string, string>): Promise<{ done: Promise<number | null>; log: string; dir: string; stop: () => void }> {
  const dir = await tempDir(t, 'mlw-launcher-');
  const plan = { instance_count: 2, distribution: { type: 'pytorch' as const, process_count_per_instance: 2 } };
  const { instances, command } = distributedInstances('job', plan, RANK_COMMAND, dir);
  const log = path.join(dir, 'instance.log');
  const out = fs.openSync(log, 'w');
  // A process group of its own, so that whatever a rank left running goes with it at the end.
  const child = spawn(shell[0]!, [...shell.slice(1), '-c', command], { env: { ...process.env, ...instances[1]!.env, MLW_TEST_DIR: dir, ...extraEnv }, stdio: ['ignore', out, out], detached: true });
  fs.closeSync(out);
  const done = once(child, 'exit').then(([code]) => code as number | null);
  t.after(async () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // The group is gone: nothing was left.
    }
    await done;
  });
  return { done, log, dir, stop: () => child.kill('SIGTERM') };
}

for (const shell of SHELLS) {
  test(`${shell.join(' ')}: the first rank of an instance that fails stops the others at once and the instance exits with its code, naming it`, { timeout: 20_000 }, async (t) => {
    const instance = await startInstance(t, shell, { MLW_TEST_FAIL: '1' });
    const code = await instance.done;
    const log = fs.readFileSync(instance.log, 'utf8');
    assert.equal(code, 3, log);
    assert.match(log, /^rank 3 gives up\n\[mlw\] rank 3 exited with code 3; stopping the instance's other processes$/m);
    assert.match(log, /^rank 2 got SIGTERM$/m, 'the other rank was stopped, not waited for');
    assert.equal(failedRankIn(instance.log), '3');
  });

  test(`${shell.join(' ')}: a stop reaches every rank, and no rank is said to have failed`, { timeout: 20_000 }, async (t) => {
    const instance = await startInstance(t, shell, {});
    await waitForText(instance.log, 'rank 2 up');
    await waitForText(instance.log, 'rank 3 up');
    instance.stop();
    assert.equal(await instance.done, 143);
    const log = fs.readFileSync(instance.log, 'utf8');
    for (const rank of [2, 3]) assert.match(log, new RegExp(`^rank ${rank} got SIGTERM$`, 'm'), log);
    assert.doesNotMatch(log, /\[mlw\]/);
    assert.equal(failedRankIn(instance.log), undefined);
  });
}
