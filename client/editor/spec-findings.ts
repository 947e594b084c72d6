import type { SpecFinding } from '../../core/vocabulary';

/** The first error among the control plane's findings (else the first finding). */
export function firstError(findings: readonly SpecFinding[]): SpecFinding | undefined {
  return findings.find((f) => f.severity === 'error') ?? findings[0];
}
