import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { waitFor, type DockerTestBed } from './docker';

const execFileAsync = promisify(execFile);
const REPO = path.resolve(__dirname, '../..');
const LAB_SCRIPT = path.join(REPO, 'scripts/lab/remote-engine-lab.sh');
const SHARED_NETNS_DOCKERD = path.join(REPO, '../shared/scripts/swarm/lib/netns-dockerd.sh');

/** A lab remote Docker engine (scripts/lab/remote-engine-lab.sh): mutual TLS on a namespace address, SSH on loopback. */
export interface RemoteEngineLab {
  dir: string;
  /** `tcp://<ip>:2376` */
  tlsEndpoint: string;
  /** `ssh://root@127.0.0.1:<port>` */
  sshEndpoint: string;
  sshHostKeyFingerprint: string;
  sshPrivateKey: string;
  /** The engine's own Unix socket, to look at it from the test without going through TLS or SSH. */
  engineSocket: string;
  /** This machine's address on the lab's link, which the engine's containers reach. */
  hostAddress: string;
  /** CA, client certificate and key the engine trusts, and a client certificate from a CA it does not trust. */
  files: { ca: string; cert: string; key: string; rogueCert: string; rogueKey: string };
  /** Stops the engine (SIGTERM, as a service manager does: it stops its containers first) and waits until it is gone. */
  stopEngine(): Promise<void>;
  down(): Promise<void>;
}

/** Why the lab cannot come up here, or undefined. */
async function unavailableReason(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'the remote engine lab needs root (network namespace, dockerd, sshd)';
  if (!fs.existsSync(SHARED_NETNS_DOCKERD)) return `${SHARED_NETNS_DOCKERD} is missing (the shared scripts beside the repository)`;
  for (const tool of ['dockerd', 'docker', 'openssl', '/usr/sbin/sshd', 'nsenter']) {
    if (!(await execFileAsync('sh', ['-c', `command -v ${tool}`]).then(() => true, () => false))) return `${tool} is not installed (scripts/provision.sh)`;
  }
  return undefined;
}

/**
 * Brings a lab up with names of its own (LAB, LAB_NET and the SSH port differ per process), or resolves to the reason
 * it cannot, which the caller turns into a skip; under CI (`CI=true`) that is a failure instead.
 */
export async function startRemoteEngineLab(): Promise<RemoteEngineLab | string> {
  const reason = await unavailableReason();
  if (reason) {
    if (process.env.CI === 'true') throw new Error(`the remote engine lab is required under CI: ${reason}`);
    return reason;
  }
  const id = randomBytes(3);
  const env = {
    ...process.env,
    LAB: `mlwr${id.toString('hex')}`,
    // 10.214–10.245.x.0/24: own addresses inside this machine's namespaces only
    LAB_NET: `10.${214 + (id[0]! % 32)}.${id[1]!}`,
    LAB_SSH_PORT: String(await freeLoopbackPort()),
    LAB_DIR: path.join('/tmp', `mlwr${id.toString('hex')}`),
  };
  const down = async (): Promise<void> => {
    await execFileAsync('bash', [LAB_SCRIPT, 'down'], { env }).catch((error: unknown) => process.emitWarning(`remote engine lab teardown: ${(error as Error).message}`));
  };
  try {
    await execFileAsync('bash', [LAB_SCRIPT, 'up'], { env, timeout: 120_000 });
  } catch (error) {
    await down();
    throw new Error(`the remote engine lab did not come up: ${(error as { stderr?: string }).stderr || (error as Error).message}`);
  }
  const values = Object.fromEntries(
    fs.readFileSync(path.join(env.LAB_DIR, 'lab.env'), 'utf8').split('\n').filter(Boolean).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  const dir = env.LAB_DIR;
  return {
    dir,
    tlsEndpoint: values.TLS_ENDPOINT!,
    sshEndpoint: values.SSH_ENDPOINT!,
    sshHostKeyFingerprint: values.SSH_HOST_KEY_FINGERPRINT!,
    sshPrivateKey: values.SSH_PRIVATE_KEY!,
    engineSocket: values.ENGINE_SOCKET!,
    hostAddress: values.HOST_ADDRESS!,
    files: {
      ca: path.join(dir, 'ca.pem'), cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem'),
      rogueCert: path.join(dir, 'rogue-cert.pem'), rogueKey: path.join(dir, 'rogue-key.pem'),
    },
    stopEngine: async () => {
      const pid = Number(fs.readFileSync(path.join(dir, 'dockerd.launcher.pid'), 'utf8'));
      process.kill(pid, 'SIGTERM');
      await waitFor('the lab engine to stop', () => !alive(pid), 60_000);
    },
    down,
  };
}

/** A `type: remote` compute spec for an engine over mutual TLS with these certificate files. */
export function tlsCompute(name: string, files: RemoteEngineLab['files'], endpoint: string): string {
  return `name: ${name}\ntype: remote\nendpoint: ${endpoint}\ntls:\n  ca: ${files.ca}\n  cert: ${files.cert}\n  key: ${files.key}\n`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The lab for one test file: brought up before its tests and down after them. `ready(t)` answers it, or skips the
 * test with the reason it could not come up; `engine()` is the lab engine seen through its own socket, to check what
 * runs there without going through TLS or SSH.
 */
export function remoteEngineLabForFile(local: DockerTestBed): { ready(t: TestContext): Promise<RemoteEngineLab | undefined>; engine(): Docker } {
  let lab: RemoteEngineLab | undefined;
  let unavailable: string | undefined;
  let engine: Docker | undefined;
  before(async () => {
    const started = await startRemoteEngineLab();
    if (typeof started === 'string') unavailable = started;
    else {
      lab = started;
      engine = new Docker({ socketPath: lab.engineSocket });
    }
  });
  after(async () => {
    await lab?.down();
  });
  return {
    ready: async (t) => {
      if (!(await local.ready(t))) return undefined;
      if (!lab) t.skip(unavailable ?? 'the remote engine lab is not up');
      return lab;
    },
    engine: () => engine!,
  };
}
