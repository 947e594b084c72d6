import { invalid } from './errors';

/**
 * MLflow's search grammar (mlflow/utils/search_utils.py): clauses `<entity>.<key> <comparator> <value>` joined by
 * AND; keys may be quoted with backticks or double quotes; values are numbers, quoted strings, or (for IN) a list.
 */
export type EntityType = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';
export type Comparator = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';

export interface Clause {
  type: EntityType;
  key: string;
  comparator: Comparator;
  value: string | number | string[];
}

export interface OrderBy {
  type: EntityType;
  key: string;
  ascending: boolean;
}

const ENTITY_ALIASES: Record<string, EntityType> = {
  metric: 'metric', metrics: 'metric',
  param: 'param', params: 'param', parameter: 'param', parameters: 'param',
  tag: 'tag', tags: 'tag',
  attribute: 'attribute', attributes: 'attribute', attr: 'attribute', run: 'attribute',
  dataset: 'dataset', datasets: 'dataset',
};

type Token =
  | { kind: 'ident'; type?: EntityType; key: string }
  | { kind: 'op'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'list'; value: string[] }
  | { kind: 'word'; value: string };

function unquote(text: string): string {
  const quote = text[0]!;
  return text.slice(1, -1).replace(quote === "'" ? /''/g : quote === '"' ? /""/g : /``/g, quote);
}

