import { invalid } from './errors';
import { checkNoControlCharacters, IDENTIFIER_FIELDS } from './validate';

/** The sentence MLflow ends each of its request-parameter messages with. */
export const HINT = 'See the API docs for more information about request parameters.';

type Source = Record<string, unknown>;

/** Python's name for the type of a value decoded from JSON; `floatLiteral` when the JSON wrote it like `9.0`. */
export function pythonType(value: unknown, floatLiteral = false): string {
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) && !floatLiteral ? 'int' : 'float';
  if (Array.isArray(value)) return 'list';
  return value === null || value === undefined ? 'NoneType' : 'dict';
}

function wrong(name: string, value: unknown): never {
  throw invalid(`Invalid value ${typeof value === 'object' ? JSON.stringify(value) : String(value)} for parameter '${name}' supplied. Hint: Value was of type '${pythonType(value)}'. ${HINT}`);
}

/** MLflow's error for a required field that is absent or empty. */
export function missing(name: string): never {
  throw invalid(`Missing value for required parameter '${name}'. ${HINT}`);
}

/**
 * Reads the fields of an MLflow request message (the JSON body, or the query string of a GET) the way MLflow's
 * protobuf parsing does: absent fields are absent, wrong types are `INVALID_PARAMETER_VALUE` with MLflow's wording.
 */
export class RequestFields {
  private floats: ReadonlySet<string> | undefined;

  /** `readFloats`: the top-level fields the JSON wrote as floats (`9.0`), read only when a message needs them. */
  constructor(readonly source: Source, private readonly readFloats: () => ReadonlySet<string> = () => new Set()) {}

  /** Top-level fields the JSON wrote as floats (`9.0`), for MLflow's messages. */
  get floatLiterals(): ReadonlySet<string> {
    return (this.floats ??= this.readFloats());
  }

  private value(name: string): unknown {
    const value = this.source[name];
    // A query string repeats a key for a list; for a scalar field the last one wins.
    return Array.isArray(value) && typeof value[0] !== 'object' && !this.lists.has(name) ? value[value.length - 1] : value;
  }

  private readonly lists = new Set<string>();

  has(name: string): boolean {
    const value = this.source[name];
    return value !== undefined && value !== null;
  }

  string(name: string): string {
    const value = this.optionalString(name);
    if (value === undefined || value === '') missing(name);
    return value;
  }

  optionalString(name: string): string | undefined {
    const value = this.value(name);
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return IDENTIFIER_FIELDS.has(name) ? checkNoControlCharacters(name, value) : value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    return wrong(name, value);
  }

  /** An int64 field: a JSON number or a string of digits. */
  optionalLong(name: string): number | undefined {
    const value = this.value(name);
    if (value === undefined || value === null || value === '') return undefined;
    const number = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isInteger(number)) return wrong(name, value);
    return number;
  }

  long(name: string): number {
    return this.optionalLong(name) ?? missing(name);
  }

  /** A double field: a number, or the strings protobuf's JSON uses for NaN and the infinities. */
  double(name: string): number {
    const value = this.value(name);
    if (value === undefined || value === null) missing(name);
    return toDouble(value) ?? wrong(name, value);
  }

  optionalBool(name: string): boolean | undefined {
    const value = this.value(name);
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'True') return true;
    if (value === 'false' || value === 'False') return false;
    return wrong(name, value);
  }

  /** A repeated field; a query string may give it once (a string) or repeated (an array). */
  list(name: string): unknown[] {
    this.lists.add(name);
    const value = this.source[name];
    if (value === undefined || value === null) return [];
    if (Array.isArray(value)) return value;
    if (typeof value === 'string') return [value];
    return wrong(name, value);
  }

  stringList(name: string): string[] {
    const items = this.list(name).map((item) => (typeof item === 'string' ? item : typeof item === 'number' ? String(item) : wrong(name, item)));
    if (IDENTIFIER_FIELDS.has(name)) for (const item of items) checkNoControlCharacters(name, item);
    return items;
  }

  /** A repeated message field, each entry read with its own `RequestFields`. */
  messages(name: string): RequestFields[] {
    return this.list(name).map((item) => (typeof item === 'object' && item !== null && !Array.isArray(item) ? new RequestFields(item as Source) : wrong(name, item)));
  }

  message(name: string): RequestFields | undefined {
    const value = this.value(name);
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'object' && !Array.isArray(value)) return new RequestFields(value as Source);
    return wrong(name, value);
  }

  /** `max_results` with MLflow's default and ceiling. */
  maxResults(fallback: number, ceiling: number): number {
    const value = this.optionalLong('max_results') ?? fallback;
    if (value < 1 || value > ceiling) throw invalid(`Invalid value for request parameter max_results. It must be at most ${ceiling}, but got value ${value}`);
    return value;
  }
}

export function toDouble(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  if (value === 'NaN') return NaN;
  if (value === 'Infinity' || value === 'inf') return Infinity;
  if (value === '-Infinity' || value === '-inf') return -Infinity;
  const number = value.trim() === '' ? NaN : Number(value);
  return Number.isNaN(number) ? undefined : number;
}

/** One key/value entry (of `tags`, `params`), checked to carry a key. */
export function keyValue(entry: RequestFields): { key: string; value: string } {
  return { key: entry.string('key'), value: entry.optionalString('value') ?? '' };
}

/** Key/value entries (`tags`, `params`), each checked to carry a key. */
export function keyValues(fields: RequestFields, name: string): { key: string; value: string }[] {
  return fields.messages(name).map(keyValue);
}
