import type { ComputeQueue, EnvironmentImage } from '../../core/api/contracts';
import type { AssetKind, AssetSummary } from '../../core/vocabulary';
import type { TreeIcon, TreeNode } from './tree-node';

const KIND_ICONS: Record<AssetKind, string> = {
  compute: 'server',
  datastore: 'database',
  data: 'file-binary',
  environment: 'package',
  model: 'symbol-misc',
  component: 'symbol-module',
};

/** Extra facts a view shows about one asset version (image of an environment, queue of a compute). */
export interface AssetExtras {
  description?: string;
  tooltip?: string;
  children?: TreeNode[];
}

/**
 * An asset view: one node per name. Versioned kinds list their versions (newest first) under the name, the name's
 * row describing the latest; unversioned kinds (compute, datastore) are a single row.
 */
export function assetsTree(kind: AssetKind, assets: readonly AssetSummary[], extras: (asset: AssetSummary) => AssetExtras = () => ({})): TreeNode[] {
  const byName = new Map<string, AssetSummary[]>();
  for (const asset of assets) {
    if (asset.kind !== kind) continue;
    const list = byName.get(asset.name);
    if (list) list.push(asset);
    else byName.set(asset.name, [asset]);
  }
  return [...byName.keys()].sort((a, b) => a.localeCompare(b)).map((name) => {
    const versions = byName.get(name)!.sort(newestVersionFirst);
    const latest = versions[0]!;
    if (latest.version === '') return assetNode(latest, extras(latest), `${kind}:${name}`);
    const node = assetNode(latest, extras(latest), `${kind}:${name}`);
    return {
      ...node,
      label: name,
      description: [`${versions.length === 1 ? 'v' : 'latest v'}${latest.version}`, node.description].filter(Boolean).join(' · '),
      children: versions.map((version) => assetNode(version, extras(version), `${kind}:${name}:${version.version}`, `v${version.version}`)),
    };
  });
}

function assetNode(asset: AssetSummary, extras: AssetExtras, id: string, label = asset.name): TreeNode {
  const flags = ['asset', `kind=${asset.kind}`];
  if (asset.sourcePath) flags.push('spec');
  if (asset.version !== '') flags.push('versioned');
  if (!asset.archived) flags.push('archivable');
  const lineage = asset.job ? `from job ${asset.job}` : undefined;
  const description = [extras.description, lineage, asset.archived ? 'archived' : undefined].filter(Boolean).join(' · ');
  const tooltip = [
    `${asset.kind} ${asset.name}${asset.version ? ` version ${asset.version}` : ''}`,
    `Created: ${asset.createdAt}`,
    asset.sourcePath ? `Spec: ${asset.sourcePath}` : undefined,
    asset.job ? `Produced by job ${asset.job}` : undefined,
    extras.tooltip,
  ].filter(Boolean).join('\n');
  const lineageChild: TreeNode[] = asset.job
    ? [{ id: `${id}:lineage`, label: `produced by job ${asset.job}`, icon: { id: 'git-commit' }, contextValue: 'job;lineage', resource: { type: 'job', job: asset.job, status: '' }, command: { command: 'mlw.job.showLogs', title: 'Show Logs', arguments: [asset.job] } }]
    : [];
  const children = [...lineageChild, ...(extras.children ?? [])];
  return {
    id,
    label,
    ...(description ? { description } : {}),
    tooltip,
    icon: kindIcon(asset.kind),
    contextValue: flags.join(';'),
    resource: { type: 'asset', kind: asset.kind, name: asset.name, version: asset.version, archived: asset.archived, ...(asset.sourcePath ? { sourcePath: asset.sourcePath } : {}) },
    ...(children.length ? { children } : {}),
  };
}

export function kindIcon(kind: AssetKind): TreeIcon {
  return { id: KIND_ICONS[kind] };
}

/** A compute's queue as row facts: `1/2 running · 3 queued`, with the running and queued jobs as children. */
export function queueExtras(queue: ComputeQueue): AssetExtras {
  const description = `${queue.running.length}/${queue.capacity} running${queue.queued.length ? ` · ${queue.queued.length} queued` : ''}`;
  const children: TreeNode[] = [
    ...queue.running.map((job) => ({ id: `queue:${queue.compute}:running:${job}`, label: job, description: 'running', icon: { id: 'sync~spin', color: 'charts.blue' }, contextValue: 'queue-entry;running', resource: { type: 'queue-entry' as const, compute: queue.compute, job }, command: { command: 'mlw.job.showLogs', title: 'Show Logs', arguments: [job] } })),
    ...queue.queued.map((entry, index) => ({ id: `queue:${queue.compute}:queued:${entry.job}`, label: entry.job, description: `#${index + 1} · ${entry.reason}`, tooltip: entry.reason, icon: { id: 'clock', color: 'charts.yellow' }, contextValue: 'queue-entry;queued', resource: { type: 'queue-entry' as const, compute: queue.compute, job: entry.job }, command: { command: 'mlw.job.showLogs', title: 'Show Logs', arguments: [entry.job] } })),
  ];
  return { description, tooltip: queue.queued.map((q) => `${q.job}: ${q.reason}`).join('\n') || undefined, children };
}

/** A compute's queue and nodes on one row: descriptions joined, the nodes after the queue's jobs. */
export function mergeExtras(...parts: (AssetExtras | undefined)[]): AssetExtras {
  const present = parts.filter((part): part is AssetExtras => part !== undefined);
  const description = present.map((part) => part.description).filter(Boolean).join(' · ');
  const tooltip = present.map((part) => part.tooltip).filter(Boolean).join('\n');
  const children = present.flatMap((part) => part.children ?? []);
  return { ...(description ? { description } : {}), ...(tooltip ? { tooltip } : {}), ...(children.length ? { children } : {}) };
}

/**
 * Environments: where the image comes from (`image:`, or a build context) and its build state — built (with the
 * cached tag), building, not built yet (the next job builds it), or why the state is unknown (e.g. Docker is down).
 */
export function environmentExtras(spec: Record<string, unknown> | undefined, image?: EnvironmentImage | string): AssetExtras {
  if (!spec) return {};
  const base = typeof spec.image === 'string' ? spec.image : undefined;
  const build = spec.build as { path?: string } | undefined;
  const conda = typeof spec.conda_file === 'string' ? spec.conda_file : spec.conda_file && typeof spec.conda_file === 'object' ? 'inline in the spec' : undefined;
  const source = build?.path ? `build ${build.path}` : base ? (conda ? `${base} + conda` : base) : undefined;
  const state = image === undefined ? undefined : typeof image === 'string' ? 'state unknown' : image.building ? 'building' : image.built ? 'built' : 'not built';
  const description = [source, state].filter(Boolean).join(' · ') || undefined;
  const tooltip = [
    build?.path ? `Image built from ${build.path}` : base ? `Image: ${base}${conda ? `\nConda file: ${conda}` : ''}` : undefined,
    typeof image === 'string' ? image : image ? `${image.built ? 'Cached image' : 'Image (built by the next job that uses it)'}: ${image.image}` : undefined,
  ].filter(Boolean).join('\n') || undefined;
  return { ...(description ? { description } : {}), ...(tooltip ? { tooltip } : {}) };
}

function newestVersionFirst(a: AssetSummary, b: AssetSummary): number {
  const numeric = Number(b.version) - Number(a.version);
  if (!Number.isNaN(numeric) && numeric !== 0) return numeric;
  return a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : b.version.localeCompare(a.version);
}
