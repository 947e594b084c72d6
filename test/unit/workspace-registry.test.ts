import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import Docker from 'dockerode';
import { RegistryPublisher } from '../../core/compute/swarm/images';
import { dockerRegistryExecutable, readRegistryRecord, RegistryServer, registryFiles, stopLeftoverRegistry } from '../../core/engine/registry-server';
import { probeRegistry, WorkspaceRegistry } from '../../core/engine/workspace-registry';
import { recordWorkspace } from '../../core/engine/workspace-record';
import { BUSYBOX_IMAGE, DockerTestBed, waitFor } from '../support/docker';
import { workspace } from '../support/control-plane';
import { isRunning, kill, startDaemonProcess } from '../support/daemon-process';
import { tempDir } from '../support/temp';
import { check } from '../support/validate';
import { startDaemon } from '../../daemon/start-daemon';

const docker = new Docker();

async function answers(address: string): Promise<boolean> {
  return fetch(`http://${address}/v2/`, { signal: AbortSignal.timeout(2_000) }).then((response) => response.status === 200, () => false);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A folder recorded as a workspace, with or without `container_registry`. */
async function recordedWorkspace(t: TestContext, containerRegistry?: string): Promise<string> {
  const root = await workspace(t);
  recordWorkspace(root, { name: 'reg-ws', ...(containerRegistry ? { container_registry: containerRegistry } : {}) } as never, path.join(root, 'workspace.yml'));
  return root;
}

/** Removes image references (tags, digests) a test made; the images themselves stay for the others' tags. */
function untagAfter(t: TestContext, references: string[]): void {
  t.after(async () => {
    for (const reference of references) await docker.getImage(reference).remove().catch(() => undefined);
  });
}

test('the workspace registry runs docker-registry on loopback with storage under .mlw/registry/; an image pushed from the local engine is pulled by digest through the address computes reach', async (t) => {
  if (!(await new DockerTestBed().ready(t))) return;
  const root = await recordedWorkspace(t);
  const registry = new WorkspaceRegistry(root);
  t.after(() => registry.close());

  const state = await registry.ensure();
  assert.equal(state.kind, 'own');
  const server = state.kind === 'own' ? state.server : assert.fail('own registry');
  assert.deepEqual(server.addresses, [`127.0.0.1:${server.port}`]);
  assert.equal(server.storage, '.mlw/registry/data');
  assert.ok(await answers(`127.0.0.1:${server.port}`));
  assert.match(fs.readFileSync(`/proc/${server.pid}/cmdline`, 'utf8'), /docker-registry/);

  // 127.0.0.2 stands for the address Swarm nodes reach this machine at (any 127.0.0.0/8 is an insecure registry).
  const publisher = new RegistryPublisher(docker, () => registry.addressesFor(async () => '127.0.0.2'));
  const reference = await publisher.reference(BUSYBOX_IMAGE);
  const match = /^127\.0\.0\.2:(\d+)\/mlw-env:([0-9a-f]+)@(sha256:[0-9a-f]{64})$/.exec(reference);
  assert.ok(match, reference);
  const [, pullPort, tag, digest] = match;
  const byDigest = `127.0.0.2:${pullPort}/mlw-env@${digest}`;
  untagAfter(t, [`127.0.0.1:${server.port}/mlw-env:${tag}`, byDigest]);
  assert.deepEqual(readRegistryRecord(root)?.addresses, [`127.0.0.1:${server.port}`, `127.0.0.2:${pullPort}`], 'the opened address is recorded');

  const pull = await docker.pull(byDigest);
  await new Promise((resolve, reject) => docker.modem.followProgress(pull, (error: Error | null) => (error ? reject(error) : resolve(undefined))));
  const pulled = await docker.getImage(byDigest).inspect();
  assert.equal(pulled.Id, (await docker.getImage(BUSYBOX_IMAGE).inspect()).Id, 'the same image came back by digest');
  assert.ok(fs.readdirSync(path.join(root, '.mlw/registry/data/docker/registry/v2/repositories')).includes('mlw-env'));

  await registry.close();
  assert.equal(readRegistryRecord(root), undefined, 'the record goes with the registry');
  await waitFor('docker-registry to exit', () => !alive(server.pid));
  assert.equal(await answers(`127.0.0.2:${pullPort}`), false, 'the forwarder is closed');

  // Started again, it takes the same port, so references already handed out stay valid.
  const restarted = new WorkspaceRegistry(root);
  t.after(() => restarted.close());
  const again = await restarted.ensure();
  assert.equal(again.kind === 'own' && again.server.port, server.port);
  const manifest = await fetch(`http://127.0.0.1:${server.port}/v2/mlw-env/manifests/${digest}`, { method: 'HEAD', headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
  assert.equal(manifest.status, 200, 'the pushed image is kept in .mlw/registry/');
});

test('a workspace registry that dies is started again on the same port', async (t) => {
  const root = await recordedWorkspace(t);
  const server = new RegistryServer(root);
  t.after(() => server.stop());
  const port = await server.start();
  const first = readRegistryRecord(root)!.pid;
  process.kill(first, 'SIGKILL');
  const second = await waitFor('a new docker-registry', () => {
    const pid = readRegistryRecord(root)?.pid;
    return pid !== undefined && pid !== first && pid;
  });
  await waitFor('the registry to answer again', () => answers(`127.0.0.1:${port}`));
  assert.equal(readRegistryRecord(root)?.port, port);
  await server.stop();
  await waitFor('docker-registry to exit', () => !alive(second));
});

test('without docker-registry installed the workspace registry says how to install it', async (t) => {
  const root = await recordedWorkspace(t);
  const emptyPath = await tempDir(t);
  const server = new RegistryServer(root, () => {}, { PATH: emptyPath });
  await assert.rejects(server.start(), /docker-registry is not installed.*apt-get install docker-registry.*container_registry: host:port/);
  assert.equal(fs.existsSync(registryFiles(root).record), false);
});

test('container_registry host:port is the registry used, an Azure resource ID gives none, and an address that does not answer is refused', async (t) => {
  const ownRoot = await recordedWorkspace(t);
  const own = new RegistryServer(ownRoot);
  t.after(() => own.stop());
  const port = await own.start();

  const external = new WorkspaceRegistry(await recordedWorkspace(t, `127.0.0.1:${port}`));
  assert.deepEqual(await external.ensure(), { kind: 'external', address: `127.0.0.1:${port}` });
  assert.deepEqual(await external.addressesFor(async () => '10.0.0.1'), { pull: `127.0.0.1:${port}`, push: `127.0.0.1:${port}` });
  await probeRegistry(`127.0.0.1:${port}`);

  const azure = new WorkspaceRegistry(await recordedWorkspace(t, '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr1'));
  assert.equal((await azure.ensure()).kind, 'none');
  assert.equal(await azure.addressesFor(async () => '10.0.0.1'), undefined, 'images are used as they are');

  await own.stop();
  await assert.rejects(probeRegistry(`127.0.0.1:${port}`), new RegExp(`container_registry 127\\.0\\.0\\.1:${port} does not answer as a container registry .*ECONNREFUSED`));
});

test('the editor says mlw cannot reach an Azure container_registry, and says nothing of a host:port one it uses', () => {
  const spec = (registry: string) => `$schema: https://azuremlschemas.azureedge.net/latest/workspace.schema.json\nname: reg-ws\ncontainer_registry: ${registry}\n`;
  const about = (registry: string) => check(spec(registry), 'workspace.yml').filter((d) => d.message.startsWith('`container_registry`'));
  assert.match(about('/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr1')[0]?.message ?? '', /mlw cannot reach this Azure registry/);
  assert.deepEqual(about('10.0.0.1:5000'), []);
  assert.deepEqual(about('registry.lab.internal:443'), []);
});

test('a daemon whose workspace.json is damaged still serves, without a registry', async (t) => {
  const root = await workspace(t, { '.mlw/workspace.json': '{ not json' });
  const logged: string[] = [];
  const daemon = await startDaemon({ root, version: 'test', port: 0, log: (line) => logged.push(line) });
  t.after(() => daemon.stop());
  assert.ok(logged.some((line) => /workspace\.json is damaged/.test(line)), logged.join('\n'));
  assert.equal(readRegistryRecord(root), undefined);
});

test('a daemon killed with SIGKILL takes its registry with it', async (t) => {
  const root = await recordedWorkspace(t);
  const daemon = await startDaemonProcess(t, root);
  const record = readRegistryRecord(root) ?? assert.fail('the daemon runs the workspace registry');
  assert.equal(record.daemonPid, daemon.child.pid);
  await kill(daemon);
  await waitFor('the registry to exit with its daemon', () => !isRunning(record.pid), 10_000);
});

/** A registry left running by a daemon killed with SIGKILL: without setpriv on PATH the registry is a plain child. */
async function leftoverRegistry(t: TestContext, root: string) {
  const withoutSetpriv = await tempDir(t);
  fs.symlinkSync(dockerRegistryExecutable(), path.join(withoutSetpriv, 'docker-registry'));
  const script = `const { RegistryServer } = require(${JSON.stringify(path.resolve(__dirname, '../../core/engine/registry-server'))}); new RegistryServer(${JSON.stringify(root)}, () => {}, { PATH: ${JSON.stringify(withoutSetpriv)} }).start().then(() => setInterval(() => {}, 1000));`;
  const daemon = spawn(process.execPath, ['--import', 'tsx', '-e', script], { stdio: 'ignore' });
  t.after(() => daemon.kill('SIGKILL'));
  const left = await waitFor('the first daemon\'s registry', () => readRegistryRecord(root), 20_000);
  daemon.kill('SIGKILL');
  await waitFor('that daemon to be gone', () => !alive(left.daemonPid));
  assert.ok(alive(left.pid), 'its registry outlived it');
  t.after(() => alive(left.pid) && process.kill(left.pid, 'SIGKILL'));
  return left;
}

test('a registry left running by a daemon that was killed is stopped and replaced by the next one, on the same port', async (t) => {
  const root = await recordedWorkspace(t);
  const left = await leftoverRegistry(t, root);

  const next = new RegistryServer(root);
  t.after(() => next.stop());
  assert.equal(await next.start(), left.port);
  await waitFor('the leftover registry to be gone', () => !alive(left.pid));
  assert.notEqual(readRegistryRecord(root)?.pid, left.pid);
});

test('stopLeftoverRegistry stops a registry whose daemon was killed and leaves one whose daemon runs, this process included', async (t) => {
  const running = await recordedWorkspace(t);
  const server = new RegistryServer(running);
  t.after(() => server.stop());
  const port = await server.start();
  const pid = readRegistryRecord(running)!.pid;
  await stopLeftoverRegistry(running);
  assert.ok(alive(pid) && (await answers(`127.0.0.1:${port}`)), 'the registry of a daemon that runs is left alone');
  assert.equal(readRegistryRecord(running)?.pid, pid);

  const root = await recordedWorkspace(t);
  const left = await leftoverRegistry(t, root);
  await stopLeftoverRegistry(root);
  await waitFor('the leftover registry to be gone', () => !alive(left.pid), 5_000);
  assert.equal(await answers(`127.0.0.1:${left.port}`), false);
});
