import path from 'node:path';
import type { Command } from 'commander';
import type { ApiClient } from '../../core/api/client';
import { WorkspaceLayout } from '../../core/engine/layout';
import { assertOneWorkspace, recordWorkspace, workspaceInfo } from '../../core/engine/workspace-record';
import type { WorkspaceInfo } from '../../core/api/contracts';
import { localDatastoreHoldsData, reachStorage, workspaceStorage } from '../../core/engine/workspace-storage';
import type { specTypes } from '../../core/language';
import { ARTIFACTS_STAY_LOCAL, registryAddress, WORKSPACE_BACKING, WORKSPACE_FIELDS_NOT_USED } from '../../core/language/workspace-backing';
import { dockerRegistryExecutable, type RegistryServerRecord } from '../../core/engine/registry-server';
import { probeRegistry } from '../../core/engine/workspace-registry';
import { formatFinding } from '../../core/vocabulary';
import { collect, connect, runClientCommand, withClient, workspaceRoot, type WorkspaceOption } from '../connection';

const WORKSPACE_SCHEMA = 'https://azuremlschemas.azureedge.net/latest/workspace.schema.json';

interface CreateOptions extends WorkspaceOption {
  file?: string;
  name?: string;
  set?: string[];
  [flag: string]: unknown;
}

/** `az ml workspace create` flags that set a spec field, as `--set field=value` does. */
const FIELD_FLAGS: [flag: string, option: string, field: string][] = [
  ['--description <text>', 'description', 'description'],
  ['--display-name <text>', 'displayName', 'display_name'],
  ['-l, --location <location>', 'location', 'location'],
  ['-g, --resource-group <group>', 'resourceGroup', 'resource_group'],
  ['--storage-account <id>', 'storageAccount', 'storage_account'],
  ['--key-vault <id>', 'keyVault', 'key_vault'],
  ['--container-registry <id>', 'containerRegistry', 'container_registry'],
  ['--application-insights <id>', 'applicationInsights', 'application_insights'],
  ['--image-build-compute <name>', 'imageBuildCompute', 'image_build_compute'],
  ['--public-network-access <access>', 'publicNetworkAccess', 'public_network_access'],
];

export function registerWorkspace(program: Command): void {
  const group = program.command('workspace').description('create and describe the workspace a folder holds');
  const create = group
    .command('create')
    .description('create the workspace a spec describes in the workspace folder: its store, default datastores and settings')
    .option('-f, --file <file>', 'workspace spec (YAML)')
    .option('-n, --name <name>', "the workspace's name (overrides the spec's)");
  for (const [flag, , field] of FIELD_FLAGS) create.option(flag, `sets \`${field}\``);
  create
    .option('--tags <key=value...>', 'sets `tags`')
    .option('--hbi-workspace', 'sets `hbi_workspace: true`')
    .option('--set <key=value>', 'override a spec field (repeatable)', collect)
    .option('--workspace <folder>', 'workspace folder (default: nearest folder of the spec with .mlw or .git)')
    .action((options: CreateOptions) => runClientCommand(() => createWorkspace(options)));

  group
    .command('show')
    .description('the workspace: its spec, store, datastores, secrets store and what stands for each backing resource')
    .option('--workspace <folder>', 'workspace folder')
    .action((options: WorkspaceOption) =>
      // The daemon's answer, so that a remote control plane (--remote) shows its own workspace.
      withClient(workspaceRoot(options), async (client) => {
        const info = await client.workspace();
        if (!info.record) process.stdout.write(`no workspace spec recorded for ${info.folder}: create it with \`mlw workspace create -f workspace.yml\`\n`);
        process.stdout.write(await describe(info, client));
      }),
    );
}

