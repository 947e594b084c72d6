import { isMap, isScalar, isSeq, parseDocument, stringify, type Document } from 'yaml';
import type { SpecAddition, StoredSpecEdits } from '../api/contracts';
import { BadRequest, SpecRejected } from '../errors';
import type { LoadedSpec } from './spec-loader';

type Segment = string | number;

/**
 * `az ml … update`'s `--remove`, `--set` and `--add` on a spec's text, in that order. A path is `key.path`, with
 * list entries as `list[0]` (or `list.0`); what is refused names the flag and the path.
 */
export function applySpecEdits(text: string, edits: StoredSpecEdits): string {
  // Edited as YAML 1.2 so untouched scalars are written back as they were (1.1 would turn `n` into `false`).
  const doc = parseDocument(text, { merge: true, uniqueKeys: false });
  for (const item of edits.remove ?? []) removeField(doc, item);
  for (const item of edits.set ?? []) setField(doc, item);
  for (const addition of edits.add ?? []) addEntries(doc, addition);
  return doc.toString();
}

export function hasStoredSpecEdits(edits: StoredSpecEdits): boolean {
  return Boolean(edits.set?.length || edits.add?.length || edits.remove?.length);
}

/** The edits as the command line gives them, for messages. */
export function editFlags(edits: StoredSpecEdits): string {
  return [
    ...(edits.remove ?? []).map((item) => `--remove ${item}`),
    ...(edits.set ?? []).map((item) => `--set ${item}`),
    ...(edits.add ?? []).map((addition) => `--add ${[addition.path, ...addition.values].join(' ')}`),
  ].join(' ');
}

/** With a spec file, `--set` applies to the file; `--add` and `--remove` only change a stored spec. */
export function refuseStoredEditsWithFile(edits: StoredSpecEdits): void {
  if (edits.remove?.length) throw new BadRequest(`--remove ${edits.remove.join(' ')}: --remove changes the stored spec; with --file, leave the field out of the file`);
  const [add] = edits.add ?? [];
  if (add) throw new BadRequest(`--add ${add.path}: --add changes the stored spec; with --file, write the entry into the file`);
}

/**
 * The stored spec with the edits applied, loaded (validated) as on create by `load`. Findings are said in words with
 * the flags: their positions would point into no file.
 */
export function loadEditedSpec(stored: Record<string, unknown>, edits: StoredSpecEdits, load: (text: string) => LoadedSpec): LoadedSpec {
  const text = applySpecEdits(stringify(stored), edits);
  try {
    return load(text);
  } catch (error) {
    if (!(error instanceof SpecRejected) || error.findings.length === 0) throw error;
    throw new BadRequest(`${editFlags(edits)}: ${error.findings.map((finding) => finding.message).join('; ')}`);
  }
}

function setField(doc: Document, item: string): void {
  const at = item.indexOf('=');
  const written = item.slice(0, at).trim();
  const segments = at > 0 ? parsePath(written) : undefined;
  if (!segments) throw new BadRequest(`--set ${item}: expected key.path=value`);
  const path = resolvePath(doc, segments, `--set ${item}`);
  doc.setIn(path, scalarValue(item.slice(at + 1)));
}

function removeField(doc: Document, item: string): void {
  const segments = parsePath(item);
  if (!segments) throw new BadRequest(`--remove ${item}: expected key.path, or list.path[index]`);
  const flag = `--remove ${item}`;
  const path = resolvePath(doc, segments, flag);
  if (!doc.hasIn(path)) throw new BadRequest(`${flag}: the spec has no such field`);
  doc.deleteIn(path);
}

