/**
 * Character classes and scalar values for {@link ./fast-parse}: values as the `yaml` package's YAML 1.1 schema
 * resolves them (with the PyYAML `y`/`n` exception). `undefined` means "not sure": the caller falls back to the `yaml` package.
 */

export type ScalarValue = string | number | boolean | null;

const LF = 10;
const CR = 13;

/** No tabs, no control characters but CRLF/LF line breaks, no byte-order or non-characters. */
export function plainCharacters(source: string): boolean {
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c < 32) {
      if (c === LF) continue;
      if (c === CR && source.charCodeAt(i + 1) === LF) continue;
      return false;
    }
    if (c >= 127 && (c <= 159 || c === 0xfeff || c >= 0xfffe)) return false;
  }
  return true;
}

/** Characters that may not start a plain scalar here (flow, quote and block openers are handled before). */
export function badPlainStart(c: number): boolean {
  switch (c) {
    case 33: case 37: case 38: case 42: case 44: case 58: case 63: case 64: case 93: case 96: case 125: // ! % & * , : ? @ ] ` }
    case 91: case 123: case 124: case 62: case 35: case 39: case 34: // [ { | > # ' "
      return true;
    default:
      return false;
  }
}

// The tests below are the `yaml` package's YAML 1.1 core tags, in the order its schema tries them.
const NULL = /^(?:~|[Nn]ull|NULL)$/;
const TRUE = /^(?:Y|y|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/;
const FALSE = /^(?:N|n|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/;
const INT_BIN = /^[-+]?0b[0-1_]+$/;
const INT_OCT = /^[-+]?0[0-7_]+$/;
const INT = /^[-+]?[0-9][0-9_]*$/;
const INT_HEX = /^[-+]?0x[0-9a-fA-F_]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*$/;
const DIGIT = /[0-9]/;
/** Sexagesimal numbers and timestamps: resolved to values this parser does not reproduce. */
const TIME_LIKE = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$|^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}/;

/** First characters that can make a plain scalar anything but a string: digits, `+-.~`, and n/y/t/f/o in either case. */
function mayBeTyped(code: number): boolean {
  if (code >= 48 && code <= 57) return true;
  switch (code) {
    case 43: case 45: case 46: case 126:
    case 78: case 110: case 89: case 121: case 84: case 116: case 70: case 102: case 79: case 111:
      return true;
    default:
      return false;
  }
}

/** The value of a non-empty plain scalar, or undefined when it is a timestamp or sexagesimal number. */
export function plainValue(source: string): ScalarValue | undefined {
  if (!mayBeTyped(source.charCodeAt(0))) return source;
  if (NULL.test(source)) return null;
  // PyYAML reads single-letter y/n as strings; the `yaml` package's 1.1 schema as booleans.
  if (TRUE.test(source)) return source.length === 1 ? source : true;
  if (FALSE.test(source)) return source.length === 1 ? source : false;
  if (INT_BIN.test(source)) return intValue(source, 2, 2);
  if (INT_OCT.test(source)) return intValue(source, 1, 8);
  if (INT.test(source)) return intValue(source, 0, 10);
  if (INT_HEX.test(source)) return intValue(source, 2, 16);
  if (FLOAT_NAN.test(source)) return source.slice(-3).toLowerCase() === 'nan' ? NaN : source[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (FLOAT_EXP.test(source)) return parseFloat(source.replace(/_/g, ''));
  // PyYAML needs a digit in a float: `.` (the current folder) and `-._` are strings.
  if (FLOAT.test(source)) return DIGIT.test(source) ? parseFloat(source.replace(/_/g, '')) : source;
  if (TIME_LIKE.test(source)) return undefined;
  return source;
}

function intValue(source: string, prefixLength: number, radix: number): number {
  const sign = source[0];
  const digits = source.substring(sign === '-' || sign === '+' ? prefixLength + 1 : prefixLength).replace(/_/g, '');
  const magnitude = parseInt(digits, radix);
  return sign === '-' ? -1 * magnitude : magnitude;
}

export type Chomping = 'strip' | 'clip' | 'keep';

/**
 * The value of a literal or folded block scalar from its content lines (indentation removed; empty lines as '').
 * `trailingBreaks` counts the line breaks after the last content line. Undefined for more-indented folded lines.
 */
export function blockValue(lines: string[], folded: boolean, chomping: Chomping, trailingBreaks: number): string | undefined {
  let body = '';
  if (!folded) body = lines.join('\n');
  else {
    let emptyRun = 0;
    let seenContent = false;
    for (const line of lines) {
      if (line === '') {
        emptyRun++;
        continue;
      }
      if (line.charCodeAt(0) === 32) return undefined;
      body += seenContent ? (emptyRun === 0 ? ' ' : '\n'.repeat(emptyRun)) + line : '\n'.repeat(emptyRun) + line;
      seenContent = true;
      emptyRun = 0;
    }
  }
  if (chomping === 'strip') return body;
  return chomping === 'clip' ? body + '\n' : body + '\n'.repeat(trailingBreaks);
}
