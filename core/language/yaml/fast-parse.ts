import type { YamlMap, YamlNode, YamlPair, YamlScalar, YamlSeq, ScalarStyle } from './ast';
import { blockValue, plainValue, plainCharacters, badPlainStart, type Chomping, type ScalarValue } from './fast-scalar';

// Character codes (local: imported bindings would be property loads in the hot loops of unbundled builds).
const SPACE = 32, LF = 10, CR = 13, HASH = 35, DASH = 45, COLON = 58, SINGLE = 39, DOUBLE = 34, BACKSLASH = 92, COMMA = 44;
const PLUS = 43, DOT = 46, PIPE = 124, GREATER = 62, OPEN_BRACKET = 91, CLOSE_BRACKET = 93, OPEN_BRACE = 123, CLOSE_BRACE = 125;

/** What {@link fastParseYaml} gives when it is sure. */
export interface FastParse {
  root: YamlMap | YamlSeq;
  /** Start of the line holding the first node (the `yaml` package's document start). */
  contentStart: number;
  /** The `yaml` package's document end; undefined when the text ends in an empty value (where it depends on comments). */
  contentEnd: number | undefined;
}

/**
 * A parser for the plain block YAML that spec files are made of: block maps and sequences, single-line
 * plain and quoted scalars, literal/folded block scalars, comments, and single-line flow collections.
 * It gives the tree {@link ./parse} would build from the `yaml` package, or `undefined` ("not sure")
 * for anything else (anchors, tags, multi-line flow or plain scalars, escapes, tabs, odd indentation…),
 * so that the caller parses with the `yaml` package instead. It never reports problems: input the
 * `yaml` package would complain about must come back `undefined`.
 *
 * `source` is found at `offset` in its document (the offsets of the tree include it).
 */
export function fastParseYaml(source: string, offset = 0): FastParse | undefined {
  if (!plainCharacters(source)) return undefined;
  try {
    return new BlockParser(source, offset).document();
  } catch (error) {
    if (error === UNSURE) return undefined;
    throw error;
  }
}

function endsInEmptyValue(root: YamlNode): boolean {
  let last = root;
  while ((last.type === 'map' || last.type === 'seq') && !last.flow) last = last.type === 'map' ? last.pairs[last.pairs.length - 1]!.value! : last.items[last.items.length - 1]!;
  return last.start === last.end;
}

const UNSURE = new Error('not sure');
function unsure(): never {
  throw UNSURE;
}

class BlockParser {
  private readonly length: number;
  /** Start of the next line with content (not blank, not only a comment), or -1 at the end. */
  private next = -1;
  /** Indentation of that line. */
  private nextIndent = 0;

  constructor(
    readonly src: string,
    readonly offset: number,
  ) {
    this.length = src.length;
  }

  document(): FastParse | undefined {
    this.skipToContent(0);
    if (this.next < 0) return undefined;
    const contentStart = this.next;
    const root = this.blockNodeAt(this.next, this.nextIndent);
    if (this.next >= 0) unsure();
    return { root, contentStart: contentStart + this.offset, contentEnd: endsInEmptyValue(root) ? undefined : this.length + this.offset };
  }

  private isEol(i: number): boolean {
    if (i >= this.length) return true;
    const c = this.src.charCodeAt(i);
    return c === LF || c === CR;
  }

  /** Whether the character at i is followed by a space or a line end (an indicator such as `-` or `:`). */
  private isIndicator(i: number): boolean {
    return this.src.charCodeAt(i + 1) === SPACE || this.isEol(i + 1);
  }

  private skipSpaces(i: number): number {
    while (this.src.charCodeAt(i) === SPACE) i++;
    return i;
  }

  /** Moves {@link next} to the first content line starting at or after `lineStart`. */
  private skipToContent(lineStart: number): void {
    let at = lineStart;
    while (at < this.length) {
      const first = this.skipSpaces(at);
      if (!this.isEol(first) && this.src.charCodeAt(first) !== HASH) {
        this.next = at;
        this.nextIndent = first - at;
        return;
      }
      const lf = this.src.indexOf('\n', first);
      if (lf < 0) break;
      at = lf + 1;
    }
    this.next = -1;
    this.nextIndent = 0;
  }

  /** Continues after the line holding `i`. */
  private skipPastLine(i: number): void {
    const lf = this.src.indexOf('\n', i);
    if (lf < 0) {
      this.next = -1;
      this.nextIndent = 0;
    } else this.skipToContent(lf + 1);
  }

