import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { isAlive } from '../../core/api/connect';
import { RegistryServer } from '../../core/engine/registry-server';
import { stopDaemonAfter } from '../support/cli';
import { workspace } from '../support/control-plane';
import { waitFor } from '../support/docker';
import { tempDir } from '../support/temp';

// These tests run the built CLI and daemon (`npm test` builds before testing).
const OUT = path.resolve(__dirname, '../../out');

function mlw(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [path.join(OUT, 'cli.js'), ...args], { encoding: 'utf8', cwd, env: { ...env, MLW_DAEMON_SCRIPT: path.join(OUT, 'daemon.js') } });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

async function answers(address: string): Promise<boolean> {
  return fetch(`http://${address}/v2/`, { signal: AbortSignal.timeout(2_000) }).then((response) => response.status === 200, () => false);
}

test('mlw workspace create without container_registry starts the workspace registry with the daemon; show prints it; it stops with the daemon', async (t) => {
  const root = await workspace(t);
  const created = mlw(['workspace', 'create', '-n', 'reg-ws'], root);
  const daemon = stopDaemonAfter(t, root);
  assert.equal(created.status, 0, created.stderr);
  const line = /\n {2}container_registry: the workspace's registry, docker-registry at (127\.0\.0\.1:\d+) \(storage \.mlw\/registry\/data\/, log \.mlw\/registry\/registry\.log\)\n/.exec(created.stdout);
  assert.ok(line, created.stdout);
  const address = line[1]!;
  assert.ok(await answers(address));
  assert.ok(fs.statSync(path.join(root, '.mlw/registry/data')).isDirectory());
  const shown = mlw(['workspace', 'show'], root);
  assert.equal(shown.stdout, created.stdout.slice(created.stdout.indexOf('\n') + 1), 'show prints what create made');

  const { pid } = JSON.parse(fs.readFileSync(path.join(root, '.mlw/registry/registry.json'), 'utf8')) as { pid: number };
  process.kill(daemon, 'SIGTERM');
  await waitFor('the daemon to exit', () => !isAlive(daemon));
  await waitFor('the registry to exit with it', () => !isAlive(pid));
  assert.equal(fs.existsSync(path.join(root, '.mlw/registry/registry.json')), false);

  // The next daemon starts it again, on the same port.
  const again = mlw(['workspace', 'show'], root);
  stopDaemonAfter(t, root);
  assert.match(again.stdout, new RegExp(`container_registry: the workspace's registry, docker-registry at ${address.replace(/\./g, '\\.')} `));
});

test('mlw workspace create uses the host:port registry container_registry names, refuses one that does not answer, and says how to install docker-registry when it is missing', async (t) => {
  const registryRoot = await workspace(t);
  const external = new RegistryServer(registryRoot);
  t.after(() => external.stop());
  const address = `127.0.0.1:${await external.start()}`;

  const root = await workspace(t);
  const created = mlw(['workspace', 'create', '-n', 'byo-reg', '--container-registry', address], root);
  stopDaemonAfter(t, root);
  assert.equal(created.status, 0, created.stderr);
  assert.match(created.stdout, new RegExp(`\\n {2}container_registry: ${address.replace(/\./g, '\\.')}\\n {4}images of Swarm computes without \`registry:\` are pushed to and pulled from this registry\\n`));
  assert.equal(fs.existsSync(path.join(root, '.mlw/registry')), false, 'no registry of its own');

  await external.stop();
  const refused = mlw(['workspace', 'create', '-n', 'byo-reg', '--container-registry', address, '--description', 'changed'], root);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, new RegExp(`container_registry ${address.replace(/\./g, '\\.')} does not answer as a container registry`));
  assert.equal(JSON.parse(fs.readFileSync(path.join(root, '.mlw/workspace.json'), 'utf8')).spec.description, undefined, 'nothing recorded');

  const bare = await workspace(t);
  const withoutRegistry = mlw(['workspace', 'create', '-n', 'bare-ws'], bare, { ...process.env, PATH: await tempDir(t) });
  stopDaemonAfter(t, bare);
  assert.equal(withoutRegistry.status, 1);
  assert.match(withoutRegistry.stderr, /docker-registry is not installed, so the workspace cannot run its own container registry: install Debian's docker-registry package \(`sudo apt-get install docker-registry`\)/);
  assert.equal(fs.existsSync(path.join(bare, '.mlw/workspace.json')), false, 'nothing recorded');
});
