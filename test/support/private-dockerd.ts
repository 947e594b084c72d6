import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import Docker from 'dockerode';
import { waitFor } from './docker';

const SCRIPT = path.join(__dirname, 'netns-dockerd.sh');

/**
 * A Docker engine of the test's own, which the test may stop and restart (the host's engine is never touched): own
 * data root, exec root, pid file and socket, in its own network namespace (own bridge and iptables). Its bridge gets
 * the host's docker0 address, so the control plane (in the host's namespace) finds an address to listen on for
 * containers. Everything goes in `destroy()`.
 */
export class PrivateDockerd {
  readonly dir: string;
  readonly socket: string;
  readonly docker: Docker;
  private readonly netns: string;
  private pid: number | undefined;

  private constructor(private readonly bridgeIp: string) {
    const id = randomBytes(3).toString('hex');
    this.netns = `mlwt-${id}`;
    // Short: containerd's socket lives under the exec root, and Unix socket paths are limited to 108 bytes.
    this.dir = `/tmp/mlwt-${id}`;
    this.socket = path.join(this.dir, 'd.sock');
    this.docker = new Docker({ socketPath: this.socket });
  }

  /** Why a private engine cannot run here (not root, no tools, no docker0), or undefined. */
  static unavailableReason(): string | undefined {
    if (process.getuid?.() !== 0) return 'a private Docker engine needs root';
    for (const tool of ['dockerd', 'ip', 'nsenter', 'unshare']) {
      if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
    }
    return hostBridgeIp() ? undefined : 'the host has no docker0 address';
  }

  /** Starts an engine with `images` loaded from the host's engine; destroyed after the test. */
  static async create(t: TestContext, images: string[]): Promise<PrivateDockerd> {
    const engine = new PrivateDockerd(hostBridgeIp()!);
    t.after(() => engine.destroy());
    fs.mkdirSync(engine.dir, { recursive: true });
    run('ip', ['netns', 'add', engine.netns]);
    await engine.start();
    for (const image of images) run('sh', ['-c', `docker save "$1" | docker -H "unix://$2" load`, 'load', image, engine.socket]);
    return engine;
  }

  async start(): Promise<void> {
    const args = [
      '-H', `unix://${this.socket}`, '--data-root', path.join(this.dir, 'data'), '--exec-root', path.join(this.dir, 'x'),
      '--pidfile', path.join(this.dir, 'pid'), '--bip', this.bridgeIp,
    ];
    const child = spawn(SCRIPT, [this.netns, path.join(this.dir, 'log'), '--', ...args], { detached: true, stdio: 'ignore' });
    child.unref();
    this.pid = child.pid;
    await waitFor('the private Docker engine', () => this.docker.ping().then(() => true, () => false), 30_000);
  }

  /** SIGTERM, as a service manager stops an engine: it stops every container first. */
  async stop(): Promise<void> {
    const pid = this.pid;
    if (!pid || !alive(pid)) return;
    process.kill(pid, 'SIGTERM');
    await waitFor('the private Docker engine to exit', () => !alive(pid), 60_000);
    this.pid = undefined;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async destroy(): Promise<void> {
    await this.stop();
    spawnSync('ip', ['netns', 'del', this.netns]);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function hostBridgeIp(): string | undefined {
  const out = spawnSync('ip', ['-4', '-o', 'addr', 'show', 'dev', 'docker0'], { encoding: 'utf8' }).stdout ?? '';
  return /inet (\d+\.\d+\.\d+\.\d+\/\d+)/.exec(out)?.[1];
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
