import fs from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import type { AssetKind } from '../../core/vocabulary';
import { startPlane, workspace, type Plane } from './control-plane';
import { DockerTestBed } from './docker';

export const docker = new DockerTestBed();
export const EXAMPLES = path.resolve(__dirname, '../../examples');
export const CLIENT_IMAGE = 'localtest/mlflow-client:2.12.2';

/** A workspace holding a copy of examples/, with a daemon; containers its jobs leave are removed afterwards. */
export async function examplesWorkspace(t: TestContext): Promise<Plane> {
  const root = await workspace(t);
  fs.cpSync(EXAMPLES, root, { recursive: true });
  t.after(async () => {
    if (await docker.unavailableReason()) return;
    const left = await docker.docker.listContainers({ all: true, filters: { label: [`mlw.workspace=${root}`] } });
    await Promise.all(left.map((c) => docker.docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  });
  return startPlane(t, root);
}

/** Registers the asset a file of the examples workspace defines. */
export const register = (plane: Plane, kind: AssetKind, file: string) => plane.client.assets.register(kind, { path: path.join(plane.root, file) });

/** Docker with the image the sklearn environment is built from, else skipped (failed under CI). */
export async function dockerWithClientImage(t: TestContext): Promise<boolean> {
  if (!(await docker.ready(t))) return false;
  if (await docker.docker.getImage(CLIENT_IMAGE).inspect().then(() => true, () => false)) return true;
  const reason = `${CLIENT_IMAGE} is missing; run ../shared/scripts/mlflow/build-client-image.sh (npm test's pretest does)`;
  if (process.env.CI === 'true') throw new Error(reason);
  t.skip(reason);
  return false;
}
