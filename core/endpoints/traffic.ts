import { SpecRejected } from '../errors';

/**
 * Refuses a traffic split Azure ML would refuse: weights are whole percents of deployments the endpoint has, summing
 * to 100 (or 0: no live traffic); a mirrored deployment gets at most 50 % and no live traffic.
 */
export function checkTraffic(endpoint: string, traffic: Record<string, unknown>, mirror: Record<string, unknown>, deployments: readonly string[]): { traffic: Record<string, number>; mirror: Record<string, number> } {
  const known = deployments.length ? `it has ${deployments.join(', ')}` : 'it has no deployments yet';
  const percents = (field: string, values: Record<string, unknown>, max: number): Record<string, number> =>
    Object.fromEntries(
      Object.entries(values).map(([name, value]) => {
        const percent = Number(value);
        if (!Number.isInteger(percent) || percent < 0 || percent > max) throw new SpecRejected(`endpoint ${endpoint}: ${field}.${name} must be a whole percent from 0 to ${max}, not ${String(value)}`);
        if (!deployments.includes(name)) throw new SpecRejected(`endpoint ${endpoint}: ${field} names deployment ${name}, which the endpoint does not have (${known})`);
        return [name, percent];
      }),
    );
  const live = percents('traffic', traffic, 100);
  const total = Object.values(live).reduce((sum, percent) => sum + percent, 0);
  if (total !== 0 && total !== 100) throw new SpecRejected(`endpoint ${endpoint}: traffic sums to ${total}; the weights must sum to 100 (or 0 for no live traffic)`);
  const mirrored = percents('mirror_traffic', mirror, 50);
  for (const [name, percent] of Object.entries(mirrored)) {
    if (percent > 0 && (live[name] ?? 0) > 0) throw new SpecRejected(`endpoint ${endpoint}: deployment ${name} takes live traffic, so it cannot also be mirrored`);
  }
  return { traffic: live, mirror: mirrored };
}

/** `"blue=90 green=10"` (az ml's `--traffic` form) → `{ blue: 90, green: 10 }`. */
export function parseTrafficArgument(text: string): Record<string, number> {
  const entries = text.split(/[\s,]+/).filter(Boolean).map((pair) => {
    const match = /^([^=]+)=(\d+)$/.exec(pair);
    if (!match) throw new Error(`traffic ${JSON.stringify(pair)}: write <deployment>=<percent>, e.g. "blue=90 green=10"`);
    return [match[1]!, Number(match[2])] as const;
  });
  return Object.fromEntries(entries);
}
