import { invalid } from './errors';
import { HINT, missing, pythonType, type RequestFields } from './request';

/**
 * MLflow's request schemas (`_get_request_message(…, schema=…)` in mlflow/server/handlers.py): each endpoint lists
 * checks per field, run in order before the request reaches the store, with MLflow's messages.
 */

/** A check returns nothing when the value passes, `false` for MLflow's generic message, or its own message. */
export type FieldCheck = (value: unknown) => boolean | string | void;

export const required: FieldCheck = (value) => value !== undefined && value !== null && value !== '';
const isString: FieldCheck = (value) => typeof value === 'string';
export const isArray: FieldCheck = (value) => Array.isArray(value);
export const isBool: FieldCheck = (value) => typeof value === 'boolean';
export const itemsAreStrings: FieldCheck = (value) => Array.isArray(value) && value.every((item) => typeof item === 'string');
/** Python's `int(x)` succeeds: an integer, or a string of digits (a query string's value). */
export const isIntLike: FieldCheck = (value) => intOf(value) !== undefined;
/** Python's `float(x)` succeeds. */
export const isFloatLike: FieldCheck = (value) => typeof value === 'number' || (typeof value === 'string' && /^\s*[-+]?(\d+\.?\d*(e[-+]?\d+)?|\.\d+(e[-+]?\d+)?|nan|inf|infinity)\s*$/i.test(value));

export const atMost = (limit: number): FieldCheck => (value) => (intOf(value) ?? 0) <= limit;
export const intWithin = (min: number, max: number, message: string): FieldCheck => (value) => {
  const number = intOf(value) ?? NaN;
  return (number >= min && number <= max) || message;
};
export const countAtMost = (limit: number, message: (count: number) => string): FieldCheck => (value) => !Array.isArray(value) || value.length <= limit || message(value.length);

export type Schema = Record<string, FieldCheck[]>;

export const STRING: FieldCheck[] = [isString];
export const REQUIRED_STRING: FieldCheck[] = [required, isString];
export const INT: FieldCheck[] = [isIntLike];
export const ARRAY: FieldCheck[] = [isArray];
export const STRINGS: FieldCheck[] = [isArray, itemsAreStrings];

/** Every entry of a repeated message carries the given fields (log-batch's metrics, params and tags). */
export const entriesHave = (...keys: string[]): FieldCheck => (value) =>
  Array.isArray(value) && value.every((entry) => typeof entry === 'object' && entry !== null && keys.every((key) => required((entry as Record<string, unknown>)[key]) === true));

/**
 * Runs `schema` over the request message. A field is checked when present or when it is required; a query string
 * gives a repeated field as one string when it appears once, which counts as a list of one.
 */
export function checkSchema(fields: RequestFields, schema: Schema, repeated: readonly string[] = []): void {
  for (const [name, checks] of Object.entries(schema)) {
    const present = Object.prototype.hasOwnProperty.call(fields.source, name) || (name === 'run_id' && Object.prototype.hasOwnProperty.call(fields.source, 'run_uuid'));
    if (!present && !checks.includes(required)) continue;
    let value = fields.source[name];
    // MLflow reads the deprecated `run_uuid` where `run_id` is absent.
    if (name === 'run_id' && (value === undefined || value === null) && fields.source.run_uuid !== undefined) value = fields.source.run_uuid;
    if (repeated.includes(name) && typeof value === 'string') value = [value];
    // A null field is absent to protobuf's parser: only `required` applies to it.
    const active = value === undefined || value === null ? checks.filter((check) => check === required) : checks;
    for (const check of active) {
      const verdict = check(value);
      if (verdict === true || verdict === undefined) continue;
      if (typeof verdict === 'string') throw invalid(`${verdict} ${HINT}`);
      if (check === required) missing(name);
      throw invalid(`Invalid value ${pythonStr(value, fields.floatLiterals.has(name))} for parameter '${name}' supplied. Hint: Value was of type '${pythonType(value, fields.floatLiterals.has(name))}'. ${HINT}`);
    }
  }
}

function intOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : undefined;
  if (typeof value === 'string' && /^\s*[-+]?\d+\s*$/.test(value)) return Number(value);
  if (typeof value === 'boolean') return Number(value);
  return undefined;
}

/** Python's `str()` of a value decoded from JSON, as MLflow puts it in its messages. */
function pythonStr(value: unknown, floatLiteral = false): string {
  return typeof value === 'string' ? value : pythonRepr(value, floatLiteral);
}

function pythonRepr(value: unknown, floatLiteral = false): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return pythonNumber(value, floatLiteral);
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(value)) return `[${value.map((item) => pythonRepr(item)).join(', ')}]`;
  return `{${Object.entries(value as Record<string, unknown>).map(([key, item]) => `${pythonRepr(key)}: ${pythonRepr(item)}`).join(', ')}}`;
}

function pythonNumber(value: number, floatLiteral: boolean): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (Number.isInteger(value) && floatLiteral && Math.abs(value) < 1e16) return `${value}.0`;
  return String(value);
}

/**
 * The top-level fields of a JSON object text whose values are written as floats (`9.0`, `1e3`): JSON.parse makes
 * them integers, Python keeps them floats, and MLflow's messages show them so.
 */
export function topLevelFloatFields(text: string | undefined): Set<string> {
  const found = new Set<string>();
  if (!text) return found;
  let depth = 0;
  let key: string | undefined;
  let afterColon = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      if (depth === 1 && !afterColon) {
        try {
          key = JSON.parse(text.slice(i, end + 1)) as string;
        } catch {
          key = undefined;
        }
      }
      afterColon = false;
      i = end;
    } else if (char === '{' || char === '[') {
      depth++;
      afterColon = false;
    } else if (char === '}' || char === ']') depth--;
    else if (char === ':') afterColon = depth === 1;
    else if (char === ',') afterColon = false;
    else if (afterColon && /[-\d]/.test(char)) {
      const number = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(text.slice(i, i + 64))?.[0] ?? '';
      if (key !== undefined && /[.eE]/.test(number)) found.add(key);
      afterColon = false;
      i += Math.max(number.length - 1, 0);
    }
  }
  return found;
}
