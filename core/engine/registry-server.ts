import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { onPath, writePrivateFile } from '../data/fs-util';
import { WorkspaceLayout } from './layout';

/** How long a leftover registry may take to exit after SIGKILL. */
const LEFTOVER_EXIT_MS = 5_000;

/** What `.mlw/registry/registry.json` records while the daemon runs the workspace's registry. */
export interface RegistryServerRecord {
  /** The `docker-registry` process. */
  pid: number;
  /** The daemon that runs it (the record is stale once that one is gone). */
  daemonPid: number;
  port: number;
  /** Where it answers: `127.0.0.1:<port>` first, then the addresses opened for computes. */
  addresses: string[];
  /** Relative to the workspace folder. */
  storage: string;
  log: string;
}

export class RegistryNotInstalled extends Error {
  constructor() {
    super(
      "docker-registry is not installed, so the workspace cannot run its own container registry: install Debian's docker-registry package (`sudo apt-get install docker-registry`), or name a registry mlw reaches in workspace.yml (`container_registry: host:port`) and run `mlw workspace create` again",
    );
  }
}

/** The files of the workspace's registry, all under `.mlw/registry/`. */
export function registryFiles(root: string): { dir: string; storage: string; config: string; log: string; record: string } {
  const dir = path.join(new WorkspaceLayout(root).mlwDir, 'registry');
  return { dir, storage: path.join(dir, 'data'), config: path.join(dir, 'config.yml'), log: path.join(dir, 'registry.log'), record: path.join(dir, 'registry.json') };
}

/** The recorded registry of `root`, while the daemon that runs it is alive. */
export function readRegistryRecord(root: string): RegistryServerRecord | undefined {
  try {
    const record = JSON.parse(fs.readFileSync(registryFiles(root).record, 'utf8')) as RegistryServerRecord;
    return hasExited(record.daemonPid) ? undefined : record;
  } catch {
    return undefined;
  }
}

/**
 * Stops a registry a daemon of `root` left running after it was killed (without setpriv its registry outlives it): it
 * holds the storage and the port. The recorded process is killed only while its command line is still this workspace's
 * `docker-registry`, and answers once it is gone and its port free (at most 5 s). A registry whose daemon lives is that
 * daemon's and is left alone; `includingThisProcess` counts one this process recorded as left over (a daemon starting
 * its registry again).
 */
