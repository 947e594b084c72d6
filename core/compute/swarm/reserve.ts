import type Docker from 'dockerode';
import crypto from 'node:crypto';
import { WORKSPACE_LABEL, type RunPlan, type RunResources } from '../driver';
import { engineMessage, httpStatusOf } from '../docker-engine';
import type { SwarmPlacement } from './driver';
import { TERMINAL_STATES, type SwarmTask } from './tasks';

/** Labels a placeholder service with the compute whose capacity it holds. */
export const PLACEHOLDER_LABEL = 'mlw.placeholder';
/** What a placeholder reserves (resources and placement): one reserving something else is replaced. */
const RESERVES_LABEL = 'mlw.placeholder.reserves';
/** Azure's default for `idle_time_before_scale_down`. */
export const DEFAULT_IDLE_SECONDS = 120;
/** Waits without using CPU; a stop signal ends it at once (the init process forwards it). */
const WAIT_COMMAND = ['sh', '-c', 'while :; do sleep 3600; done'];
/** How often held placeholders are checked, so that one whose task ended (killed, rejected by its node) is replaced. */
const RECHECK_MS = 15_000;

/** `min_instances` and `idle_time_before_scale_down` of a swarm compute. */
export interface ReserveSettings {
  compute: string;
  minInstances: number;
  idleSeconds: number;
}

/** What one instance of the compute takes, in whose workspace, and an image every node can run (none known yet: nothing is added). */
export interface ReservedCapacity {
  workspace: string;
  image?: string;
  resources?: RunResources;
}

/** What a placeholder of the plan's compute holds, the run's image standing for the compute's `default_image`. */
export function capacityOf(plan: Pick<RunPlan, 'labels' | 'resources'>, image: string): ReservedCapacity {
  const { cpus, memoryBytes } = plan.resources ?? {};
  return { workspace: plan.labels[WORKSPACE_LABEL] ?? '', image, resources: { ...(cpus ? { cpus } : {}), ...(memoryBytes ? { memoryBytes } : {}) } };
}

/**
 * The capacity a swarm compute keeps while no run uses it, held as one-replica placeholder services that reserve an
 * instance's CPU and memory where its runs would be placed, so that other users of the Swarm cannot take it:
 * `min_instances` instances always (less those its runs use), and an instance a run above `min_instances` gave back
 * for `idle_time_before_scale_down` seconds more. A run takes a placeholder's place before its service is created.
 * The placeholders are found again by their labels, so a restarted daemon adopts or replaces those it left.
 */
export class SwarmReserve {
  private inUse = 0;
  /** One timer per instance kept past its run until it is scaled down. */
  private readonly idle = new Set<NodeJS.Timeout>();
  private capacity: ReservedCapacity | undefined;
  private closed = false;
  private recheck: NodeJS.Timeout | undefined;
  private adjusting: Promise<void> = Promise.resolve();

  constructor(
    private readonly manager: Docker,
    private readonly settings: ReserveSettings,
    private readonly placement: SwarmPlacement = {},
  ) {}

  private get compute(): string {
    return this.settings.compute;
  }

  /** Holds the compute's capacity (again: the image may have changed), adopting the placeholders left before. */
  hold(capacity: ReservedCapacity): Promise<void> {
    this.closed = false;
    const image = capacity.image ?? this.capacity?.image;
    this.capacity = { ...capacity, ...(image ? { image } : {}) };
    return this.adjust();
  }

  /**
   * `count` instances start a run (or are found running): their placeholders are removed first, so the reservation
   * moves to the run. `capacity` stands in for what `hold` would have said, when it was not called.
   */
  async acquire(count: number, capacity?: ReservedCapacity): Promise<void> {
    if (capacity && !this.capacity?.image) this.capacity = capacity;
    this.inUse += count;
    for (const timer of [...this.idle].slice(0, count)) {
      clearTimeout(timer);
      this.idle.delete(timer);
    }
    await this.adjust();
  }

  /** `count` instances ended their run: below `min_instances` they are held again, above it kept idle for a while. */
  release(count: number): void {
    for (let i = 0; i < count; i++) {
      this.inUse = Math.max(0, this.inUse - 1);
      if (this.inUse >= this.settings.minInstances && this.settings.idleSeconds > 0) this.keepIdle();
    }
    void this.adjust();
  }

  /** Releases `count` instances once their run ended, however it ended. */
  releaseAtEnd(exited: Promise<unknown>, count: number): void {
    const release = () => this.release(count);
    void exited.then(release, release);
  }

  /** Removes every placeholder of the compute and holds nothing more until `hold` is called again. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.recheck);
    for (const timer of this.idle) clearTimeout(timer);
    this.idle.clear();
    await this.adjust();
  }

  private keepIdle(): void {
    const timer = setTimeout(() => {
      this.idle.delete(timer);
      void this.adjust();
    }, this.settings.idleSeconds * 1000);
    timer.unref();
    this.idle.add(timer);
  }

  /** Brings the placeholders to what is wanted now; one adjustment at a time, each seeing the one before. */
  private adjust(): Promise<void> {
    this.adjusting = this.adjusting.then(() => this.adjustNow()).catch((error: unknown) => {
      process.emitWarning(`compute ${this.compute}: its reserved capacity could not be adjusted: ${engineMessage(error)}`);
    });
    return this.adjusting;
  }

