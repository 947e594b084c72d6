import type { AssetType } from '../kinds';
import { parseReference, isPlaceholder, formatReference } from '../refs';
import { closest, didYouMean } from '../suggest';
import { childOf, deref, entries, isMap, isScalar, type YamlNode, type YamlScalar } from '../yaml/ast';
import type { RuleContext } from './context';
import { jobNodes, mapAt } from './scopes';

/** A field that names an asset; `bare` says what a value without `azureml:` means there. */
interface Site {
  node: YamlScalar;
  asset: AssetType;
  bare: 'name' | 'path';
  /** Jobs should not float on `@latest` environments. */
  lintLatest?: boolean;
}

const VERSIONED: ReadonlySet<AssetType> = new Set(['environment', 'model', 'data', 'component']);

/**
 * Rules for references mlw cannot resolve locally. They are warnings while editing, because the asset may live in
 * the Azure ML workspace the user deploys to (or be created later), and errors on submit to mlw, which runs only what
 * it can resolve.
 */
export const UNRESOLVED_REFERENCE_RULES: ReadonlySet<string> = new Set(['unknown-reference', 'unknown-version']);

/** `azureml:` references, ARM ids, registry and datastore URIs resolve against the workspace index. */
export function checkReferences(ctx: RuleContext): void {
  for (const site of sites(ctx)) checkSite(ctx, site);
}

function sites(ctx: RuleContext): Site[] {
  const out: Site[] = [];
  const add = (node: YamlNode | null | undefined, asset: AssetType, bare: Site['bare'], lintLatest = false) => {
    const target = deref(node ?? null);
    if (isScalar(target) && typeof target.value === 'string') out.push({ node: target, asset, bare, lintLatest });
  };
  const root = ctx.doc.rootMap;
  if (!root) return out;
  for (const job of jobNodes(ctx.doc)) {
    const isJob = ctx.kind.asset === 'job';
    add(childOf(job.node, 'environment'), 'environment', 'name', isJob);
    add(childOf(job.node, 'compute'), 'compute', 'name');
    if (job.role !== 'trial') add(childOf(job.node, 'component'), 'component', 'path');
    for (const section of ['inputs', 'outputs'] as const) {
      const ports = mapAt(job.node, section);
      for (const [, pair] of ports ? entries(ports) : []) {
        const port = deref(pair.value);
        if (!isMap(port)) continue;
        const type = deref(childOf(port, 'type'));
        const typeName = isScalar(type) ? String(type.value) : 'uri_folder';
        add(childOf(port, 'path'), typeName.endsWith('_model') ? 'model' : 'data', 'path');
      }
    }
  }
  const settings = mapAt(root, 'settings');
  add(childOf(settings ?? null, 'default_compute'), 'compute', 'name');
  add(childOf(settings ?? null, 'default_datastore'), 'datastore', 'name');
  add(childOf(settings ?? null, 'default_environment'), 'environment', 'name');
  if (ctx.kind.asset === 'deployment') {
    add(childOf(root, 'model'), 'model', 'path');
    add(childOf(root, 'environment'), 'environment', 'name');
    add(childOf(root, 'compute'), 'compute', 'name');
    add(childOf(root, 'endpoint_name'), 'endpoint', 'name');
  }
  if (ctx.kind.id === 'data' || ctx.kind.id === 'model') add(childOf(root, 'path'), ctx.kind.asset, 'path');
  return out;
}

function checkSite(ctx: RuleContext, site: Site): void {
  const raw = String(site.node.value);
  if (isPlaceholder(raw)) return;
  const ref = parseReference(raw);
  if (!ref) return;
  const range = { start: site.node.start, end: site.node.end };
  switch (ref.form) {
    case 'registry':
      ctx.report({ ...range, severity: 'information', rule: 'registry-reference', message: `\`${raw}\` is a registry asset; registry ${ref.asset}s are not resolvable offline and are checked on submit` });
      return;
    case 'datastore-path':
      checkNamed(ctx, range, 'datastore', ref.datastore, undefined, undefined, false);
      return;
    case 'asset':
    case 'arm':
      checkNamed(ctx, range, ref.form === 'arm' ? (ref.asset ?? site.asset) : site.asset, ref.name, ref.version, ref.form === 'asset' ? ref.label : undefined, site.lintLatest ?? false);
      return;
    case 'file':
      if (site.bare === 'name') checkBareName(ctx, range, site, raw);
      return;
    default:
      return;
  }
}

/** A bare `sklearn-env:1` where `azureml:sklearn-env:1` was meant gets that as its fix. */
function checkBareName(ctx: RuleContext, range: { start: number; end: number }, site: Site, raw: string): void {
  const prefixed = parseReference(`azureml:${raw}`);
  if (VERSIONED.has(site.asset) && prefixed?.form === 'asset' && (prefixed.version !== undefined || prefixed.label !== undefined) && ctx.index.find(site.asset, prefixed.name).length > 0) {
    ctx.report({ ...range, severity: 'error', rule: 'unknown-reference', message: `\`${raw}\` is not a reference; did you mean \`azureml:${raw}\`?`, data: { asset: site.asset, name: prefixed.name, replacement: `azureml:${raw}` } });
    return;
  }
  checkNamed(ctx, range, site.asset, raw, undefined, undefined, false);
}

function checkNamed(ctx: RuleContext, range: { start: number; end: number }, asset: AssetType, name: string, version: string | undefined, label: string | undefined, lintLatest: boolean): void {
  if (isPlaceholder(name)) return;
  const defined = ctx.index.find(asset, name);
  if (defined.length === 0) {
    if (asset === 'environment' && /^AzureML-/i.test(name)) {
      ctx.report({ ...range, severity: 'information', rule: 'curated-environment', message: `\`${name}\` is an Azure ML curated environment; it is not available offline (define an environment built FROM a local image)` });
      return;
    }
    const suggestion = closest(name, ctx.index.names(asset));
    ctx.report({ ...range, severity: 'warning', rule: 'unknown-reference', message: `${asset} \`${name}\` is not defined in this workspace${didYouMean(suggestion)}`, data: { asset, name, ...(suggestion ? { replacement: suggestion } : {}) } });
    return;
  }
  if (!VERSIONED.has(asset)) return;
  if (version !== undefined) {
    if (!defined.some((a) => a.version === version)) {
      const versions = defined.map((a) => a.version).filter((v) => v !== undefined);
      ctx.report({ ...range, severity: 'warning', rule: 'unknown-version', message: `${asset} \`${name}\` has no version ${version}${versions.length ? ` (defined: ${versions.join(', ')})` : ''}`, data: { asset, name, versions } });
    }
    return;
  }
  const latest = ctx.index.latest(asset, name);
  if (label === undefined) {
    ctx.report({ ...range, severity: 'warning', rule: 'missing-version', message: `${asset} reference \`${name}\` has no version; write \`${formatReference(name, latest?.version ?? '1')}\` or \`${formatReference(name, undefined, 'latest')}\``, data: { asset, name, ...(latest?.version ? { version: latest.version } : {}) } });
  } else if (label === 'latest' && lintLatest) {
    ctx.report({ ...range, severity: 'warning', rule: 'environment-latest-label', message: `\`@latest\` makes this job run on whatever version is newest when it is submitted${latest?.version ? `; pin it: \`${formatReference(name, latest.version)}\`` : ''}`, data: { asset, name, ...(latest?.version ? { version: latest.version, replacement: formatReference(name, latest.version) } : {}) } });
  }
}

