import { parseAllDocuments, parseDocument, isAlias, isMap, isScalar, isSeq, Scalar, type Node, type Document } from 'yaml';
import { shifted, keyText, type YamlAlias, type YamlMap, type YamlNode, type YamlPair, type ScalarStyle } from './ast';
import { LineIndex } from './line-index';
import { fastParseYaml } from './fast-parse';

export interface YamlProblem {
  start: number;
  end: number;
  message: string;
  code: string;
  severity: 'error' | 'warning';
}

export interface ParsedYamlDocument {
  root: YamlNode | null;
  start: number;
  end: number;
}

export interface ParsedYaml {
  text: string;
  lines: LineIndex;
  documents: ParsedYamlDocument[];
  problems: YamlProblem[];
  /** Segments parsed on their own; handed back to {@link parseYaml} so that unchanged ones are reused. */
  segments: Segment[];
}

/**
 * A run of whole lines parsed as its own YAML document: one or more entries of a block map at `indent`.
 * Spec files are dominated by one big map (`jobs:`), so re-parsing only the edited entry keeps edits cheap.
 */
export interface Segment {
  text: string;
  start: number;
  pairs: YamlPair[];
  problems: YamlProblem[];
}

/** YAML 1.1, as the Azure ML CLI reads specs (PyYAML): `yes`/`no` are booleans, `<<` merges. */
const OPTIONS = { version: '1.1', uniqueKeys: false, merge: true, prettyErrors: false, strict: false } as const;
/** Entries longer than this are split into their children when they hold a block map. */
const SPLIT_MIN_LINES = 120;
/** Anything that could tie two segments together or change how lines are read. */
const NEEDS_WHOLE_PARSE = /(^|[\s,[{])[&*!][^\s,[\]{}]|^(---|\.\.\.)(\s|$)|^%/m;
/** The problems a wrong split would cause: an unterminated flow collection, quoted scalar or block. */
const SPLIT_SENSITIVE = new Set(['MISSING_CHAR', 'UNEXPECTED_TOKEN', 'BAD_INDENT', 'MULTILINE_IMPLICIT_KEY', 'BLOCK_AS_IMPLICIT_KEY', 'UNEXPECTED_SCALAR', 'BAD_SCALAR_START']);

/** Parses YAML text into {@link YamlNode} trees with exact offsets. Pass the previous parse of the same document to reuse its unchanged segments. */
export function parseYaml(text: string, previous?: ParsedYaml): ParsedYaml {
  const lines = new LineIndex(text);
  const plain = !NEEDS_WHOLE_PARSE.test(text);
  if (plain) {
    const reuse = new Map<string, Segment>();
    for (const segment of previous?.segments ?? []) reuse.set(segment.text, segment);
    const segmented = parseSegmented(text, lines, reuse);
    if (segmented) return segmented;
  }
  return parseWhole(text, lines, plain);
}

function parseWhole(text: string, lines: LineIndex, plain: boolean): ParsedYaml {
  const documents: ParsedYamlDocument[] = [];
  const problems: YamlProblem[] = [];
  const fast = plain ? fastParseYaml(text) : undefined;
  if (fast?.contentEnd !== undefined) {
    documents.push({ root: fast.root, start: fast.contentStart, end: fast.contentEnd });
    checkDuplicateKeys(fast.root, lines, problems);
    return { text, lines, documents, problems, segments: [] };
  }
  for (const doc of parseAllDocuments(text, OPTIONS) as Document.Parsed[]) {
    problems.push(...problemsOf(doc, 0));
    const root = convertDocument(doc, text, 0);
    const [start, , end] = doc.range;
    documents.push({ root, start, end });
  }
  if (documents.length === 0) documents.push({ root: null, start: 0, end: text.length });
  for (const doc of documents) checkDuplicateKeys(doc.root, lines, problems);
  return { text, lines, documents, problems, segments: [] };
}

function parseSegmented(text: string, lines: LineIndex, reuse: Map<string, Segment>): ParsedYaml | undefined {
  const segments: Segment[] = [];
  const pairs = parseBlockMap(text, lines, 0, lines.lineCount, 0, reuse, segments);
  if (!pairs || segments.some((s) => s.problems.some((p) => SPLIT_SENSITIVE.has(p.code)))) return undefined;
  const problems = segments.flatMap((s) => s.problems);
  const root: YamlMap | null = pairs.length ? { type: 'map', start: pairs[0]!.key!.start, end: lastContentEnd(pairs, text.length), anchor: undefined, pairs, flow: false } : null;
  checkDuplicateKeys(root, lines, problems);
  return { text, lines, documents: [{ root, start: 0, end: text.length }], problems, segments };
}

/**
 * Parses lines [fromLine, toLine) as entries of a block map indented by `indent` spaces, segment by segment.
 * Returns undefined when the lines are not plainly such a map (the caller then parses the text whole).
 */
function parseBlockMap(text: string, lines: LineIndex, fromLine: number, toLine: number, indent: number, reuse: Map<string, Segment>, out: Segment[]): YamlPair[] | undefined {
  const starts: number[] = [];
  for (let line = fromLine; line < toLine; line++) {
    const at = lines.lineStart(line);
    const kind = lineKind(text, at, indent);
    if (kind === 'entry') starts.push(line);
    else if (kind === 'shallower' || kind === 'other' || (kind === 'inside' && starts.length === 0)) return undefined;
  }
  if (starts.length === 0) return fromLine === 0 && text.trim() === '' ? [] : undefined;
  starts.push(toLine);
  const pairs: YamlPair[] = [];
  for (let i = 0; i + 1 < starts.length; i++) {
    const first = starts[i]!;
    const last = starts[i + 1]!;
    const nested = last - first > SPLIT_MIN_LINES ? splitNested(text, lines, first, last, indent, reuse, out) : undefined;
    if (nested) {
      pairs.push(nested);
      continue;
    }
    const segment = parseSegment(text, lines.lineStart(first), last < lines.lineCount ? lines.lineStart(last) : text.length, reuse);
    if (!segment) return undefined;
    out.push(segment);
    pairs.push(...segment.pairs);
  }
  return pairs;
}

/** `key:` alone on its line, followed by a deeper block map: parse the children as their own segments. */
function splitNested(text: string, lines: LineIndex, first: number, last: number, indent: number, reuse: Map<string, Segment>, out: Segment[]): YamlPair | undefined {
  const headStart = lines.lineStart(first);
  const headEnd = lines.lineStart(first + 1) - 1;
  const head = /^( *)([A-Za-z_$][\w$.-]*):[ \t]*(#.*)?$/.exec(text.slice(headStart, headEnd));
  if (!head || head[1]!.length !== indent) return undefined;
  let childLine = first + 1;
  while (childLine < last && /^\s*(#.*)?$/.test(lineText(text, lines, childLine))) childLine++;
  const childIndent = /^ */.exec(lineText(text, lines, childLine))![0].length;
  if (childIndent <= indent) return undefined;
  const mark = out.length;
  const children = parseBlockMap(text, lines, childLine, last, childIndent, reuse, out);
  if (!children || children.length === 0) {
    out.length = mark;
    return undefined;
  }
  const keyStart = headStart + indent;
  const key: YamlNode = { type: 'scalar', start: keyStart, end: keyStart + head[2]!.length, anchor: undefined, value: head[2]!, style: 'plain' };
  const value: YamlMap = { type: 'map', start: children[0]!.key!.start, end: lastContentEnd(children, text.length), anchor: undefined, pairs: children, flow: false };
  return { key, value, merge: false };
}

function lineText(text: string, lines: LineIndex, line: number): string {
  const start = lines.lineStart(line);
  const end = text.indexOf('\n', start);
  return text.slice(start, end < 0 ? text.length : end);
}

/** How a line relates to a block map at `indent`: a new entry, part of the current one, or outside it. */
function lineKind(text: string, at: number, indent: number): 'entry' | 'inside' | 'blank' | 'shallower' | 'other' {
  let column = 0;
  while (text.charCodeAt(at + column) === 32) column++;
  const c = text[at + column];
  if (c === undefined || c === '\n' || c === '\r' || c === '#') return 'blank';
  if (column < indent) return 'shallower';
  if (column > indent) return 'inside';
  return /[A-Za-z_$]/.test(c) && /^[A-Za-z_$][\w$.-]*:(\s|$)/.test(text.slice(at + column, at + column + 256)) ? 'entry' : 'other';
}

function parseSegment(text: string, start: number, end: number, reuse: Map<string, Segment>): Segment | undefined {
  const source = text.slice(start, end);
  const cached = reuse.get(source);
  if (cached) return cached.start === start ? cached : moveSegment(cached, start);
  const fast = fastParseYaml(source, start);
  const { root, problems } = fast ? { root: fast.root, problems: [] } : parseWithYamlPackage(source, start);
  if (root?.type !== 'map' || root.flow) return undefined;
  return { text: source, start, pairs: root.pairs, problems };
}

/** One document as the `yaml` package reads it, `offset` being where `source` starts in its text. */
export function parseWithYamlPackage(source: string, offset = 0): { root: YamlNode | null; problems: YamlProblem[] } {
  const doc = parseDocument(source, OPTIONS) as Document.Parsed;
  return { root: convertDocument(doc, source, offset), problems: problemsOf(doc, offset) };
}

function moveSegment(segment: Segment, start: number): Segment {
  const delta = start - segment.start;
  const seen = new Map<YamlNode, YamlNode>();
  return {
    text: segment.text,
    start,
    pairs: segment.pairs.map((p) => ({ key: shifted(p.key, delta, seen), value: shifted(p.value, delta, seen), merge: p.merge })),
    problems: segment.problems.map((p) => ({ ...p, start: p.start + delta, end: p.end + delta })),
  };
}

function problemsOf(doc: Document.Parsed, offset: number): YamlProblem[] {
  const problems: YamlProblem[] = [];
  for (const [list, severity] of [[doc.errors, 'error'], [doc.warnings, 'warning']] as const) {
    for (const e of list) {
      const [start, end] = e.pos;
      problems.push({ start: start + offset, end: Math.max(end, start + 1) + offset, code: e.code, severity, message: firstLine(e.message) });
    }
  }
  return problems;
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

function convertDocument(doc: Document.Parsed, source: string, offset: number): YamlNode | null {
  const anchored = new Map<Node, YamlNode>();
  const pendingAliases: Array<[YamlAlias, Node]> = [];
  const convert = (node: unknown): YamlNode | null => {
    if (!node || typeof node !== 'object') return null;
    const n = node as Node;
    const range = n.range ?? [0, 0, 0];
    const start = range[0] + offset;
    let end = range[1] + offset;
    let out: YamlNode;
    if (isScalar(n)) {
      const style = styleOf(n);
      if (style === 'block') end = trimEnd(source, range[0], range[1]) + offset;
      out = { type: 'scalar', start, end, anchor: n.anchor, value: pyYamlValue(scalarValue(n.value), style, n.source), style };
    } else if (isMap(n)) {
      const pairs: YamlPair[] = [];
      for (const item of n.items) {
        const key = convert(item.key);
        const merge = isScalar(item.key) && typeof item.key.value === 'symbol';
        pairs.push({ key, value: convert(item.value), merge });
      }
      out = { type: 'map', start, end: Math.max(start, lastContentEnd(pairs, end)), anchor: n.anchor, pairs, flow: !!n.flow };
    } else if (isSeq(n)) {
      const items = n.items.map((item) => convert(item) ?? emptyScalar(end));
      const last = items[items.length - 1];
      out = { type: 'seq', start, end: !n.flow && last ? last.end : end, anchor: n.anchor, items, flow: !!n.flow };
    } else if (isAlias(n)) {
      const alias: YamlAlias = { type: 'alias', start, end, anchor: undefined, name: n.source, target: null };
      const target = n.resolve(doc);
      if (target) pendingAliases.push([alias, target]);
      out = alias;
    } else {
      return null;
    }
    if (n.anchor) anchored.set(n, out);
    return out;
  };
  const root = convert(doc.contents);
  for (const [alias, target] of pendingAliases) alias.target = anchored.get(target) ?? null;
  return root;
}

function lastContentEnd(pairs: YamlPair[], fallback: number): number {
  const last = pairs[pairs.length - 1];
  if (!last) return fallback;
  return (last.value ?? last.key)?.end ?? fallback;
}

/** Block scalars own their trailing line breaks; a diagnostic should not. */
function trimEnd(source: string, start: number, end: number): number {
  while (end > start && source.charCodeAt(end - 1) <= 32) end--;
  return end;
}

function emptyScalar(at: number): YamlNode {
  return { type: 'scalar', start: at, end: at, anchor: undefined, value: null, style: 'plain' };
}

function scalarValue(value: unknown): string | number | boolean | null {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'symbol') return '<<';
  return String(value);
}

/**
 * The `yaml` package's 1.1 schema reads `y`/`n` as booleans and `.` as NaN; PyYAML (the Azure ML CLI) reads them as
 * strings (its floats need a digit).
 */
function pyYamlValue(value: string | number | boolean | null, style: ScalarStyle, source: string | undefined): string | number | boolean | null {
  if (style !== 'plain' || source === undefined) return value;
  if (typeof value === 'boolean' && /^[yYnN]$/.test(source)) return source;
  if (typeof value === 'number' && Number.isNaN(value) && !/nan$/i.test(source)) return source;
  return value;
}

function styleOf(node: Scalar): ScalarStyle {
  switch (node.type) {
    case Scalar.QUOTE_SINGLE:
      return 'single';
    case Scalar.QUOTE_DOUBLE:
      return 'double';
    case Scalar.BLOCK_FOLDED:
    case Scalar.BLOCK_LITERAL:
      return 'block';
    default:
      return 'plain';
  }
}

/** Duplicate keys, reported on the second occurrence (one mechanism for whole and segmented parses). */
function checkDuplicateKeys(node: YamlNode | null, lines: LineIndex, problems: YamlProblem[], seen = new Set<YamlNode>()): void {
  if (!node || seen.has(node)) return;
  seen.add(node);
  if (node.type === 'map') {
    const keys = new Map<string, YamlNode>();
    for (const pair of node.pairs) {
      const key = keyText(pair);
      if (key !== undefined && !pair.merge && pair.key) {
        const first = keys.get(key);
        if (first) {
          const line = lines.position(first.start).line + 1;
          problems.push({ start: pair.key.start, end: pair.key.end, code: 'DUPLICATE_KEY', severity: 'error', message: `duplicate key \`${key}\` (first defined on line ${line})` });
        } else keys.set(key, pair.key);
      }
      checkDuplicateKeys(pair.value, lines, problems, seen);
    }
  } else if (node.type === 'seq') {
    for (const item of node.items) checkDuplicateKeys(item, lines, problems, seen);
  }
}

