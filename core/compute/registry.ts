import type { ComputeDriver } from './driver';

/** How a compute type runs: its driver (created on first use) and whether one run takes the whole compute. */
export interface DriverEntry {
  /** The driver for a compute (its name and spec, when it has one: the built-in `local` has none). */
  driver: (compute?: { name: string; spec: Record<string, unknown> }) => ComputeDriver;
  /** A compute instance is one machine: one run at a time whatever `max_instances` says. */
  singleInstance?: boolean;
  /** Whether the compute's `default_image` and `resources` apply (container drivers). */
  containerized: boolean;
}

/**
 * Compute drivers keyed by the compute spec's `type`. A new engine (Swarm, a remote Docker engine) registers its
 * types here; the engine never switches on compute types.
 */
export class DriverRegistry {
  private readonly entries = new Map<string, DriverEntry>();

  register(types: readonly string[], entry: DriverEntry): this {
    for (const type of types) this.entries.set(type, entry);
    return this;
  }

  get(type: string): DriverEntry | undefined {
    return this.entries.get(type);
  }

  get types(): string[] {
    return [...this.entries.keys()];
  }
}
