/** A small, position-carrying YAML tree. Offsets are UTF-16 code units into the document text. */
export type YamlNode = YamlMap | YamlSeq | YamlScalar | YamlAlias;

interface NodeBase {
  start: number;
  end: number;
  anchor: string | undefined;
}

export interface YamlMap extends NodeBase {
  type: 'map';
  pairs: YamlPair[];
  flow: boolean;
}

export interface YamlPair {
  key: YamlNode | null;
  value: YamlNode | null;
  /** `<<` merge key (YAML 1.1 merge), resolved by {@link toJS} and {@link childOf}. */
  merge: boolean;
}

export interface YamlSeq extends NodeBase {
  type: 'seq';
  items: YamlNode[];
  flow: boolean;
}

export type ScalarStyle = 'plain' | 'single' | 'double' | 'block';

export interface YamlScalar extends NodeBase {
  type: 'scalar';
  value: string | number | boolean | null;
  style: ScalarStyle;
}

export interface YamlAlias extends NodeBase {
  type: 'alias';
  name: string;
  target: YamlNode | null;
}

export type PathSegment = string | number;

export function isMap(node: YamlNode | null | undefined): node is YamlMap {
  return node?.type === 'map';
}
export function isSeq(node: YamlNode | null | undefined): node is YamlSeq {
  return node?.type === 'seq';
}
export function isScalar(node: YamlNode | null | undefined): node is YamlScalar {
  return node?.type === 'scalar';
}

/** Follows aliases to the node they name. */
export function deref(node: YamlNode | null | undefined): YamlNode | null {
  let current = node ?? null;
  for (let hops = 0; current?.type === 'alias' && hops < 64; hops++) current = current.target;
  return current?.type === 'alias' ? null : current;
}

export function keyText(pair: YamlPair): string | undefined {
  const key = pair.key;
  if (key?.type !== 'scalar') return undefined;
  return key.value === null ? '' : String(key.value);
}

/** A scalar's value as a string, when it is a string scalar. */
export function stringValue(node: YamlNode | null | undefined): string | undefined {
  const target = deref(node);
  return target?.type === 'scalar' && typeof target.value === 'string' ? target.value : undefined;
}

/** The pair of `map` whose key is `key`, looking through `<<` merges (own keys win). */
export function pairOf(map: YamlMap, key: string): YamlPair | undefined {
  for (const pair of map.pairs) if (!pair.merge && keyText(pair) === key) return pair;
  for (const pair of map.pairs) {
    if (!pair.merge) continue;
    for (const source of mergeSources(pair)) {
      const found = pairOf(source, key);
      if (found) return found;
    }
  }
  return undefined;
}

export function mergeSources(pair: YamlPair): YamlMap[] {
  const value = deref(pair.value);
  if (value?.type === 'map') return [value];
  if (value?.type === 'seq') return value.items.map(deref).filter(isMap);
  return [];
}

/** The child of a map (by key) or sequence (by index). */
export function childOf(node: YamlNode | null, segment: PathSegment): YamlNode | null {
  const target = deref(node);
  if (target?.type === 'map') return pairOf(target, String(segment))?.value ?? null;
  if (target?.type === 'seq' && typeof segment === 'number') return target.items[segment] ?? null;
  return null;
}

/** The node at `path`, and the pair holding it when its parent is a map. */
export function locate(root: YamlNode | null, path: readonly PathSegment[]): { node: YamlNode | null; pair?: YamlPair } {
  let node: YamlNode | null = root;
  let pair: YamlPair | undefined;
  for (const segment of path) {
    const parent = deref(node);
    if (parent?.type === 'map') {
      pair = pairOf(parent, String(segment));
      node = pair?.value ?? null;
      if (!pair) return { node: null };
    } else if (parent?.type === 'seq') {
      const index = typeof segment === 'number' ? segment : Number(segment);
      pair = undefined;
      node = parent.items[index] ?? null;
      if (!node) return { node: null };
    } else {
      return { node: null };
    }
  }
  return pair ? { node, pair } : { node };
}

/** Entries of a map as [key, value node] pairs, merges resolved, own keys winning. */
export function entries(map: YamlMap): Array<[string, YamlPair]> {
  const result = new Map<string, YamlPair>();
  for (const pair of map.pairs) {
    if (!pair.merge) continue;
    for (const source of mergeSources(pair)) for (const [k, p] of entries(source)) if (!result.has(k)) result.set(k, p);
  }
  for (const pair of map.pairs) {
    const key = keyText(pair);
    if (!pair.merge && key !== undefined) result.set(key, pair);
  }
  return [...result];
}

export class AliasExpansionError extends Error {}

/** Converts the tree to plain JSON-like values; aliases and merges resolved, expansion bounded. */
export function toJS(node: YamlNode | null, budget = { remaining: 1_000_000 }): unknown {
  if (--budget.remaining < 0) throw new AliasExpansionError('alias expansion exceeds 1,000,000 nodes');
  const target = deref(node);
  if (!target) return null;
  switch (target.type) {
    case 'scalar':
      return target.value;
    case 'seq':
      return target.items.map((item) => toJS(item, budget));
    case 'map': {
      const out: Record<string, unknown> = {};
      for (const [key, pair] of entries(target)) out[key] = toJS(pair.value, budget);
      return out;
    }
    default:
      return null;
  }
}

/** The innermost node whose range contains `offset`, with the path to it. */
export function nodeAt(root: YamlNode | null, offset: number): { path: PathSegment[]; node: YamlNode | null; inKey: boolean } {
  const path: PathSegment[] = [];
  let node = root;
  let inKey = false;
  for (;;) {
    if (node?.type === 'map') {
      const hit = node.pairs.find((p) => contains(p.key, offset) || contains(p.value, offset));
      if (!hit) break;
      const key = keyText(hit) ?? '';
      path.push(key);
      if (contains(hit.key, offset)) {
        inKey = true;
        node = hit.key;
        break;
      }
      node = hit.value;
    } else if (node?.type === 'seq') {
      const index = node.items.findIndex((item) => contains(item, offset));
      if (index < 0) break;
      path.push(index);
      node = node.items[index]!;
    } else break;
  }
  return { path, node, inKey };
}

function contains(node: YamlNode | null, offset: number): boolean {
  return !!node && node.start <= offset && offset <= node.end;
}

/** A copy of the tree with every offset moved by `delta` (aliases re-pointed into the copy). */
export function shifted<T extends YamlNode | null>(node: T, delta: number, seen = new Map<YamlNode, YamlNode>()): T {
  if (!node || delta === 0) return node;
  const done = seen.get(node);
  if (done) return done as T;
  const start = node.start + delta;
  const end = node.end + delta;
  let copy: YamlNode;
  switch (node.type) {
    case 'scalar':
      copy = { type: 'scalar', start, end, anchor: node.anchor, value: node.value, style: node.style };
      break;
    case 'alias':
      copy = { type: 'alias', start, end, anchor: undefined, name: node.name, target: node.target ? shifted(node.target, delta, seen) : null };
      break;
    case 'seq':
      copy = { type: 'seq', start, end, anchor: node.anchor, items: node.items.map((i) => shifted(i, delta, seen)), flow: node.flow };
      break;
    case 'map':
      copy = {
        type: 'map',
        start,
        end,
        anchor: node.anchor,
        pairs: node.pairs.map((p) => ({ key: shifted(p.key, delta, seen), value: shifted(p.value, delta, seen), merge: p.merge })),
        flow: node.flow,
      };
      break;
  }
  seen.set(node, copy);
  return copy as T;
}