  /** After a node that ends on its line: only a comment may follow on it, and nothing more indented than `indent` after it. */
  private finishLine(i: number, indent: number): void {
    const after = this.skipSpaces(i);
    if (!this.isEol(after) && !(after > i && this.src.charCodeAt(after) === HASH)) unsure();
    this.skipPastLine(after);
    if (this.next >= 0 && this.nextIndent > indent) unsure();
  }

  /** A block map or sequence starting a line at column `indent`. */
  private blockNodeAt(lineStart: number, indent: number): YamlMap | YamlSeq {
    const at = lineStart + indent;
    if (this.src.charCodeAt(at) === DASH && this.isIndicator(at)) return this.sequence(at, indent);
    if (this.keyEnd(at) < 0) unsure();
    return this.map(at, indent);
  }

  private map(at: number, indent: number): YamlMap {
    const pairs: YamlPair[] = [];
    for (;;) {
      const colon = this.keyEnd(at);
      if (colon < 0) unsure();
      const key = this.key(at, colon);
      const value = this.value(colon + 1, indent, true);
      pairs.push({ key, value, merge: false });
      if (this.next < 0 || this.nextIndent < indent) break;
      if (this.nextIndent > indent) unsure();
      at = this.next + indent;
      if (this.src.charCodeAt(at) === DASH && this.isIndicator(at)) unsure();
    }
    const start = pairs[0]!.key!.start;
    return { type: 'map', start, end: Math.max(start, pairs[pairs.length - 1]!.value!.end), anchor: undefined, pairs, flow: false };
  }

  private sequence(at: number, indent: number): YamlSeq {
    const items: YamlNode[] = [];
    const start = at + this.offset;
    for (;;) {
      const content = this.skipSpaces(at + 1);
      const column = indent + content - at;
      const c = this.src.charCodeAt(content);
      if (this.isEol(content) || c === HASH) items.push(this.value(at + 1, indent, false));
      else if (c === DASH && this.isIndicator(content)) items.push(this.sequence(content, column));
      else if (this.keyEnd(content) >= 0) items.push(this.map(content, column));
      else items.push(this.value(at + 1, indent, false));
      if (this.next < 0 || this.nextIndent < indent) break;
      if (this.nextIndent > indent) unsure();
      at = this.next + indent;
      if (!(this.src.charCodeAt(at) === DASH && this.isIndicator(at))) break;
    }
    return { type: 'seq', start, end: items[items.length - 1]!.end, anchor: undefined, items, flow: false };
  }