export async function stopLeftoverRegistry(root: string, { includingThisProcess = false } = {}): Promise<void> {
  const files = registryFiles(root);
  let record: RegistryServerRecord;
  try {
    record = JSON.parse(fs.readFileSync(files.record, 'utf8')) as RegistryServerRecord;
  } catch {
    return;
  }
  if (!hasExited(record.daemonPid) && !(includingThisProcess && record.daemonPid === process.pid)) return;
  try {
    const command = fs.readFileSync(`/proc/${record.pid}/cmdline`, 'utf8');
    if (!command.includes('docker-registry') || !command.includes(files.config)) return;
    process.kill(record.pid, 'SIGKILL');
  } catch {
    return; // gone already
  }
  // a process outside ours: no exit event to await; its port is free once nothing answers there
  const deadline = Date.now() + LEFTOVER_EXIT_MS;
  while (Date.now() < deadline && (!hasExited(record.pid) || (await portTaken(record.port)))) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** `docker-registry` on PATH, or RegistryNotInstalled. */
export function dockerRegistryExecutable(env: NodeJS.ProcessEnv = process.env): string {
  const found = onPath('docker-registry', env.PATH);
  if (!found) throw new RegistryNotInstalled();
  return found;
}

/**
 * How to run `executable` so that the kernel kills it when the daemon dies, even by SIGKILL: through util-linux's
 * `setpriv --pdeathsig KILL`, which execs it (pid and command line stay the registry's); a plain spawn without setpriv,
 * which leaves a registry for the next daemon to stop (stopLeftoverRegistry).
 */
function endingWithDaemon(executable: string, args: string[], env: NodeJS.ProcessEnv): [string, string[]] {
  const setpriv = onPath('setpriv', env.PATH);
  return setpriv ? [setpriv, ['--pdeathsig', 'KILL', executable, ...args]] : [executable, args];
}

const READY_TIMEOUT_MS = 20_000;
const MAX_RESTARTS = 5;

/**
 * The workspace's own registry: Debian's `docker-registry` (distribution 2.8) storing under `.mlw/registry/data`,
 * listening on loopback only, run and restarted by the daemon. Computes whose nodes cannot reach this machine's
 * loopback get a forwarder on the address they reach this machine at (`addressFor`), on the same port when it is free.
 */
export class RegistryServer {
  private child: ChildProcess | undefined;
  private port = 0;
  private starting: Promise<number> | undefined;
  private stopping = false;
  private restarts = 0;
  private readonly forwarders = new Map<string, Promise<{ server: net.Server; address: string }>>();
  /** The forwarders' addresses, by host. */
  private readonly opened = new Map<string, string>();
  private readonly files: ReturnType<typeof registryFiles>;

  constructor(
    private readonly root: string,
    private readonly log: (line: string) => void = () => {},
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.files = registryFiles(root);
  }

  /** Starts the registry (once); answers its loopback port. */
  start(): Promise<number> {
    this.starting ??= this.launch().catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  /** Where this machine's engine pushes: loopback, which Docker treats as an insecure registry by default. */
  async pushAddress(): Promise<string> {
    return `127.0.0.1:${await this.start()}`;
  }

  /** The registry as reached at `host`, one of this machine's addresses (a forwarder is opened for it once). */
  async addressFor(host: string): Promise<string> {
    const port = await this.start();
    if (host === '127.0.0.1' || host === 'localhost') return `127.0.0.1:${port}`;
    let forwarder = this.forwarders.get(host);
    if (!forwarder) {
      forwarder = forward(host, port);
      this.forwarders.set(host, forwarder);
      forwarder.then(({ address }) => (this.opened.set(host, address), this.writeRecord()), () => this.forwarders.delete(host));
    }
    const { address } = await forwarder.catch((error: unknown) => {
      throw new Error(`the workspace registry cannot listen on ${host}: ${(error as Error).message}`, { cause: error });
    });
    return address;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.forwarders.values()].map((forwarder) => forwarder.then(({ server }) => new Promise((resolve) => server.close(resolve)), () => undefined)));
    this.forwarders.clear();
    this.opened.clear();
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    }
    fs.rmSync(this.files.record, { force: true });
    this.starting = undefined;
  }

  private async launch(): Promise<number> {
    const executable = dockerRegistryExecutable(this.env);
    this.stopping = false;
    fs.mkdirSync(this.files.storage, { recursive: true });
    await stopLeftoverRegistry(this.root, { includingThisProcess: true });
    this.port = await freePort('127.0.0.1', this.previousPort());
    const config = [
      'version: 0.1',
      'log: {level: warn, fields: {service: registry}}',
      'storage:',
      `  filesystem: {rootdirectory: ${JSON.stringify(this.files.storage)}}`,
      '  delete: {enabled: true}',
      'http:',
      `  addr: 127.0.0.1:${this.port}`,
      '',
    ].join('\n');
    fs.writeFileSync(this.files.config, config);
    await this.spawnAndWait(executable);
    this.log(`mlw serve: workspace registry (docker-registry) on 127.0.0.1:${this.port}, storage ${path.relative(this.root, this.files.storage)}`);
    return this.port;
  }

  private async spawnAndWait(executable: string): Promise<void> {
    const logFd = fs.openSync(this.files.log, 'a');
    const [command, args] = endingWithDaemon(executable, ['serve', this.files.config], this.env);
    const child = spawn(command, args, { stdio: ['ignore', logFd, logFd] });
    fs.closeSync(logFd);
    this.child = child;
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code, signal) => reject(new Error(`docker-registry exited (${signal ?? `code ${code}`}) before answering; its log ${this.files.log} ends with:\n${tail(this.files.log)}`))),
    );
    exited.catch(() => undefined);
    child.once('error', (error) => this.log(`mlw serve: docker-registry: ${error.message}`));
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let delay = 20;
    while (!(await Promise.race([answers(this.port), exited]))) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`docker-registry did not answer on 127.0.0.1:${this.port} within ${READY_TIMEOUT_MS / 1000} s; see ${this.files.log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 200);
    }
    this.writeRecord();
    child.once('exit', (code, signal) => this.restartAfterExit(executable, code, signal));
  }

  /** A registry that dies while the daemon runs is started again on the same port (a few times). */
  private restartAfterExit(executable: string, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stopping) return;
    this.log(`mlw serve: the workspace registry exited (${signal ?? `code ${code}`}); see ${this.files.log}`);
    if (++this.restarts > MAX_RESTARTS) {
      this.log(`mlw serve: the workspace registry exited ${MAX_RESTARTS} times; not started again until the daemon restarts`);
      fs.rmSync(this.files.record, { force: true });
      return;
    }
    this.spawnAndWait(executable).catch((error: unknown) => this.log(`mlw serve: the workspace registry did not start again: ${(error as Error).message}`));
  }

  /** The port the registry had before (its config keeps it), so that references to pushed images stay valid. */
  private previousPort(): number {
    try {
      return Number(/^\s*addr: 127\.0\.0\.1:(\d+)$/m.exec(fs.readFileSync(this.files.config, 'utf8'))?.[1] ?? 0);
    } catch {
      return 0;
    }
  }

  private writeRecord(): void {
    if (!this.child?.pid) return;
    const record: RegistryServerRecord = {
      pid: this.child.pid,
      daemonPid: process.pid,
      port: this.port,
      addresses: [`127.0.0.1:${this.port}`, ...this.opened.values()],
      storage: path.relative(this.root, this.files.storage),
      log: path.relative(this.root, this.files.log),
    };
    writePrivateFile(this.files.record, JSON.stringify(record, null, 2) + '\n');
  }
}

/** A TCP forwarder from `host` to the registry on loopback. */
async function forward(host: string, port: number): Promise<{ server: net.Server; address: string }> {
  const server = net.createServer((socket) => {
    const upstream = net.connect(port, '127.0.0.1');
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  const listen = (at: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(at, host, () => (server.off('error', reject), resolve()));
    });
  await listen(port).catch((error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? listen(0) : Promise.reject(error)));
  const bound = server.address() as net.AddressInfo;
  return { server, address: `${net.isIPv6(host) ? `[${host}]` : host}:${bound.port}` };
}

async function freePort(host: string, preferred: number): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(port, host, () => {
        const bound = (server.address() as net.AddressInfo).port;
        server.close(() => resolve(bound));
      });
    });
  return preferred ? tryPort(preferred).catch(() => tryPort(0)) : tryPort(0);
}

async function answers(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/v2/`, { signal: AbortSignal.timeout(2_000) });
    return response.status === 200;
  } catch {
    return false;
  }
}

function tail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-10).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Whether something listens on `port` of loopback. */
function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

/** Whether `pid` is gone or a zombie (killed, not yet reaped by its parent: it holds no port any more). */
function hasExited(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}
