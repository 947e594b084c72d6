import { detectKind, kindInfo, type AssetType, type KindId } from './kinds';
import type { SpecDocument } from './document';
import { keyText, isMap } from './yaml/ast';

/** An asset the workspace defines: a spec file, a registered asset, or a built-in. */
export interface IndexedAsset {
  asset: AssetType;
  kind?: KindId;
  /** The spec's `type` where it tells what runs (a compute's: `local` runs host processes, `docker`/`swarm` containers). */
  type?: string;
  name: string;
  version?: string;
  /** The spec file that defines it ('' for built-ins and registered assets). */
  path: string;
  /** Range of the `name` value in that file. */
  start: number;
  end: number;
  origin: 'file' | 'registered' | 'builtin';
  /** A compute's `type` as written (`local`, `docker`, `amlcompute` …): several share one kind. */
  computeType?: string;
}

/** Registered assets (the control plane's store, once it exists) plug in here. */
export interface AssetSource {
  assets(): Iterable<IndexedAsset>;
}

const BUILTINS: IndexedAsset[] = [
  ...['workspaceblobstore', 'workspacefilestore', 'workspaceartifactstore', 'workspaceworkingdirectory'].map((name): IndexedAsset => ({ asset: 'datastore', name, path: '', start: 0, end: 0, origin: 'builtin' })),
  { asset: 'compute', name: 'local', path: '', start: 0, end: 0, origin: 'builtin' },
];

/** What every spec file of a workspace folder defines, so references across files resolve. */
export class WorkspaceIndex {
  private readonly byFile = new Map<string, IndexedAsset[]>();
  private readonly sources: AssetSource[] = [];
  private byName: Map<string, IndexedAsset[]> | undefined;

  constructor(readonly root: string) {}

  addSource(source: AssetSource): void {
    this.sources.push(source);
    this.byName = undefined;
  }

  /** Call when an added source's assets changed. */
  sourcesChanged(): void {
    this.byName = undefined;
  }

  /** Indexes a file from its text alone (top-level lines; no full parse), for scanning whole folders fast. */
  updateFromText(path: string, text: string): void {
    this.set(path, assetFromText(path, text));
  }

  updateFromDocument(doc: SpecDocument): void {
    this.set(doc.path, assetFromDocument(doc));
  }

  remove(path: string): void {
    if (this.byFile.delete(path)) this.byName = undefined;
  }

  /** Every definition of `name` as an asset of this type, newest version last. */
  find(asset: AssetType, name: string): IndexedAsset[] {
    return this.lookup().get(`${asset}\0${name}`) ?? [];
  }

  /** All assets of a type (completion lists them; suggestions pick from them). */
  all(asset: AssetType): IndexedAsset[] {
    const out: IndexedAsset[] = [];
    for (const list of this.lookup().values()) for (const a of list) if (a.asset === asset) out.push(a);
    return out;
  }

  names(asset: AssetType): string[] {
    return [...new Set(this.all(asset).map((a) => a.name))];
  }

  /** The newest version of a versioned asset (numeric versions compare as numbers). */
  latest(asset: AssetType, name: string): IndexedAsset | undefined {
    const versions = this.find(asset, name).filter((a) => a.version !== undefined);
    return versions.sort((a, b) => compareVersions(a.version!, b.version!)).pop();
  }

  files(): string[] {
    return [...this.byFile.keys()];
  }

  private set(path: string, asset: IndexedAsset | undefined): void {
    const had = this.byFile.has(path);
    if (asset) this.byFile.set(path, [asset]);
    else this.byFile.delete(path);
    if (asset || had) this.byName = undefined;
  }

  private lookup(): Map<string, IndexedAsset[]> {
    if (this.byName) return this.byName;
    const map = new Map<string, IndexedAsset[]>();
    const add = (a: IndexedAsset) => {
      const key = `${a.asset}\0${a.name}`;
      const list = map.get(key);
      if (list) list.push(a);
      else map.set(key, [a]);
    };
    for (const a of BUILTINS) add(a);
    for (const list of this.byFile.values()) list.forEach(add);
    for (const source of this.sources) for (const a of source.assets()) add(a);
    this.byName = map;
    return map;
  }
}

export function compareVersions(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a.localeCompare(b, undefined, { numeric: true });
}

function assetFromDocument(doc: SpecDocument): IndexedAsset | undefined {
  const kind = doc.kind;
  const root = doc.rootMap;
  if (!kind || !isMap(root)) return undefined;
  const namePair = root.pairs.find((p) => keyText(p) === 'name');
  const versionPair = root.pairs.find((p) => keyText(p) === 'version');
  const name = namePair?.value?.type === 'scalar' ? namePair.value : undefined;
  if (!name || name.value === null || name.value === '') return undefined;
  const versionNode = versionPair?.value?.type === 'scalar' && versionPair.value.value !== null ? versionPair.value : undefined;
  // as written: `1.10` is version "1.10", not the number 1.1
  const version = versionNode ? (versionNode.style === 'plain' ? doc.text.slice(versionNode.start, versionNode.end) : String(versionNode.value)) : undefined;
  const typePair = kind.asset === 'compute' ? root.pairs.find((p) => keyText(p) === 'type') : undefined;
  const computeType = typePair?.value?.type === 'scalar' && typeof typePair.value.value === 'string' ? typePair.value.value : undefined;
  return { asset: kind.asset, kind: kind.id, name: String(name.value), ...(version !== undefined ? { version } : {}), path: doc.path, start: name.start, end: name.end, origin: 'file', ...(computeType ? { computeType } : {}) };
}

const TOP_LEVEL_LINE = /^([A-Za-z_$][\w$.-]*):[ \t]*(.*?)[ \t]*$/gm;

function assetFromText(path: string, text: string): IndexedAsset | undefined {
  const facts = new Map<string, string | true>();
  let nameRange: [number, number] | undefined;
  const head = text.length > 262_144 ? text.slice(0, 262_144) : text;
  for (const m of head.matchAll(TOP_LEVEL_LINE)) {
    const key = m[1]!;
    if (facts.has(key)) continue;
    const raw = m[2]!.replace(/\s+#.*$/, '');
    const value = unquote(raw);
    facts.set(key, value === '' ? true : value);
    if (key === 'name' && value !== '') {
      const start = m.index! + m[0].indexOf(raw, key.length + 1);
      nameRange = [start, start + raw.length];
    }
  }
  const detection = detectKind(facts, head);
  if (!detection || !('kind' in detection) || !nameRange) return undefined;
  const info = kindInfo(detection.kind);
  const name = facts.get('name');
  const version = facts.get('version');
  if (typeof name !== 'string') return undefined;
  const type = info.asset === 'compute' ? facts.get('type') : undefined;
  return { asset: info.asset, kind: info.id, name, ...(typeof version === 'string' ? { version } : {}), path, start: nameRange[0], end: nameRange[1], origin: 'file', ...(typeof type === 'string' ? { computeType: type } : {}) };
}

function unquote(value: string): string {
  const m = /^(['"])(.*)\1$/.exec(value);
  return m ? m[2]! : value;
}
