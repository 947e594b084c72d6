/**
 * Expected diagnostics written into fixtures as YAML comments under the line they mark:
 *
 *     comand: python train.py
 *   # ^^^^^^ error unknown-property: did you mean `command`
 *
 * The carets give the columns; when `#` is directly followed by `^` it counts as the first caret (for ranges
 * starting in column 1). After the carets: severity, rule id, and optionally `:` and a text the message contains.
 */
export interface ExpectedDiagnostic {
  line: number;
  column: number;
  endColumn: number;
  severity: string;
  rule: string;
  contains?: string;
}

const MARKER = /^(\s*)#(\s*)(\^+)\s+(error|warning|information)\s+([\w-]+)(?::\s*(.*))?$/;

export function expectedDiagnostics(text: string): ExpectedDiagnostic[] {
  const lines = text.split('\n');
  const expected: ExpectedDiagnostic[] = [];
  let target = -1;
  lines.forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    const m = MARKER.exec(line);
    if (!m) {
      target = index;
      return;
    }
    const hash = m[1]!.length;
    const caretStart = hash + 1 + m[2]!.length;
    const start = m[2]!.length === 0 ? hash : caretStart;
    const end = caretStart + m[3]!.length;
    expected.push({ line: target + 1, column: start + 1, endColumn: end + 1, severity: m[4]!, rule: m[5]!, ...(m[6] ? { contains: m[6].trim() } : {}) });
  });
  return expected;
}
