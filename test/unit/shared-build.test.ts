import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SharedBuilds } from '../../core/env/shared-build';

/** A promise the test settles itself. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

describe('shared builds', () => {
  it('starts a fresh build for a caller that arrives while a canceled one winds down', async () => {
    const builds = new SharedBuilds<string>();
    const canceledBuildEnds = deferred<void>();
    const freshBuildEnds = deferred<string>();
    const started: string[] = [];

    const slowToStop = async (_onLine: (line: string) => void, signal: AbortSignal): Promise<string> => {
      started.push('first');
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      await canceledBuildEnds.promise;
      throw new Error('build stopped');
    };
    const fresh = async (): Promise<string> => {
      started.push('second');
      return freshBuildEnds.promise;
    };

    const giveUp = new AbortController();
    const firstCaller = builds.run('env-hash', slowToStop, { signal: giveUp.signal });
    giveUp.abort();
    await assert.rejects(firstCaller, /environment build canceled/);

    const secondCaller = builds.run('env-hash', fresh, {});
    assert.deepEqual(started, ['first', 'second']);

    // The canceled build settling must not drop the fresh one from the builds others can join.
    canceledBuildEnds.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(builds.has('env-hash'), true);

    freshBuildEnds.resolve('image');
    assert.equal(await secondCaller, 'image');
    assert.equal(builds.has('env-hash'), false);
  });
});
