import Docker from 'dockerode';
import { execFile, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import { waitFor } from './docker';

const execFileAsync = promisify(execFile);

/** Starts dockerd inside a network namespace with its own mount namespace (see its header for why). */
const NETNS_DOCKERD_SCRIPT = path.join(__dirname, 'netns-dockerd.sh');

/** A private dockerd in its own network namespace; the host's engine is never touched. */
export interface PrivateEngine {
  /** The network namespace; run clients in it with `ip netns exec <netns> …`. */
  netns: string;
  /** `unix://…`, for `DOCKER_HOST`. */
  host: string;
  docker: Docker;
  /** Runs a command inside the namespace; resolves to stdout, rejects with stderr on a non-zero exit. */
  exec(command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string>;
  /** Starts a long-running command inside the namespace; it is stopped (SIGTERM) before the engine. */
  spawn(command: string, args: string[], options: SpawnOptions): ChildProcess;
  /** Stops dockerd with SIGTERM, as a service manager does (it stops every container first), and starts it again. */
  restart(): Promise<void>;
}

export interface PrivateEngineOptions {
  /**
   * Gives the engine's bridge the host's docker0 address (`--bip`), so that a control plane in the host's namespace
   * finds an address to listen on for the engine's containers.
   */
  hostBridgeAddress?: boolean;
}

/** Why a private engine cannot start here, or undefined. */
async function unavailableReason(options: PrivateEngineOptions): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'a private dockerd in a network namespace needs root';
  for (const tool of ['dockerd', 'nsenter', 'unshare']) {
    if (!(await execFileAsync('sh', ['-c', `command -v ${tool}`]).then(() => true, () => false))) return `${tool} is not installed`;
  }
  try {
    await execFileAsync('ip', ['netns', 'list']);
  } catch (error) {
    return `\`ip netns\` is unavailable: ${(error as Error).message}`;
  }
  if (options.hostBridgeAddress && !(await hostBridgeAddress())) return 'the host has no docker0 address';
  return undefined;
}

function skipOrFail(t: TestContext, reason: string): undefined {
  if (process.env.CI === 'true') throw new Error(`a network namespace with a private Docker engine is required under CI: ${reason}`);
  t.skip(reason);
  return undefined;
}

async function addNetns(prefix: string): Promise<string> {
  const netns = `${prefix}${randomBytes(3).toString('hex')}`;
  await execFileAsync('ip', ['netns', 'add', netns]);
  await execFileAsync('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
  return netns;
}

function deleteNetns(netns: string): Promise<unknown> {
  return execFileAsync('ip', ['netns', 'del', netns]).catch(() => undefined);
}

/** An empty network namespace (loopback up) deleted when the test ends; undefined (skipped) as for a private engine. */
export async function startNetns(t: TestContext): Promise<string | undefined> {
  const reason = await unavailableReason({});
  if (reason) return skipOrFail(t, reason);
  const netns = await addNetns('mlwns');
  t.after(() => deleteNetns(netns));
  return netns;
}

/**
 * A second dockerd, started fresh in a network namespace this test creates, with `images` loaded from the host's
 * engine. Its docker0 is down and no container has run on it. Everything (dockerd, namespace, folders) goes when the
 * test ends, failed or not. Resolves to undefined (test skipped) when that is not possible here, except under CI.
 */
export async function startFreshEngine(t: TestContext, images: string[], options: PrivateEngineOptions = {}): Promise<PrivateEngine | undefined> {
  const reason = await unavailableReason(options);
  if (reason) return skipOrFail(t, reason);
  // Short: containerd's socket lives under the exec root, and Unix socket paths are limited to 108 bytes.
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'mlwe-'));
  const socket = path.join(dir, 'd.sock');
  const logFile = path.join(dir, 'dockerd.log');
  const inside: ChildProcess[] = [];
  let dockerd: ChildProcess | undefined;
  let netns: string | undefined;
  // One hook, in order: what runs in the namespace, then dockerd (its containers and containerd go with it), then
  // the namespace, then the folders (only once dockerd is gone: its mounts live in its own mount namespace).
  t.after(async () => {
    for (const child of [...inside, dockerd]) if (child) await stop(child);
    if (netns) await deleteNetns(netns);
    await fs.promises.rm(dir, { recursive: true, force: true });
  });
  netns = await addNetns('mlwe');
  const args = ['--host', `unix://${socket}`, '--data-root', path.join(dir, 'data'), '--exec-root', path.join(dir, 'x'),
    '--pidfile', path.join(dir, 'dockerd.pid')];
  if (options.hostBridgeAddress) args.push('--bip', (await hostBridgeAddress())!);
  const docker = new Docker({ socketPath: socket });
  const start = async (): Promise<void> => {
    // The script execs into dockerd, so this child's PID is dockerd's; the daemon's own containerd lives under --exec-root.
    const daemon = spawn(NETNS_DOCKERD_SCRIPT, [netns!, logFile, '--', ...args], { detached: true, stdio: 'ignore' });
    dockerd = daemon;
    await waitFor('the private dockerd to answer', async () => {
      if (!running(daemon)) throw new Error(`the private dockerd exited:\n${fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-2000) : ''}`);
      return docker.ping().then(() => true, () => false);
    }, 30_000);
  };
  await start();
  const host = new Docker();
  for (const image of images) {
    const progress = await docker.loadImage(await host.getImage(image).get());
    await new Promise((resolve, reject) => docker.modem.followProgress(progress, (error: Error | null) => (error ? reject(error) : resolve(undefined))));
  }
  return {
    netns,
    host: `unix://${socket}`,
    docker,
    exec: async (command, args, env) => (await execFileAsync('ip', ['netns', 'exec', netns!, command, ...args], { encoding: 'utf8', env })).stdout,
    spawn: (command, args, options) => {
      // `ip netns exec` execs the command, so the child's PID is the command's.
      const child = spawn('ip', ['netns', 'exec', netns!, command, ...args], options);
      inside.push(child);
      return child;
    },
    restart: async () => {
      if (dockerd) await stop(dockerd);
      await start();
    },
  };
}

/** The host's docker0 address with its prefix length (`172.17.0.1/16`), or undefined. */
async function hostBridgeAddress(): Promise<string | undefined> {
  const out = await execFileAsync('ip', ['-4', '-o', 'addr', 'show', 'dev', 'docker0'], { encoding: 'utf8' }).then((result) => result.stdout, () => '');
  return /inet (\d+\.\d+\.\d+\.\d+\/\d+)/.exec(out)?.[1];
}

function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/**
 * SIGTERM, then SIGKILL if it has not exited after `graceMs`; resolves once it has exited. The grace leaves dockerd
 * time to stop its containers (each gets its own stop timeout).
 */
async function stop(child: ChildProcess, graceMs = 60_000): Promise<void> {
  if (!child.pid || !running(child)) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(kill);
}
