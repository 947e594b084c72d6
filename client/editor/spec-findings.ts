/** A finding as the control plane reports a rejected spec: `path:line:col severity rule message` (1-based). */
export interface SpecFinding {
  path: string;
  line: number;
  column: number;
  severity: string;
  rule: string;
  message: string;
}

const FINDING = /^(.+?):(\d+):(\d+) (\w+) (\S+) (.*)$/;

export function parseFinding(text: string): SpecFinding | undefined {
  const match = FINDING.exec(text.trim());
  if (!match) return undefined;
  return { path: match[1]!, line: Number(match[2]), column: Number(match[3]), severity: match[4]!, rule: match[5]!, message: match[6]! };
}

/** The first error among the findings (else the first finding). */
export function firstError(lines: readonly string[]): SpecFinding | undefined {
  const findings = lines.map(parseFinding).filter((f): f is SpecFinding => f !== undefined);
  return findings.find((f) => f.severity === 'error') ?? findings[0];
}
