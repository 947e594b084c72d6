import type { SpecDocument } from '../../core/language';
import type { PathSegment } from '../../core/language/yaml/ast';

/** What the cursor is in, read from the text itself so that half-typed lines (which do not parse) still work. */
export type CursorContext =
  | { kind: 'key'; path: PathSegment[]; prefix: string; start: number; end: number; column: number }
  | { kind: 'value'; path: PathSegment[]; key: PathSegment; prefix: string; start: number; end: number; valueStart: number }
  | { kind: 'binding'; line: number; expression: string; start: number; end: number }
  | { kind: 'none' };

const KEY = /^([^\s#:'"\-[{][^:#]*?|"[^"]*"|'[^']*')[ \t]*:(?=\s|$)/;
const WORD = /[\w$.-]/;

export function cursorContext(doc: SpecDocument, offset: number): CursorContext {
  const text = doc.text;
  const lineNo = doc.position(offset).line;
  const lineStart = doc.yaml.lines.lineStart(lineNo);
  let lineEnd = text.indexOf('\n', lineStart);
  if (lineEnd < 0) lineEnd = text.length;
  const before = text.slice(lineStart, offset);
  const open = before.lastIndexOf('${{');
  if (open >= 0 && before.indexOf('}}', open) < 0) {
    const expression = before.slice(open + 3).trimStart();
    const start = offset - (/[\w-]*$/.exec(before)![0].length);
    return { kind: 'binding', line: lineNo, expression, start, end: wordEnd(text, offset, lineEnd, /[\w-]/) };
  }
  if (/(^|\s)#/.test(before.replace(/"[^"]*"|'[^']*'/g, ''))) return { kind: 'none' };
  const indent = before.length - before.trimStart().length;
  const rest = before.slice(indent);
  const dashes = /^(-[ \t]+)*/.exec(rest)![0];
  const afterDash = rest.slice(dashes.length);
  const column = indent + dashes.length;
  const parent = dashes ? [...sequencePath(doc, lineNo, indent), ...nestedItems(dashes)] : containerPath(doc, lineNo, column);
  const keyMatch = KEY.exec(afterDash);
  if (keyMatch) {
    const key = unquote(keyMatch[1]!.trim());
    const valueStart = lineStart + column + keyMatch[0].length + (/^[ \t]*/.exec(afterDash.slice(keyMatch[0].length))![0].length);
    if (valueStart > offset) return { kind: 'key', path: parent, prefix: key, start: lineStart + column, end: lineStart + column + keyMatch[1]!.length, column };
    const prefix = text.slice(valueStart, offset);
    return { kind: 'value', path: [...parent, key], key, prefix, start: valueStart, end: wordEnd(text, offset, lineEnd, /\S/), valueStart };
  }
  if (/^[\w$.-]*$/.test(afterDash)) {
    return { kind: 'key', path: parent, prefix: afterDash, start: lineStart + column, end: wordEnd(text, offset, lineEnd, WORD), column };
  }
  if (dashes) {
    const seq = sequencePath(doc, lineNo, column - dashes.length);
    return { kind: 'value', path: seq, key: seq[seq.length - 1] ?? 0, prefix: afterDash, start: lineStart + column, end: wordEnd(text, offset, lineEnd, /\S/), valueStart: lineStart + column };
  }
  return { kind: 'none' };
}

function wordEnd(text: string, offset: number, lineEnd: number, word: RegExp): number {
  let end = offset;
  while (end < lineEnd && word.test(text[end]!)) end++;
  return end;
}

/** `- - x` nests sequences on one line; each further dash is item 0 of a new sequence. */
function nestedItems(dashes: string): number[] {
  const count = (dashes.match(/-/g) ?? []).length;
  return new Array<number>(Math.max(0, count - 1)).fill(0);
}

function unquote(key: string): string {
  return /^(['"]).*\1$/.test(key) ? key.slice(1, -1) : key;
}

interface ScanLine {
  indent: number;
  /** Column of the content after `- ` for sequence items. */
  dash: boolean;
  contentColumn: number;
  key: string | undefined;
  hasValue: boolean;
}

function readLine(doc: SpecDocument, line: number): ScanLine | undefined {
  const text = doc.text;
  const start = doc.yaml.lines.lineStart(line);
  let i = start;
  while (text.charCodeAt(i) === 32) i++;
  const c = text[i];
  if (c === undefined || c === '\n' || c === '\r' || c === '#') return undefined;
  const indent = i - start;
  let dash = false;
  if (c === '-' && (text[i + 1] === ' ' || text[i + 1] === '\n' || text[i + 1] === undefined)) {
    dash = true;
    i++;
    while (text[i] === ' ') i++;
  }
  let end = text.indexOf('\n', i);
  if (end < 0) end = text.length;
  const content = text.slice(i, Math.min(end, i + 512));
  const m = KEY.exec(content);
  const after = m ? content.slice(m[0].length).trim() : '';
  return { indent, dash, contentColumn: i - start, key: m ? unquote(m[1]!.trim()) : undefined, hasValue: after !== '' && !after.startsWith('#') };
}

/** The path of the map that holds keys written at `column` on line `lineNo`, found by walking up through less indented lines. */
export function containerPath(doc: SpecDocument, lineNo: number, column: number): PathSegment[] {
  return scanUp(doc, lineNo, { need: column, dashColumn: -1 });
}

/** The path of the sequence item whose dash is at `dashColumn` on line `lineNo` (the sequence's path plus the index). */
export function sequencePath(doc: SpecDocument, lineNo: number, dashColumn: number): PathSegment[] {
  return scanUp(doc, lineNo, { need: dashColumn, dashColumn });
}

function scanUp(doc: SpecDocument, lineNo: number, state: { need: number; dashColumn: number }): PathSegment[] {
  const reversed: PathSegment[] = [];
  let { need, dashColumn } = state;
  let index = 0;
  for (let line = lineNo - 1; line >= 0; line--) {
    if (dashColumn < 0 && need === 0) break;
    const l = readLine(doc, line);
    if (!l) continue;
    if (dashColumn >= 0) {
      if (l.dash && l.indent === dashColumn) {
        index++;
        continue;
      }
      if (l.indent > dashColumn) continue;
      // the sequence ends here: this line holds it (a key header), or it is an item of an outer sequence
      reversed.push(index);
      index = 0;
      need = dashColumn;
      dashColumn = -1;
      if (!l.dash && l.key !== undefined && l.indent === need && !l.hasValue) {
        // a compact sequence: `key:` with its items at the key's own column
        reversed.push(l.key);
        if (l.indent === 0) break;
        continue;
      }
    }
    if (l.indent >= need) continue;
    if (l.dash) {
      if (l.key !== undefined && l.contentColumn < need) {
        reversed.push(l.key);
        need = l.contentColumn;
      }
      dashColumn = l.indent;
      index = 0;
      continue;
    }
    if (l.key !== undefined) {
      reversed.push(l.key);
      need = l.indent;
      if (l.indent === 0) break;
    }
  }
  if (dashColumn >= 0) reversed.push(index);
  return reversed.reverse();
}
