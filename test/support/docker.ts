import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { TestContext } from 'node:test';

export const BUSYBOX_IMAGE = 'localtest/busybox:full';
export const PYTHON_IMAGE = 'localtest/python:3-bookworm';
export const TEST_LABEL = 'mlw.test';

/**
 * Real Docker for tests. Everything a test creates carries `mlw.test=<id>` so `cleanup()` removes it. When the engine
 * does not answer, tests skip with the reason, except under CI (`CI=true`) where they fail.
 */
export class DockerTestBed {
  readonly docker = new Docker();
  readonly testId = `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  readonly labels: Record<string, string> = { [TEST_LABEL]: this.testId };
  private availability: Promise<string | undefined> | undefined;

  /** Resolves to `undefined` when the engine and the local test images are there, else to why not. */
  unavailableReason(): Promise<string | undefined> {
    this.availability ??= (async () => {
      try {
        await this.docker.ping();
      } catch (error) {
        return `Docker engine not reachable (${error instanceof Error ? error.message : String(error)}); run scripts/start-docker.sh`;
      }
      for (const image of [BUSYBOX_IMAGE, PYTHON_IMAGE]) {
        const present = await this.docker.getImage(image).inspect().then(() => true, () => false);
        if (!present) return `image ${image} is missing; run scripts/start-docker.sh`;
      }
      return undefined;
    })();
    return this.availability;
  }

  /** Call first in every test: returns false (and marks the test skipped) when Docker is not usable here. */
  async ready(t: TestContext): Promise<boolean> {
    const reason = await this.unavailableReason();
    if (!reason) return true;
    if (process.env.CI === 'true') throw new Error(`Docker is required under CI: ${reason}`);
    t.skip(reason);
    return false;
  }

  /** Removes every container and image labelled with this test bed's id. */
  async cleanup(): Promise<void> {
    if (await this.unavailableReason()) return;
    const filters = { label: [`${TEST_LABEL}=${this.testId}`] };
    const containers = await this.docker.listContainers({ all: true, filters });
    await Promise.all(containers.map((c) => this.docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
    // Tagged images first: removing one also removes its untagged parents; what is left are failed builds' layers.
    for (let pass = 0; pass < 2; pass++) {
      const images = await this.docker.listImages({ all: true, filters });
      images.sort((a, b) => Number(isTagged(b)) - Number(isTagged(a)));
      for (const image of images) await this.docker.getImage(image.Id).remove({ force: true }).catch(() => undefined);
    }
  }
}

function isTagged(image: Docker.ImageInfo): boolean {
  return (image.RepoTags ?? []).some((tag) => tag !== '<none>:<none>');
}

/** Polls `check` until it returns a value other than `undefined`/`false`, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 5;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 100);
  }
}

/** Waits until the file contains `text`; returns the content. */
export function waitForText(file: string, text: string, timeoutMs?: number): Promise<string> {
  return waitFor(`"${text}" in ${file}`, () => {
    const content = existsSync(file) ? readFileSync(file, 'utf8') : '';
    return content.includes(text) ? content : undefined;
  }, timeoutMs);
}
