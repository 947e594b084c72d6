import type { AssetType } from './kinds';

/** A parsed reference string (DESIGN §2 "References"). */
export type Reference =
  | { form: 'asset'; asset?: AssetType; name: string; version?: string; label?: string }
  | { form: 'arm'; asset?: AssetType; workspace: string; name: string; version?: string }
  | { form: 'registry'; registry: string; asset: AssetType; name: string; version?: string; label?: string }
  | { form: 'datastore-path'; datastore: string; path: string }
  | { form: 'job-output'; job: string; output: string; path: string }
  | { form: 'file'; path: string }
  | { form: 'remote'; url: string };

const ARM_TYPES: Record<string, AssetType> = {
  environments: 'environment',
  models: 'model',
  data: 'data',
  datasets: 'data',
  components: 'component',
  computes: 'compute',
  datastores: 'datastore',
  jobs: 'job',
  onlineendpoints: 'endpoint',
  batchendpoints: 'endpoint',
};

/** Parses any reference form; `undefined` for strings that are not references (empty, bindings). */
export function parseReference(raw: string): Reference | undefined {
  const value = raw.trim();
  if (!value || value.includes('${{')) return undefined;
  let m = /^azureml:\/\/registries\/([^/]+)\/(environments|models|components|data)\/([^/]+)(?:\/versions\/([^/]+)|\/labels\/([^/]+))?\/?$/i.exec(value);
  if (m) return { form: 'registry', registry: m[1]!, asset: ARM_TYPES[m[2]!.toLowerCase()]!, name: m[3]!, ...opt('version', m[4]), ...opt('label', m[5]) };
  m = /^azureml:\/\/(?:subscriptions\/[^/]+\/resource[gG]roups\/[^/]+\/(?:providers\/Microsoft\.MachineLearningServices\/)?workspaces\/[^/]+\/)?datastores\/([^/]+)\/paths\/?(.*)$/.exec(value);
  if (m) return { form: 'datastore-path', datastore: m[1]!, path: m[2]! };
  m = /^azureml:\/\/jobs\/([^/]+)\/outputs\/([^/]+)(?:\/paths\/?(.*))?$/.exec(value);
  if (m) return { form: 'job-output', job: m[1]!, output: m[2]!, path: m[3] ?? '' };
  m = /^azureml:\/subscriptions\/[^/]+\/resource[gG]roups\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/]+)\/([^/]+)\/([^/]+)(?:\/versions\/([^/]+))?\/?$/i.exec(value);
  if (m) return { form: 'arm', workspace: m[1]!, ...optAsset(ARM_TYPES[m[2]!.toLowerCase()]), name: m[3]!, ...opt('version', m[4]) };
  if (/^azureml:\/\//i.test(value)) return { form: 'remote', url: value };
  m = /^azureml:([^:@/]+)(?::([^:@/]+)|@([^:@/]+))?$/.exec(value);
  if (m) return { form: 'asset', name: m[1]!, ...opt('version', m[2]), ...opt('label', m[3]) };
  if (/^(https?|wasbs?|abfss?|adl|gs|s3|git\+\w+):\/\//i.test(value) || /^azureml:/i.test(value)) return { form: 'remote', url: value };
  if (value.startsWith('file:')) return { form: 'file', path: value.slice(5).replace(/^\/\/(?=\/)/, '') };
  return { form: 'file', path: value };
}

function opt<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

function optAsset(asset: AssetType | undefined): { asset?: AssetType } {
  return asset ? { asset } : {};
}

/** `<data_store_name>` style placeholders left in from documentation. */
export const PLACEHOLDER = /<[A-Za-z][\w .-]*>/;
const WHOLE_PLACEHOLDER = new RegExp(`^\\s*${PLACEHOLDER.source}\\s*$`);

/**
 * Whether the whole value is one placeholder. Checks that skip placeholders use this: a value that merely holds
 * one (`bad name <x> !!`) is still checked, or the placeholder would hide its error.
 */
export function isPlaceholder(value: string): boolean {
  return WHOLE_PLACEHOLDER.test(value);
}

export function formatReference(name: string, version?: string, label?: string): string {
  return `azureml:${name}${version !== undefined ? `:${version}` : label !== undefined ? `@${label}` : ''}`;
}