  /** The value after a `:` or `-` indicator ending at `from`, in a map or sequence at column `indent`. */
  private value(from: number, indent: number, inMap: boolean): YamlNode {
    const at = this.skipSpaces(from);
    const c = this.src.charCodeAt(at);
    if (this.isEol(at) || c === HASH) {
      this.skipPastLine(at);
      if (this.next >= 0) {
        if (this.nextIndent > indent) return this.blockNodeAt(this.next, this.nextIndent);
        const dash = this.next + indent;
        if (inMap && this.nextIndent === indent && this.src.charCodeAt(dash) === DASH && this.isIndicator(dash)) return this.sequence(dash, indent);
      }
      return this.scalar(at, at, null, 'plain');
    }
    if (c === PIPE || c === GREATER) return this.blockScalar(at, indent);
    let node: YamlNode;
    let end: number;
    if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      const flow = new FlowReader(this, at);
      node = flow.node();
      end = flow.position;
    } else if (c === SINGLE || c === DOUBLE) {
      end = this.quotedEnd(at);
      node = this.quoted(at, end);
    } else {
      end = this.plainEnd(at);
      if (end < 0) unsure();
      node = this.plain(at, end);
    }
    this.finishLine(end, indent);
    return node;
  }

  scalar(start: number, end: number, value: ScalarValue, style: ScalarStyle): YamlScalar {
    return { type: 'scalar', start: start + this.offset, end: end + this.offset, anchor: undefined, value, style };
  }

  plain(start: number, end: number): YamlScalar {
    const source = this.src.slice(start, end);
    if (source === '<<') unsure();
    const value = plainValue(source);
    if (value === undefined) unsure();
    return this.scalar(start, end, value, 'plain');
  }

  /** End of a single-line block-context plain scalar at `at` (trailing spaces excluded); -1 when it is a key. */
  private plainEnd(at: number): number {
    const c = this.src.charCodeAt(at);
    if (badPlainStart(c) || (c === DASH && this.isIndicator(at))) unsure();
    let end = at + 1;
    let i = at + 1;
    for (; !this.isEol(i); i++) {
      const d = this.src.charCodeAt(i);
      if (d === SPACE) continue;
      if (d === HASH && this.src.charCodeAt(i - 1) === SPACE) break;
      if (d === COLON && this.isIndicator(i)) return -1;
      end = i + 1;
    }
    return end;
  }

  /** Index of the `:` ending an implicit key at `at`, or -1 when `at` starts no key. */
  private keyEnd(at: number): number {
    const c = this.src.charCodeAt(at);
    let colon: number;
    if (c === SINGLE || c === DOUBLE) colon = this.quotedEnd(at);
    else if (badPlainStart(c) || c === DASH || c === DOT || this.isEol(at)) return -1; // `.` could start `...`
    else {
      colon = -1;
      for (let i = at + 1; !this.isEol(i); i++) {
        const d = this.src.charCodeAt(i);
        if (d === HASH && this.src.charCodeAt(i - 1) === SPACE) return -1;
        if (d === COLON && this.isIndicator(i)) {
          colon = i;
          break;
        }
      }
      if (colon < 0) return -1;
      if (this.src.charCodeAt(colon - 1) === SPACE) unsure();
    }
    if (this.src.charCodeAt(colon) !== COLON || !this.isIndicator(colon)) return -1;
    if (colon - at > 1000) unsure();
    return colon;
  }

  private key(at: number, end: number): YamlScalar {
    const c = this.src.charCodeAt(at);
    if (c === SINGLE || c === DOUBLE) return this.quoted(at, end);
    for (let i = at; i < end; i++) {
      const d = this.src.charCodeAt(i);
      if (d === OPEN_BRACKET || d === CLOSE_BRACKET || d === OPEN_BRACE || d === CLOSE_BRACE || d === COMMA) unsure();
    }
    return this.plain(at, end);
  }

  /** Index after the closing quote of a single-line quoted scalar at `at`. */
  quotedEnd(at: number): number {
    const quote = this.src.charCodeAt(at);
    for (let i = at + 1; !this.isEol(i); i++) {
      const c = this.src.charCodeAt(i);
      if (c === BACKSLASH && quote === DOUBLE) unsure();
      if (c !== quote) continue;
      if (quote === SINGLE && this.src.charCodeAt(i + 1) === SINGLE) i++;
      else return i + 1;
    }
    return unsure();
  }

  quoted(start: number, end: number): YamlScalar {
    const inner = this.src.slice(start + 1, end - 1);
    if (this.src.charCodeAt(start) === DOUBLE) return this.scalar(start, end, inner, 'double');
    return this.scalar(start, end, inner.includes("''") ? inner.replace(/''/g, "'") : inner, 'single');
  }

  /** A literal or folded block scalar whose header is at `at`, in a collection at column `indent`. */
  private blockScalar(at: number, indent: number): YamlScalar {
    const folded = this.src.charCodeAt(at) === GREATER;
    let i = at + 1;
    let chomping: Chomping = 'clip';
    const indicator = this.src.charCodeAt(i);
    if (indicator === DASH || indicator === PLUS) {
      chomping = indicator === DASH ? 'strip' : 'keep';
      i++;
    }
    const afterHeader = this.skipSpaces(i);
    if (!this.isEol(afterHeader) && !(afterHeader > i && this.src.charCodeAt(afterHeader) === HASH)) unsure();
    const lines: string[] = [];
    let contentIndent = -1;
    let deepestLeadingBlank = 0;
    let blanksAfterContent = 0;
    let contentEnd = -1;
    let lineStart = this.src.indexOf('\n', afterHeader) + 1;
    if (lineStart === 0) unsure();
    let endedByBreak = true;
    for (; lineStart < this.length; ) {
      const first = this.skipSpaces(lineStart);
      const spaces = first - lineStart;
      const lf = this.src.indexOf('\n', first);
      const lineEnd = lf < 0 ? this.length : this.src.charCodeAt(lf - 1) === CR ? lf - 1 : lf;
      if (this.isEol(first)) {
        if (contentIndent < 0) deepestLeadingBlank = Math.max(deepestLeadingBlank, spaces);
        else if (spaces > contentIndent) unsure();
        lines.push('');
        blanksAfterContent++;
      } else {
        if (contentIndent < 0) {
          if (spaces <= indent || deepestLeadingBlank > spaces) unsure();
          contentIndent = spaces;
        } else if (spaces < contentIndent) break;
        lines.push(this.src.slice(lineStart + contentIndent, lineEnd));
        blanksAfterContent = 0;
        contentEnd = lineEnd;
      }
      if (lf < 0) {
        endedByBreak = false;
        lineStart = this.length;
        break;
      }
      lineStart = lf + 1;
    }
    if (contentIndent < 0) unsure();
    // Blank lines after the last content line are not content: they only count as line breaks for chomping.
    lines.length -= blanksAfterContent;
    // At the end of the text without a final line break, the `yaml` package still clips to one break.
    if (!endedByBreak && (chomping === 'keep' || blanksAfterContent > 0)) unsure();
    const value = blockValue(lines, folded, chomping, blanksAfterContent + 1);
    if (value === undefined) unsure();
    let end = contentEnd;
    while (end > at && this.src.charCodeAt(end - 1) <= SPACE) end--;
    this.skipToContent(lineStart);
    if (this.next >= 0 && this.nextIndent > indent) unsure();
    return this.scalar(at, end, value, 'block');
  }
}