function tokenize(filter: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(\((?:\s*(?:'(?:[^']|'')*'|"(?:[^"]|"")*")\s*,?)*\s*\))|('(?:[^']|'')*'|"(?:[^"]|"")*")|(-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)(?![\w.])|(!=|>=|<=|=|>|<)|([A-Za-z_]\w*)(?:\.(`(?:[^`]|``)*`|"(?:[^"]|"")*"|[\w.\-/:]+))?)/y;
  let index = 0;
  while (index < filter.length) {
    if (/^\s*$/.test(filter.slice(index))) break;
    pattern.lastIndex = index;
    const match = pattern.exec(filter);
    if (!match) throw invalid(`Invalid filter '${filter}'. Could not parse the text at position ${index}: '${filter.slice(index, index + 30)}'`);
    index = pattern.lastIndex;
    const [, list, quoted, number, op, word, key] = match;
    if (list !== undefined) tokens.push({ kind: 'list', value: [...list.matchAll(/'(?:[^']|'')*'|"(?:[^"]|"")*"/g)].map((m) => unquote(m[0])) });
    else if (quoted !== undefined) tokens.push({ kind: 'string', value: unquote(quoted) });
    else if (number !== undefined) tokens.push({ kind: 'number', value: Number(number) });
    else if (op !== undefined) tokens.push({ kind: 'op', value: op });
    else if (key !== undefined) {
      const type = ENTITY_ALIASES[word!.toLowerCase()];
      if (!type) throw invalid(`Invalid entity type '${word}'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']`);
      const name = /^[`"]/.test(key) ? unquote(key) : key;
      tokens.push({ kind: 'ident', type, key: name });
    } else tokens.push({ kind: 'word', value: word! });
  }
  return tokens;
}

/** Parses a filter; bare identifiers (no `entity.`) get `bareType`, or are refused when it is undefined. */
export function parseFilter(filter: string | undefined, bareType?: EntityType): Clause[] {
  if (!filter || !filter.trim()) return [];
  const tokens = tokenize(filter);
  const clauses: Clause[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw invalid(`Invalid filter '${filter}'. ${why}`);
  };
  while (i < tokens.length) {
    const identifier = tokens[i++];
    let type: EntityType;
    let key: string;
    if (identifier?.kind === 'ident') ({ type, key } = identifier as { type: EntityType; key: string });
    else if (identifier?.kind === 'word' && bareType) (type = bareType), (key = identifier.value);
    else if (identifier?.kind === 'string' && bareType) (type = bareType), (key = identifier.value);
    else return fail(`Expected an identifier such as metrics.loss, found ${describe(identifier)}`);
    let comparator: string;
    const op = tokens[i++];
    if (op?.kind === 'op') comparator = op.value;
    else if (op?.kind === 'word' && /^(i?like|in)$/i.test(op.value)) comparator = op.value.toUpperCase();
    else if (op?.kind === 'word' && /^not$/i.test(op.value) && tokens[i]?.kind === 'word' && /^in$/i.test((tokens[i] as { value: string }).value)) (comparator = 'NOT IN'), i++;
    else return fail(`Expected a comparison operator after '${key}', found ${describe(op)}`);
    const value = tokens[i++];
    if (comparator === 'IN' || comparator === 'NOT IN') {
      if (value?.kind !== 'list') return fail(`Expected a parenthesised list of strings after ${comparator}`);
      clauses.push({ type, key, comparator, value: value.value });
    } else if (value?.kind === 'number' || value?.kind === 'string') {
      clauses.push({ type, key, comparator: comparator as Comparator, value: value.value });
    } else return fail(`Expected a number or a quoted string after '${key} ${comparator}', found ${describe(value)}`);
    if (i < tokens.length) {
      const and = tokens[i++];
      if (and?.kind !== 'word' || !/^and$/i.test(and.value)) return fail(`Expected AND between clauses, found ${describe(and)}`);
      if (i >= tokens.length) return fail('Expected a clause after AND');
    }
  }
  return clauses;
}

function describe(token: Token | undefined): string {
  if (!token) return 'the end of the filter';
  if (token.kind === 'ident') return `'${token.key}'`;
  if (token.kind === 'list') return `(${token.value.join(', ')})`;
  return `'${token.value}'`;
}

/** `metrics.loss DESC`, `start_time`, `attributes.run_name ASC`, `` tags.`a b` ``. */
export function parseOrderBy(text: string, bareType: EntityType = 'attribute'): OrderBy {
  const match = /^\s*(?:([A-Za-z_]\w*)\.)?(`(?:[^`]|``)*`|"(?:[^"]|"")*"|[\w.\-/ ]+?)\s*(?:\s(ASC|DESC))?\s*$/i.exec(text);
  if (!match) throw invalid(`Invalid order_by clause '${text}'. Could not be parsed.`);
  const [, prefix, rawKey, direction] = match;
  const type = prefix ? ENTITY_ALIASES[prefix.toLowerCase()] : bareType;
  if (!type) throw invalid(`Invalid order_by entity type '${prefix}'`);
  const key = /^[`"]/.test(rawKey!) ? unquote(rawKey!) : rawKey!;
  return { type, key, ascending: (direction ?? 'ASC').toUpperCase() === 'ASC' };
}

/** SQL LIKE: `%` any run, `_` one character; case-sensitive unless `ILIKE`. */
export function like(pattern: string, value: string, caseInsensitive: boolean): boolean {
  const source = '^' + pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '[\\s\\S]*').replace(/_/g, '[\\s\\S]') + '$';
  return new RegExp(source, caseInsensitive ? 'iu' : 'u').test(value);
}

/** Applies one clause's comparator to a present value. */
export function matches(actual: string | number, clause: Clause): boolean {
  const expected = clause.value;
  switch (clause.comparator) {
    case '=': return actual === expected;
    case '!=': return actual !== expected;
    case '>': return actual > (expected as number | string);
    case '>=': return actual >= (expected as number | string);
    case '<': return actual < (expected as number | string);
    case '<=': return actual <= (expected as number | string);
    case 'LIKE': return like(String(expected), String(actual), false);
    case 'ILIKE': return like(String(expected), String(actual), true);
    case 'IN': return (expected as string[]).includes(String(actual));
    case 'NOT IN': return !(expected as string[]).includes(String(actual));
  }
}

/** Checks a clause's comparator and value type against what the key supports. */
export function checkClause(clause: Clause, numeric: boolean, allowed: readonly Comparator[]): void {
  if (!allowed.includes(clause.comparator)) {
    throw invalid(`Invalid comparator '${clause.comparator}' not one of '[${allowed.map((c) => `'${c}'`).join(', ')}]' for ${clause.type} '${clause.key}'`);
  }
  if (clause.comparator === 'IN' || clause.comparator === 'NOT IN') return;
  if (numeric && typeof clause.value !== 'number') throw invalid(`Expected numeric value type for ${clause.type}. Found ${JSON.stringify(clause.value)}`);
  if (!numeric && typeof clause.value !== 'string') throw invalid(`Expected a quoted string value for ${clause.type}s. Got value ${clause.value}`);
}

export const NUMERIC_COMPARATORS: readonly Comparator[] = ['=', '!=', '>', '>=', '<', '<='];
export const STRING_COMPARATORS: readonly Comparator[] = ['=', '!=', 'LIKE', 'ILIKE'];

/** One page of `rows` from the offset `pageToken` names, and the token of the next page when there is one. */
export function pageOf<T>(rows: readonly T[], maxResults: number, pageToken: string | undefined): { page: T[]; nextPageToken?: string } {
  const end = decodePageToken(pageToken) + maxResults;
  return { page: rows.slice(end - maxResults, end), ...(end < rows.length ? { nextPageToken: encodePageToken(end) } : {}) };
}

/** Offset page tokens, in MLflow's format (base64 of `{"offset": n}`). */
function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

function decodePageToken(token: string | undefined): number {
  if (!token) return 0;
  try {
    const offset = (JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset?: unknown }).offset;
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // fall through
  }
  throw invalid(`Invalid page token, could not base64-decode or parse it as JSON: '${token}'`);
}