  private async adjustNow(): Promise<void> {
    const capacity = this.capacity;
    if (!capacity) return;
    const wanted = this.closed ? 0 : Math.max(0, this.settings.minInstances - this.inUse) + this.idle.size;
    const reserves = this.reserves(capacity);
    const held = await this.manager.listServices({ filters: { label: [`${PLACEHOLDER_LABEL}=${this.compute}`, `${WORKSPACE_LABEL}=${capacity.workspace}`] } });
    const ended = await this.endedPlaceholders(held);
    const fitting = held.filter((service) => !ended.has(service.ID) && service.Spec?.Labels?.[RESERVES_LABEL] === reserves);
    const surplus = [...held.filter((service) => !fitting.includes(service)), ...fitting.slice(wanted)];
    for (const service of surplus) {
      await this.manager.getService(service.ID).remove().catch((error: unknown) => {
        if (httpStatusOf(error) !== 404) throw error;
      });
    }
    if (wanted) for (const why of ended.values()) process.emitWarning(`compute ${this.compute}: a placeholder of its reserved capacity ${why}; it no longer counts and is replaced`);
    this.scheduleRecheck(wanted);
    if (!capacity.image) return;
    for (let i = fitting.length; i < wanted; i++) await this.manager.createService(this.placeholderSpec({ ...capacity, image: capacity.image }, reserves));
  }

  /** The placeholders whose every task ended (a placeholder never ends by itself), with how, by service ID. */
  private async endedPlaceholders(services: Docker.Service[]): Promise<Map<string, string>> {
    if (!services.length) return new Map();
    const tasks = (await this.manager.listTasks({ filters: { service: services.map((service) => service.ID) } })) as (SwarmTask & { ServiceID?: string })[];
    const ended = new Map<string, string>();
    for (const service of services) {
      const own = tasks.filter((task) => task.ServiceID === service.ID);
      if (!own.length || own.some((task) => !TERMINAL_STATES.has(task.Status.State))) continue;
      const last = own.sort((a, b) => (a.CreatedAt ?? '').localeCompare(b.CreatedAt ?? '')).at(-1)!;
      ended.set(service.ID, `${last.Status.State}${last.Status.Err ? ` (${last.Status.Err})` : ''}`);
    }
    return ended;
  }

  /** While placeholders are wanted, they are looked at again a while later. */
  private scheduleRecheck(wanted: number): void {
    clearTimeout(this.recheck);
    this.recheck = undefined;
    if (this.closed || wanted === 0) return;
    this.recheck = setTimeout(() => void this.adjust(), RECHECK_MS);
    this.recheck.unref();
  }

  /** A fingerprint of what a placeholder reserves and where. */
  private reserves(capacity: ReservedCapacity): string {
    const what = { cpus: capacity.resources?.cpus, memoryBytes: capacity.resources?.memoryBytes, constraints: this.placement.constraints, preferences: this.placement.preferences };
    return crypto.createHash('sha256').update(JSON.stringify(what)).digest('hex').slice(0, 16);
  }

  private placeholderSpec(capacity: ReservedCapacity & { image: string }, reserves: string): Docker.CreateServiceOptions {
    const labels = { [PLACEHOLDER_LABEL]: this.compute, [WORKSPACE_LABEL]: capacity.workspace, [RESERVES_LABEL]: reserves };
    const cpu = capacity.resources?.cpus ? { NanoCPUs: Math.round(capacity.resources.cpus * 1e9) } : {};
    const memory = capacity.resources?.memoryBytes ? { MemoryBytes: capacity.resources.memoryBytes } : {};
    const slug = this.compute.toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, 30);
    return {
      Name: `mlw-hold-${slug}-${crypto.randomBytes(3).toString('hex')}`,
      Labels: labels,
      Mode: { Replicated: { Replicas: 1 } },
      TaskTemplate: {
        ContainerSpec: { Image: capacity.image, Labels: labels, Command: WAIT_COMMAND, Init: true, CapabilityDrop: ['ALL'], StopGracePeriod: 1e9 },
        Resources: { Reservations: { ...cpu, ...memory } },
        RestartPolicy: { Condition: 'none', MaxAttempts: 0 },
        Placement: {
          ...(this.placement.constraints?.length ? { Constraints: this.placement.constraints } : {}),
          ...(this.placement.preferences?.length ? { Preferences: this.placement.preferences.map((p) => ({ Spread: { SpreadDescriptor: p.replace(/^spread=/, '') } })) } : {}),
        },
      },
    } as Docker.CreateServiceOptions;
  }
}
