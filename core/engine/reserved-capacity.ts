import type { ComputeTarget } from './computes';

/** Whether a compute spec asks for capacity held while idle (`min_instances`, `idle_time_before_scale_down`). */
export function asksForReservedCapacity(spec: Record<string, unknown>): boolean {
  return spec.min_instances !== undefined || spec.idle_time_before_scale_down !== undefined;
}

/**
 * Has the compute's driver hold its idle capacity (only a swarm compute's does), with the compute's `default_image`
 * and `resources`; a warning saying why when it cannot.
 */
export async function holdCapacity(target: ComputeTarget, workspace: string): Promise<string | undefined> {
  if (!target.driver.holdCapacity) return undefined;
  try {
    await target.driver.holdCapacity({ workspace, ...(target.defaultImage ? { image: target.defaultImage } : {}), ...(target.resources ? { resources: target.resources } : {}) });
    return undefined;
  } catch (error) {
    return `compute ${target.name}: its min_instances could not be held: ${(error as Error).message}`;
  }
}
