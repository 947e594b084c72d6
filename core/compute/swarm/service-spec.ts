import type Docker from 'dockerode';
import crypto from 'node:crypto';
import type { RunPlan } from '../driver';
import { BOOTSTRAP, CERTIFICATE_PATH, TOKEN_SECRET_FILE } from './bootstrap';
import type { SwarmDriverOptions } from './driver';

/**
 * Only what handing the files over needs, and passing a stop on to the command, which runs as another user; the
 * command runs without any (see the bootstrap).
 */
const BOOTSTRAP_CAPABILITIES = ['CAP_CHOWN', 'CAP_SETUID', 'CAP_SETGID', 'CAP_DAC_READ_SEARCH', 'CAP_KILL'];

/** What one service of a run is made of; the token and certificate are named after the run (`name`). */
export interface ServiceRun {
  name: string;
  service: string;
  image: string;
  env: Record<string, string>;
  labels: Record<string, string>;
  secretId: string;
  configId: string;
}

/**
 * The one-shot service of a run, or of one instance of it: pinned to its node, named and reachable by its hostname on
 * the run's network through DNS round robin (no virtual IP: a Swarm may lack IPVS).
 */
export function serviceSpec(options: SwarmDriverOptions, plan: RunPlan, run: ServiceRun, instance?: { network: string; node: string }): Docker.CreateServiceOptions {
  const resources = plan.resources ?? {};
  const cpu = resources.cpus ? { NanoCPUs: Math.round(resources.cpus * 1e9) } : {};
  const memory = resources.memoryBytes ? { MemoryBytes: resources.memoryBytes } : {};
  const placement = options.placement ?? {};
  const constraints = [...(placement.constraints ?? []), ...(instance ? [`node.id == ${instance.node}`] : [])];
  const networks = [...(instance ? [instance.network] : []), ...(options.network ? [options.network] : [])];
  return {
    Name: run.service,
    ...(instance ? { EndpointSpec: { Mode: 'dnsrr' } } : {}),
    Labels: run.labels,
    Mode: { Replicated: { Replicas: 1 } },
    TaskTemplate: {
      ContainerSpec: {
        Image: run.image,
        ...(instance ? { Hostname: run.service } : {}),
        Labels: run.labels,
        Command: ['python3', '-c', BOOTSTRAP],
        Env: Object.entries(run.env).map(([key, value]) => `${key}=${value}`),
        User: '0:0',
        Init: true,
        CapabilityDrop: ['ALL'],
        CapabilityAdd: BOOTSTRAP_CAPABILITIES,
        StopGracePeriod: (options.stopGraceSeconds ?? 10) * 1e9,
        Secrets: [{ SecretID: run.secretId, SecretName: `${run.name}-token`, File: { Name: TOKEN_SECRET_FILE, UID: '0', GID: '0', Mode: 0o400 } }],
        Configs: [{ ConfigID: run.configId, ConfigName: `${run.name}-ca`, File: { Name: CERTIFICATE_PATH, UID: '0', GID: '0', Mode: 0o444 } }],
        ...(resources.shmBytes ? { Mounts: [{ Type: 'tmpfs', Target: '/dev/shm', TmpfsOptions: { SizeBytes: resources.shmBytes } }] } : {}),
      },
      Resources: { Limits: { ...cpu, ...memory }, Reservations: { ...cpu, ...memory } },
      RestartPolicy: { Condition: 'none', MaxAttempts: 0 },
      Placement: {
        ...(constraints.length ? { Constraints: constraints } : {}),
        ...(placement.preferences?.length ? { Preferences: placement.preferences.map(spreadPreference) } : {}),
        ...(placement.maxReplicasPerNode ? { MaxReplicas: placement.maxReplicasPerNode } : {}),
      },
      ...(networks.length ? { Networks: networks.map((target) => ({ Target: target })) } : {}),
    },
  } as Docker.CreateServiceOptions;
}

function spreadPreference(preference: string): { Spread: { SpreadDescriptor: string } } {
  return { Spread: { SpreadDescriptor: preference.replace(/^spread=/, '') } };
}

/** A service name from the run id (`[a-z0-9-]`, at most 63 characters), unique per start. */
export function serviceName(runId: string): string {
  const slug = runId.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40);
  return `mlw-${slug}-${crypto.randomBytes(3).toString('hex')}`;
}