async function createWorkspace(options: CreateOptions): Promise<number> {
  if (process.env.MLW_REMOTE_URL) throw new Error('mlw workspace create works on a workspace folder of this machine: run it where that workspace is served');
  const file = options.file ? path.resolve(options.file) : undefined;
  const root = workspaceRoot(options, file ? path.dirname(file) : process.cwd());
  // Loaded on use: the validator is the heaviest part of the CLI.
  const { SpecLoader } = require('../../core/engine/spec-loader') as typeof import('../../core/engine/spec-loader');
  const { SpecRejected } = require('../../core/errors') as typeof import('../../core/errors');
  const loader = new SpecLoader(root, { assets: () => [] });
  let spec: specTypes.WorkspaceSpec;
  try {
    const loaded = loader.load(file ?? path.join(root, 'workspace.yml'), file ? undefined : `$schema: ${WORKSPACE_SCHEMA}\n`, overridesOf(options));
    if (loaded.kind !== 'workspace') throw new Error(`${options.file} is a ${loaded.kind} spec, not a workspace spec`);
    for (const warning of loaded.warnings) process.stderr.write(`warning: ${warning}\n`);
    spec = loaded.value as unknown as specTypes.WorkspaceSpec;
  } catch (error) {
    if (!(error instanceof SpecRejected)) throw error;
    process.stderr.write(`mlw: ${error.message}\n`);
    for (const finding of error.findings) process.stderr.write(`  ${formatFinding(finding)}\n`);
    return 1;
  }
  // The daemon creates the store and the default datastores when it starts; `describe` lists what it made.
  const client = await connect(root);
  try {
    assertOneWorkspace(root, spec.name);
    await placeBlobstore(root, spec, client);
    await checkRegistry(spec);
    const { record, outcome } = recordWorkspace(root, spec, file ?? '(command line)');
    process.stdout.write(`${outcome} workspace ${record.name} in ${root}\n`);
    await client.workspaceRegistry();
    process.stdout.write(await describe(workspaceInfo(root), client));
    return 0;
  } finally {
    client.close();
  }
}

/**
 * Makes `workspaceblobstore` and `workspaceartifactstore` containers on the spec's storage account when mlw can reach
 * it (the key going to the secrets store as any datastore's does), else leaves them local folders and says why. An
 * artifact folder already holding MLflow artifacts stays (runs point into it).
 */
async function placeBlobstore(root: string, spec: specTypes.WorkspaceSpec, client: ApiClient): Promise<void> {
  const storage = workspaceStorage(spec);
  const current = (await client.assets.get('datastore', 'workspaceblobstore')).spec as { type?: string };
  if (storage.kind === 'local') {
    // Without the key now, a workspace already on its account stays there.
    if (spec.storage_account && current.type === 'local') process.stderr.write(`note: workspaceblobstore stays a folder under .mlw/datastores/: ${storage.reason}\n`);
    return;
  }
  if (current.type === 'local' && localDatastoreHoldsData(root)) {
    throw new Error(`workspaceblobstore already holds data in .mlw/datastores/workspaceblobstore/ that registered assets and job outputs point to; mlw does not move it to storage account ${storage.datastore.account_name}: create this workspace in a new folder to use the account`);
  }
  await reachStorage(storage.datastore);
  await client.assets.register('datastore', { path: path.join(root, 'workspaceblobstore.yml'), text: storage.specText });
  const artifacts = (await client.assets.get('datastore', 'workspaceartifactstore')).spec as { type?: string };
  if (artifacts.type === 'local' && localDatastoreHoldsData(root, 'workspaceartifactstore')) {
    process.stderr.write(`note: workspaceartifactstore stays a folder under .mlw/datastores/: it already holds MLflow artifacts that runs point to\n`);
    return;
  }
  await reachStorage(storage.artifactstore.datastore);
  await client.assets.register('datastore', { path: path.join(root, 'workspaceartifactstore.yml'), text: storage.artifactstore.specText });
}

/**
 * Before the spec is recorded: the registry `container_registry` names answers, or (without one) docker-registry is
 * there to run the workspace's own. An Azure resource ID is recorded as it is (the editor says mlw cannot reach it).
 */
async function checkRegistry(spec: specTypes.WorkspaceSpec): Promise<void> {
  if (!spec.container_registry) {
    dockerRegistryExecutable();
    return;
  }
  const address = registryAddress(spec.container_registry);
  if (address) await probeRegistry(address);
}

/** What stands for `container_registry`, as `describe` prints it. */
function registryLine(given: string | undefined, registry: RegistryServerRecord | undefined): string | undefined {
  const address = registryAddress(given);
  if (address) return `${address}\n    images of Swarm computes without \`registry:\` are pushed to and pulled from this registry`;
  if (given || !registry) return undefined;
  const opened = registry.addresses.slice(1);
  return `the workspace's registry, docker-registry at ${registry.addresses[0]} (storage ${registry.storage}/, log ${registry.log})${opened.length ? `, also at ${opened.join(', ')} for compute nodes` : ''}`;
}

