import type { AssetDetail, AssetKind, AssetSummary, AssetUpload } from '../vocabulary';
import { Conflict } from '../errors';
import type { Store } from './database';

interface AssetRow {
  kind: AssetKind;
  name: string;
  version: string;
  seq: number;
  spec: string;
  source_path: string | null;
  content_hash: string;
  created_at: number;
  archived: number;
  job_name: string | null;
}

export interface NewAsset {
  kind: AssetKind;
  name: string;
  version: string;
  spec: Record<string, unknown>;
  sourcePath?: string;
  contentHash: string;
  job?: string;
  upload?: AssetUpload;
}

/** The upload record is kept beside the spec in its column, and split off again when read. */
const UPLOAD_KEY = '$mlw.upload';

/** A registration or an archive (the control plane records it as an event in the same transaction). */
export interface AssetChange {
  kind: AssetKind;
  name: string;
  /** Undefined when every version of `name` was archived. */
  version?: string;
  change: 'registered' | 'archived';
}

/** Registered assets. Versions are immutable: registering an existing version with other content is refused. */
export class AssetRepository {
  /** `kind\0name` → why it cannot be archived. */
  private readonly protectedAssets = new Map<string, string>();

  constructor(private readonly store: Store, private readonly onChange: (change: AssetChange) => void = () => {}) {}

  /**
   * Registers a version; the same content again is a no-op that returns the stored one. An unversioned kind
   * (compute, datastore) with other content is updated in place.
   */
  register(asset: NewAsset): { detail: AssetDetail; created: boolean; updated: boolean } {
    return this.store.transaction(() => {
      const existing = this.row(asset.kind, asset.name, asset.version);
      if (existing) {
        if (existing.content_hash === asset.contentHash) return { detail: toDetail(existing), created: false, updated: false };
        if (isVersioned(asset.kind)) {
          throw new Conflict(`${asset.kind} ${asset.name}:${asset.version} already exists with different content; versions are immutable, register a new version`);
        }
        this.store.run('UPDATE assets SET spec = ?, content_hash = ?, source_path = ?, archived = 0 WHERE kind = ? AND name = ? AND version = ?', [storedSpec(asset), asset.contentHash, asset.sourcePath ?? null, asset.kind, asset.name, asset.version]);
        this.changed({ kind: asset.kind, name: asset.name, version: asset.version, change: 'registered' });
        return { detail: toDetail(this.row(asset.kind, asset.name, asset.version)!), created: false, updated: true };
      }
      const seq = Number(this.store.get<{ next: number }>('SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM assets')!.next);
      this.store.run(
        'INSERT INTO assets (kind, name, version, seq, spec, source_path, content_hash, created_at, job_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [asset.kind, asset.name, asset.version, seq, storedSpec(asset), asset.sourcePath ?? null, asset.contentHash, Date.now(), asset.job ?? null],
      );
      this.changed({ kind: asset.kind, name: asset.name, version: asset.version, change: 'registered' });
      return { detail: toDetail(this.row(asset.kind, asset.name, asset.version)!), created: true, updated: false };
    });
  }

  /** A version, `latest` (the newest not archived) or, for unversioned kinds, the only one. */
  get(kind: AssetKind, name: string, version?: string): AssetDetail | undefined {
    const row = version === undefined || version === '' || version === 'latest'
      ? this.store.get<AssetRow>('SELECT * FROM assets WHERE kind = ? AND name = ? AND archived = 0 ORDER BY seq DESC LIMIT 1', [kind, name])
      : this.row(kind, name, version);
    return row ? toDetail(row) : undefined;
  }

  list(kind?: AssetKind, name?: string, includeArchived = false): AssetSummary[] {
    const where: string[] = [];
    const values: (string | number)[] = [];
    if (kind) (where.push('kind = ?'), values.push(kind));
    if (name) (where.push('name = ?'), values.push(name));
    if (!includeArchived) where.push('archived = 0');
    const sql = `SELECT * FROM assets ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY kind, name, seq`;
    return this.store.all<AssetRow>(sql, values).map(toSummary);
  }

  /** Makes `archive` refuse an asset (with `reason`, as a conflict). */
  protect(kind: AssetKind, name: string, reason: string): void {
    this.protectedAssets.set(`${kind}\0${name}`, reason);
  }

  /** Hides a version (or every version) from `latest` and listings; references to it keep working. */
  archive(kind: AssetKind, name: string, version?: string): number {
    const reason = this.protectedAssets.get(`${kind}\0${name}`);
    if (reason) throw new Conflict(reason);
    return this.store.transaction(() => {
      const changes =
        version === undefined
          ? this.store.run('UPDATE assets SET archived = 1 WHERE kind = ? AND name = ?', [kind, name]).changes
          : this.store.run('UPDATE assets SET archived = 1 WHERE kind = ? AND name = ? AND version = ?', [kind, name, version]).changes;
      if (changes > 0) this.changed({ kind, name, ...(version !== undefined ? { version } : {}), change: 'archived' });
      return changes;
    });
  }

  private changed(change: AssetChange): void {
    this.onChange(change);
  }

  /** The next free integer version of `name` (for outputs registered without a version). */
  nextVersion(kind: AssetKind, name: string): string {
    const versions = this.store.all<{ version: string }>('SELECT version FROM assets WHERE kind = ? AND name = ?', [kind, name]);
    return String(versions.reduce((max, row) => Math.max(max, /^\d+$/.test(row.version) ? Number(row.version) : 0), 0) + 1);
  }

  private row(kind: AssetKind, name: string, version: string): AssetRow | undefined {
    return this.store.get<AssetRow>('SELECT * FROM assets WHERE kind = ? AND name = ? AND version = ?', [kind, name, version]);
  }
}

export const isVersioned = (kind: AssetKind): boolean => kind !== 'compute' && kind !== 'datastore';

function toSummary(row: AssetRow): AssetSummary {
  return {
    kind: row.kind,
    name: row.name,
    version: row.version,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    archived: Number(row.archived) === 1,
    ...(row.source_path ? { sourcePath: row.source_path } : {}),
    ...(row.job_name ? { job: row.job_name } : {}),
  };
}

function storedSpec(asset: NewAsset): string {
  return JSON.stringify(asset.upload ? { ...asset.spec, [UPLOAD_KEY]: asset.upload } : asset.spec);
}

function toDetail(row: AssetRow): AssetDetail {
  const { [UPLOAD_KEY]: upload, ...spec } = JSON.parse(row.spec) as Record<string, unknown>;
  return { ...toSummary(row), spec, contentHash: row.content_hash, ...(upload ? { upload: upload as AssetUpload } : {}) };
}
