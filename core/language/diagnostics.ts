export type Severity = 'error' | 'warning' | 'information';

/** A finding about a spec, located by offsets into its text. */
export interface SpecDiagnostic {
  start: number;
  end: number;
  severity: Severity;
  /** Stable rule id (`unknown-property`, `unpinned-dependency` …): the LSP diagnostic code and the quick-fix key. */
  rule: string;
  message: string;
  /** What a quick fix needs (the replacement, the missing name …). */
  data?: Record<string, unknown>;
}

export type Report = (diagnostic: SpecDiagnostic) => void;

export function countBySeverity(diagnostics: readonly SpecDiagnostic[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { error: 0, warning: 0, information: 0 };
  for (const d of diagnostics) counts[d.severity]++;
  return counts;
}