/** `--set` overrides from `az ml`'s flags, after the explicit `--set`s (as `az ml` applies them). */
function overridesOf(options: CreateOptions): string[] {
  const overrides = [...(options.set ?? [])];
  for (const [, option, field] of FIELD_FLAGS) if (typeof options[option] === 'string') overrides.push(`${field}=${JSON.stringify(options[option])}`);
  for (const tag of (options.tags as string[] | undefined) ?? []) {
    const at = tag.indexOf('=');
    if (at <= 0) throw new Error(`--tags ${tag}: expected key=value`);
    overrides.push(`tags.${tag.slice(0, at)}=${JSON.stringify(tag.slice(at + 1))}`);
  }
  if (options.hbiWorkspace) overrides.push('hbi_workspace=true');
  if (options.name !== undefined) overrides.push(`name=${JSON.stringify(options.name)}`);
  return overrides;
}

/** What the workspace is made of, as `create` and `show` print it. */
async function describe({ folder: root, record, secretsStore, registry }: WorkspaceInfo, client: ApiClient): Promise<string> {
  const layout = new WorkspaceLayout(root);
  const local = (file: string) => path.relative(root, file) || '.';
  const spec = record?.spec;
  const lines: string[] = [];
  if (record && spec) {
    lines.push(`name: ${record.name}`);
    for (const field of ['display_name', 'friendly_name', 'description', 'location', 'resource_group'] as const) {
      const value = spec[field];
      if (typeof value === 'string' && value.trim()) lines.push(`${field}: ${value.trim().replace(/\n/g, '\n  ')}`);
    }
    const tags = Object.entries(spec.tags ?? {});
    if (tags.length) lines.push(`tags: ${tags.map(([key, value]) => `${key}=${String(value)}`).join(', ')}`);
    lines.push(`spec: ${record.source} (recorded in ${local(path.join(layout.mlwDir, 'workspace.json'))}, ${record.updatedAt})`);
  }
  lines.push(`folder: ${root}`);
  lines.push(`store: ${local(layout.database)}`);
  lines.push('datastores:');
  const datastores = await client.assets.list({ kind: 'datastore' });
  let blobstore: string | undefined;
  let artifactstore: string | undefined;
  for (const summary of datastores.sort((a, b) => a.name.localeCompare(b.name))) {
    const detail = await client.assets.get('datastore', summary.name);
    const ds = detail.spec as { type?: string; path?: string; account_name?: string; container_name?: string; file_share_name?: string; filesystem?: string };
    const where = ds.type === 'local' ? ds.path : [ds.account_name, ds.container_name ?? ds.file_share_name ?? ds.filesystem].filter(Boolean).join('/');
    lines.push(`  ${summary.name} (${ds.type ?? 'unknown type'}${where ? `, ${where}` : ''})`);
    if (summary.name === 'workspaceblobstore' && ds.type === 'azure_blob') blobstore = where;
    if (summary.name === 'workspaceartifactstore' && ds.type === 'azure_blob') artifactstore = where;
  }
  lines.push(`secrets store: ${secretsStore.length ? secretsStore.join(', ') : 'created under .mlw/ when the first secret is stored'}`);
  lines.push('backing resources:');
  for (const [field, stand] of Object.entries(WORKSPACE_BACKING)) {
    const given = spec?.[field as keyof typeof WORKSPACE_BACKING];
    const artifacts = artifactstore ? `workspaceartifactstore is the Blob container ${artifactstore} (MLflow artifacts)` : ARTIFACTS_STAY_LOCAL;
    const used = field === 'storage_account' && blobstore ? `workspaceblobstore is the Blob container ${blobstore} (uploads and job outputs); ${artifacts}` : undefined;
    const registryUsed = field === 'container_registry' ? registryLine(given, registry) : undefined;
    if (registryUsed) lines.push(`  ${field}: ${registryUsed}`);
    else lines.push(`  ${field}: ${given ? `${given}\n    ${used ?? WORKSPACE_FIELDS_NOT_USED[field]}` : stand}`);
  }
  const others = Object.keys(WORKSPACE_FIELDS_NOT_USED).filter((field) => !(field in WORKSPACE_BACKING) && spec && (spec as unknown as Record<string, unknown>)[field] !== undefined);
  if (others.length) {
    lines.push('settings mlw does not act on:');
    for (const field of others) lines.push(`  ${field}: ${WORKSPACE_FIELDS_NOT_USED[field]}`);
  }
  return lines.join('\n') + '\n';
}
