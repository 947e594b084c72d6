/** Typed shapes of the compute specs (`amlCompute`, `computeInstance`, `kubernetesCompute`, `vmCompute`, `localCompute`). Types only. */

import type { AmlComputeSshSettings, ComputeInstanceSshSettings, NetworkSettings, ResourceIdentity, SpecBase, VmSshSettings } from './assets';
import type { EnvironmentVariables, Tags } from './jobs';

// ---------------------------------------------------------------------------------------------
// Computes
// ---------------------------------------------------------------------------------------------

interface ComputeSpecBase extends SpecBase {
  name: string;
  description?: string;
  tags?: Tags;
}

export interface AmlComputeSpec extends ComputeSpecBase {
  type: 'amlcompute';
  location?: string;
  /** Default `Standard_DS3_v2`. */
  size?: string;
  /** Default `dedicated`; `lowpriority` is an older spelling of `low_priority`. */
  tier?: 'dedicated' | 'low_priority' | 'lowpriority';
  /** Default `0` (scale to zero). */
  min_instances?: number;
  /** Default `1`; bounds concurrent runs. */
  max_instances?: number;
  /** Seconds; default `120`. */
  idle_time_before_scale_down?: number;
  /** Default `false`. */
  ssh_public_access_enabled?: boolean;
  ssh_settings?: AmlComputeSshSettings;
  network_settings?: NetworkSettings;
  identity?: ResourceIdentity;
  /** Default `true`. */
  enable_node_public_ip?: boolean;
}

export type WeekDay =
  | 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday' | 'sunday'
  | 'Monday' | 'Tuesday' | 'Wednesday' | 'Thursday' | 'Friday' | 'Saturday' | 'Sunday';

export interface CronTrigger {
  type: 'cron';
  expression: string;
  start_time?: string;
  /** Default `UTC`. */
  time_zone?: string;
}
export interface RecurrenceTrigger {
  type: 'recurrence';
  frequency: 'minute' | 'hour' | 'day' | 'week' | 'month';
  interval: number;
  schedule?: { hours?: number[]; minutes?: number[]; week_days?: WeekDay[]; month_days?: number[] };
  start_time?: string;
  /** Default `UTC`. */
  time_zone?: string;
}
export type ComputeScheduleTrigger = CronTrigger | RecurrenceTrigger;

export interface ComputeStartStopSchedule {
  action: 'start' | 'stop';
  /** Default `enabled`. */
  state?: 'enabled' | 'disabled';
  trigger: ComputeScheduleTrigger;
}

export interface SetupScriptReference {
  path?: string;
  command?: string;
  /** Default `15`. */
  timeout_minutes?: number;
}

export interface CustomApplication {
  name: string;
  /** Default `docker`. */
  type?: 'docker';
  image: { type?: 'docker'; reference: string };
  endpoints?: { name?: string; target: number; published: number; protocol?: 'http' }[];
  environment_variables?: EnvironmentVariables;
  bind_mounts?: { source: string; target: string; read_only?: boolean }[];
}

export interface ComputeInstanceSpec extends ComputeSpecBase {
  type: 'computeinstance';
  location?: string;
  /** Default `Standard_DS3_v2`. */
  size?: string;
  create_on_behalf_of?: { user_tenant_id: string; user_object_id: string };
  network_settings?: NetworkSettings;
  /** Default `false`. */
  ssh_public_access_enabled?: boolean;
  ssh_settings?: ComputeInstanceSshSettings;
  identity?: ResourceIdentity;
  /** ISO 8601 duration, e.g. `PT30M`. */
  idle_time_before_shutdown?: string;
  idle_time_before_shutdown_minutes?: number;
  schedules?: { compute_start_stop?: ComputeStartStopSchedule[] };
  setup_scripts?: { creation_script?: SetupScriptReference; startup_script?: SetupScriptReference };
  custom_applications?: CustomApplication[];
  enable_node_public_ip?: boolean;
  enable_sso?: boolean;
  enable_root_access?: boolean;
  release_quota_on_stop?: boolean;
  enable_os_patching?: boolean;
}

export interface KubernetesComputeSpec extends ComputeSpecBase {
  type: 'kubernetes';
  resource_id: string;
  /** Default `default`. */
  namespace?: string;
  identity?: ResourceIdentity;
}

export interface VmComputeSpec extends ComputeSpecBase {
  type: 'virtualmachine';
  resource_id: string;
  ssh_settings?: VmSshSettings;
}

/** Limits of each run container of a `docker` or `swarm` compute. */
export interface ContainerResources {
  cpus?: number;
  /** `512m`, `4g`, or bytes. */
  memory?: string | number;
  shm_size?: string;
  /** A count, `all`, or device IDs such as `"0,1"`. */
  gpus?: string | number;
}

interface LocalComputeBase extends ComputeSpecBase {
  /** Concurrent runs; default `1`. */
  max_instances?: number;
  /** Warm instances; default `0`. */
  min_instances?: number;
}
interface ContainerComputeFields {
  default_image?: string;
  resources?: ContainerResources;
  network?: string;
  docker_host?: string;
}
/** `type: local`: jobs run as host processes. */
export interface HostComputeSpec extends LocalComputeBase {
  type: 'local';
}
/** `type: docker`: jobs run in containers on the local Docker daemon. */
export interface DockerComputeSpec extends LocalComputeBase, ContainerComputeFields {
  type: 'docker';
}
/** `type: swarm`: jobs run as one-shot Docker Swarm services. */
export interface SwarmComputeSpec extends LocalComputeBase, ContainerComputeFields {
  type: 'swarm';
  /** Seconds an instance freed by a run above `min_instances` stays reserved; default `120`. */
  idle_time_before_scale_down?: number;
  placement?: { constraints?: string[]; preferences?: string[]; max_replicas_per_node?: number };
  labels?: Record<string, string>;
  /** The registry run images go through, as the nodes pull from it (`10.0.0.1:5000`). */
  registry?: string;
  /** The same registry as this host's Docker engine pushes to it (`127.0.0.1:5000`); default `registry`. */
  registry_push?: string;
  /** This host's address as the nodes reach it; default: the host's address on the nodes' network. */
  host_address?: string;
  /** Mutual TLS to a `docker_host: tcp://` manager, as a remote compute's `tls`. */
  tls?: RemoteComputeSpec['tls'];
  /** SSH to a `docker_host: ssh://` manager, as a remote compute's `ssh`. */
  ssh?: RemoteComputeSpec['ssh'];
}
/** `type: remote`: jobs run in containers on a remote Docker engine, over mutual TLS (`tcp://`) or SSH (`ssh://`). */
export interface RemoteComputeSpec extends LocalComputeBase {
  type: 'remote';
  endpoint: string;
  default_image?: string;
  resources?: ContainerResources;
  /** Each a file path or `secret:computes/<name>/<field>`, never the credential itself. */
  tls?: { ca: string; cert: string; key: string };
  ssh?: { private_key: string; host_key_fingerprint: string };
  /** An address of this machine the engine's containers reach the tracking API at. */
  tracking_address?: string;
}
/** mlw's own computes (`schemas/localCompute.schema.json`). */
export type LocalComputeSpec = HostComputeSpec | DockerComputeSpec | SwarmComputeSpec | RemoteComputeSpec;

export type ComputeSpec = AmlComputeSpec | ComputeInstanceSpec | KubernetesComputeSpec | VmComputeSpec | LocalComputeSpec;
