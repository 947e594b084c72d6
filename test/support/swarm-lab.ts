import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

const LAB_SCRIPT = path.join(__dirname, '..', '..', 'scripts', 'lab', 'swarm-lab.sh');
/** The lab starts its dockerds with the shared script, next to the repository as in CI. */
const SHARED_NETNS_DOCKERD = path.join(__dirname, '..', '..', '..', 'shared', 'scripts', 'swarm', 'lib', 'netns-dockerd.sh');

/** A 3-node Swarm (1 manager, 2 workers) and a registry, private to one test file. */
export interface SwarmLab {
  name: string;
  /** The manager's Unix socket (`docker_host: unix://…`). */
  managerSocket: string;
  /** Every node's socket, the manager's first. */
  nodeSockets: string[];
  /** The registry as the nodes pull from it (`10.x.y.1:port`). */
  registry: string;
  /** The same registry as this host's engine pushes to it (`127.0.0.1:port`). */
  registryPush: string;
  /** This host's address on the lab's network, which the nodes route to. */
  hostAddress: string;
  /** The file holding the PID of a node's dockerd, by its hostname (`<lab>n2`). */
  pidFile(hostname: string): string;
  /** With `managerTls`: the manager's mutual-TLS address and the folder of the lab's certificates (lib/engine-certs.sh). */
  managerTls?: { endpoint: string; dir: string };
  /** With `managerSsh`: the manager's socket behind an sshd on loopback, its pinned host key, and the client's key file. */
  managerSsh?: { endpoint: string; hostKeyFingerprint: string; privateKey: string };
}

export interface SwarmLabOptions {
  /** The manager's dockerd also listens on `tcp://<manager>:2376` with `--tlsverify`. */
  managerTls?: boolean;
  /** An sshd on 127.0.0.1 forwards `ssh://root@127.0.0.1:<port>` to the manager's socket (`docker system dial-stdio`). */
  managerSsh?: boolean;
}

/** Why a lab cannot be built here, or undefined. */
function unavailableReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'a Swarm lab needs root';
  if (!fs.existsSync(SHARED_NETNS_DOCKERD)) return `the shared scripts are missing (${SHARED_NETNS_DOCKERD})`;
  return undefined;
}

/**
 * Brings a lab up for the test file and tears it down after it; undefined (the test skipped) where no lab can be
 * built, except under CI where that is a failure.
 */
export async function startSwarmLab(t: TestContext, options: SwarmLabOptions = {}): Promise<SwarmLab | undefined> {
  const reason = unavailableReason();
  if (reason) {
    if (process.env.CI === 'true') throw new Error(`a Swarm lab is required under CI: ${reason}`);
    t.skip(reason);
    return undefined;
  }
  const { lab, down } = await bringUpSwarmLab((message) => t.diagnostic(message), options);
  t.after(down);
  return lab;
}

/**
 * Brings a lab up (root needed) and gives the way to tear it down. Names and addresses derive from the process id,
 * so processes running in parallel get labs of their own.
 */
export async function bringUpSwarmLab(
  warn: (message: string) => void = (message) => process.emitWarning(message),
  options: SwarmLabOptions = {},
): Promise<{ lab: SwarmLab; down: () => Promise<void> }> {
  const reason = unavailableReason();
  if (reason) throw new Error(`no Swarm lab here: ${reason}`);
  const env = { ...process.env, LAB: `mlw${process.pid.toString(36).slice(-5)}`, LAB_NET: `10.100.${process.pid % 250}`, LAB_REGISTRY_PORT: String(20000 + (process.pid % 20000)), LAB_MANAGER_TLS: options.managerTls ? '1' : '0',
    LAB_MANAGER_SSH: options.managerSsh ? '1' : '0', LAB_SSH_PORT: String(40000 + (process.pid % 20000)) };
  const down = async (): Promise<void> => {
    await execFileAsync('bash', [LAB_SCRIPT, 'down'], { env }).catch((error: unknown) => warn(`swarm lab teardown: ${(error as Error).message}`));
  };
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync('bash', [LAB_SCRIPT, 'up'], { env, timeout: 120_000 }));
  } catch (error) {
    await down();
    throw new Error(`the Swarm lab did not come up: ${(error as { stderr?: string }).stderr ?? (error as Error).message}`);
  }
  const values = Object.fromEntries(stdout.trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
  const lab: SwarmLab = {
    name: env.LAB,
    managerSocket: values.MANAGER_SOCKET!,
    nodeSockets: values.NODE_SOCKETS!.split(' '),
    registry: values.REGISTRY!,
    registryPush: values.REGISTRY_PUSH!,
    hostAddress: values.HOST_ADDRESS!,
    pidFile: (hostname) => path.join(path.dirname(values.MANAGER_SOCKET!), `${hostname.slice(env.LAB.length)}.launcher.pid`),
    ...(values.MANAGER_TLS_ENDPOINT ? { managerTls: { endpoint: values.MANAGER_TLS_ENDPOINT, dir: values.MANAGER_TLS_DIR! } } : {}),
    ...(values.MANAGER_SSH_ENDPOINT
      ? { managerSsh: { endpoint: values.MANAGER_SSH_ENDPOINT, hostKeyFingerprint: values.MANAGER_SSH_HOST_KEY_FINGERPRINT!, privateKey: values.MANAGER_SSH_PRIVATE_KEY! } }
      : {}),
  };
  return { lab, down };
}

/** The compute spec `cluster` of tests on the lab: its manager and registry, 2 runs at a time, small limits. */
export function labCompute(lab: SwarmLab, extraLines: string[] = []): string {
  return [
    'name: cluster',
    'type: swarm',
    `docker_host: unix://${lab.managerSocket}`,
    `registry: ${lab.registry}`,
    `registry_push: ${lab.registryPush}`,
    'max_instances: 2',
    'resources:\n  cpus: 0.5\n  memory: 256m',
    ...extraLines,
    '',
  ].join('\n');
}
