/** What the validator found in a spec, as the control plane reports a rejected spec to its clients. */
export interface SpecFinding {
  /** The spec file, relative to the workspace folder. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  severity: 'error' | 'warning' | 'information';
  rule: string;
  message: string;
}

/** A finding as one line for a terminal or a log: `file:line:col severity rule message`. */
export function formatFinding(finding: SpecFinding): string {
  return `${finding.file}:${finding.line}:${finding.column} ${finding.severity} ${finding.rule} ${finding.message}`;
}