/** A single-line flow collection of scalars and nested flow collections. */
class FlowReader {
  position: number;
  private readonly src: string;

  constructor(
    private readonly parser: BlockParser,
    at: number,
  ) {
    this.position = at;
    this.src = parser.src;
  }

  node(): YamlNode {
    const at = this.position;
    const c = this.src.charCodeAt(at);
    if (c === OPEN_BRACKET || c === OPEN_BRACE) return this.collection(c === OPEN_BRACE);
    if (c === SINGLE || c === DOUBLE) {
      this.position = this.parser.quotedEnd(at);
      return this.parser.quoted(at, this.position);
    }
    let end = at;
    let i = at;
    for (; i < this.src.length; i++) {
      const d = this.src.charCodeAt(i);
      if (d === COMMA || d === CLOSE_BRACKET || d === CLOSE_BRACE || d === LF || d === CR) break;
      if (d === OPEN_BRACKET || d === OPEN_BRACE || d === HASH || d === SINGLE || d === DOUBLE) unsure();
      if (d === COLON) {
        const after = this.src.charCodeAt(i + 1);
        if (after === SPACE || after === COMMA || after === CLOSE_BRACKET || after === CLOSE_BRACE || after === LF || after === CR || i + 1 >= this.src.length) break;
      }
      if (d !== SPACE) end = i + 1;
    }
    if (end === at || badPlainStart(c) || (c === DASH && !(this.src.charCodeAt(at + 1) > SPACE))) unsure();
    this.position = end;
    return this.parser.plain(at, end);
  }

  private skipSpaces(): void {
    while (this.src.charCodeAt(this.position) === SPACE) this.position++;
  }

  private expect(code: number): void {
    if (this.src.charCodeAt(this.position) !== code) unsure();
    this.position++;
  }

  private collection(isMap: boolean): YamlNode {
    const start = this.position;
    const close = isMap ? CLOSE_BRACE : CLOSE_BRACKET;
    this.position++;
    this.skipSpaces();
    const items: YamlNode[] = [];
    const pairs: YamlPair[] = [];
    if (this.src.charCodeAt(this.position) !== close) {
      for (;;) {
        const item = this.node();
        if (item.type !== 'scalar' && isMap) unsure();
        this.skipSpaces();
        if (isMap) {
          this.expect(COLON);
          if (this.src.charCodeAt(this.position) !== SPACE) unsure();
          this.skipSpaces();
          const value = this.node();
          pairs.push({ key: item, value, merge: false });
          this.skipSpaces();
        } else items.push(item);
        if (this.src.charCodeAt(this.position) !== COMMA) break;
        this.position++;
        this.skipSpaces();
      }
    }
    this.expect(close);
    const offset = this.parser.offset;
    if (!isMap) return { type: 'seq', start: start + offset, end: this.position + offset, anchor: undefined, items, flow: true };
    const last = pairs[pairs.length - 1];
    const end = last ? Math.max(start + offset, last.value!.end) : this.position + offset;
    return { type: 'map', start: start + offset, end, anchor: undefined, pairs, flow: true };
  }
}
