/** A `${{…}}` expression found in a scalar's source text. Offsets are absolute. */
export interface Binding {
  expression: string;
  /** The segments of a dotted expression (`parent.jobs.train.outputs.model` → 5 segments). */
  segments: string[];
  start: number;
  end: number;
  /** Range of the expression inside the braces. */
  expressionStart: number;
  expressionEnd: number;
  /** Inside a `$[[…]]` optional fragment. */
  inFragment: boolean;
}

export interface FragmentProblem {
  start: number;
  end: number;
  message: string;
}

const BINDING = /\$\{\{\s*([^}]*?)\s*\}\}/g;

/** Finds every binding and optional fragment in `source`, which starts at absolute offset `base`. */
export function scanBindings(source: string, base: number): { bindings: Binding[]; problems: FragmentProblem[] } {
  const fragments: Array<[number, number]> = [];
  const problems: FragmentProblem[] = [];
  let open = -1;
  for (let i = 0; i < source.length - 1; i++) {
    if (source[i] === '$' && source[i + 1] === '[' && source[i + 2] === '[') {
      if (open >= 0) problems.push({ start: base + i, end: base + i + 3, message: '`$[[` inside another optional fragment; fragments do not nest' });
      open = i;
      i += 2;
    } else if (source[i] === ']' && source[i + 1] === ']' && open >= 0) {
      fragments.push([open, i + 2]);
      open = -1;
      i += 1;
    } else if (source[i] === ']' && source[i + 1] === ']' && fragments.length > 0) {
      problems.push({ start: base + i, end: base + i + 2, message: '`]]` closes no optional fragment `$[[`' });
      i += 1;
    }
  }
  if (open >= 0) {
    problems.push({ start: base + open, end: base + open + 3, message: 'optional fragment `$[[` is never closed with `]]`' });
    fragments.push([open, source.length]);
  }
  const bindings: Binding[] = [];
  for (const m of source.matchAll(BINDING)) {
    const start = m.index!;
    const expression = m[1]!;
    const expressionStart = start + m[0].indexOf(expression, 3);
    bindings.push({
      expression,
      segments: expression.split('.').map((s) => s.trim()),
      start: base + start,
      end: base + start + m[0].length,
      expressionStart: base + expressionStart,
      expressionEnd: base + expressionStart + expression.length,
      inFragment: fragments.some(([a, b]) => a <= start && start < b),
    });
  }
  return { bindings, problems };
}