function addEntries(doc: Document, { path: written, values }: SpecAddition): void {
  const flag = `--add ${written}`;
  const segments = parsePath(written);
  if (!segments) throw new BadRequest(`${flag}: expected the path of a list, e.g. identity.user_assigned_identities`);
  if (values.length === 0) throw new BadRequest(`${flag}: give the entry to add: key=value pairs or a JSON value`);
  const path = resolvePath(doc, segments, flag);
  const found = doc.getIn(path, true);
  if (found === undefined || (isScalar(found) && found.value === null)) doc.setIn(path, doc.createNode([]));
  else if (!isSeq(found)) throw new BadRequest(`${flag}: ${written} is not a list`);
  const list = doc.getIn(path, true);
  if (!isSeq(list)) throw new BadRequest(`${flag}: ${written} is not a list`);
  for (const entry of entriesOf(values, flag)) list.add(doc.createNode(entry));
}

/** As `az ml` reads `--add` values: consecutive `key=value` pairs make one object; anything else is JSON, or a string. */
function entriesOf(values: readonly string[], flag: string): unknown[] {
  const entries: unknown[] = [];
  let pairs: Record<string, unknown> | undefined;
  for (const value of values) {
    const json = /^\s*[[{"]/.test(value) ? parseJson(value) : undefined;
    const at = value.indexOf('=');
    if (json === undefined && at >= 0) {
      const key = value.slice(0, at).trim();
      if (!key) throw new BadRequest(`${flag} ${value}: expected key=value`);
      (pairs ??= {})[key] = scalarValue(value.slice(at + 1));
      continue;
    }
    if (pairs) {
      entries.push(pairs);
      pairs = undefined;
    }
    entries.push(json !== undefined ? json.value : (parseJson(value)?.value ?? value));
  }
  if (pairs) entries.push(pairs);
  return entries;
}

function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

/** A value as `--set` reads it: YAML (`3` is a number, `[a, b]` a list). */
function scalarValue(text: string): unknown {
  return parseDocument(text, { version: '1.1' }).toJS() ?? null;
}

/** `a.b[0].c` or `a.b.0.c` as segments; `[n]` is an index, `.n` one where the spec has a list. Undefined if malformed. */
function parsePath(text: string): Segment[] | undefined {
  if (!/^[\w$-]+(\[\d+\])*(\.[\w$-]+(\[\d+\])*)*$/.test(text)) return undefined;
  return text.split('.').flatMap((part) => {
    const [key, ...indexes] = part.split('[');
    return [key!, ...indexes.map((index) => Number(index.slice(0, -1)))];
  });
}

/**
 * The path as the spec has it: a list is entered by an index within it, a map by a key; past what the spec has, maps
 * (or lists, for `[n]`) are made on the way.
 */
function resolvePath(doc: Document, segments: readonly Segment[], flag: string): Segment[] {
  const resolved: Segment[] = [];
  let node: unknown = doc.contents;
  for (const segment of segments) {
    const where = pathText(resolved);
    if (node === undefined || node === null || (isScalar(node) && node.value === null)) {
      node = undefined;
    } else if (isSeq(node)) {
      const index = typeof segment === 'number' ? segment : /^\d+$/.test(segment) ? Number(segment) : undefined;
      if (index === undefined) throw new BadRequest(`${flag}: ${where} is a list; give an index, e.g. ${where}[0]`);
      if (index >= node.items.length) throw new BadRequest(`${flag}: index ${index} is out of range: ${where} has ${node.items.length} ${node.items.length === 1 ? 'entry' : 'entries'}`);
      resolved.push(index);
      node = node.get(index, true);
      continue;
    } else if (isMap(node)) {
      if (typeof segment === 'number') throw new BadRequest(`${flag}: ${where || 'the spec'} is not a list`);
      node = node.get(segment, true);
    } else {
      throw new BadRequest(`${flag}: ${where} is ${typeof segment === 'number' ? 'not a list' : 'a value, not a map or a list'}`);
    }
    resolved.push(segment);
  }
  return resolved;
}

function pathText(segments: readonly Segment[]): string {
  return segments.map((segment, i) => (typeof segment === 'number' ? `[${segment}]` : i === 0 ? segment : `.${segment}`)).join('');
}
