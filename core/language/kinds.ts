/** Every spec kind mlw understands, and how a document is recognised as one (DESIGN §2). */
export type KindId =
  | 'workspace'
  | 'compute/amlcompute'
  | 'compute/computeinstance'
  | 'compute/kubernetes'
  | 'compute/virtualmachine'
  | 'compute/local'
  | 'datastore/azure_blob'
  | 'datastore/azure_file'
  | 'datastore/azure_data_lake_gen2'
  | 'datastore/local'
  | 'data'
  | 'environment'
  | 'model'
  | 'job/command'
  | 'job/sweep'
  | 'job/pipeline'
  | 'job/automl'
  | 'job/parallel'
  | 'job/spark'
  | 'job/import'
  | 'component/command'
  | 'component/pipeline'
  | 'component/parallel'
  | 'component/spark'
  | 'endpoint/online'
  | 'deployment/online'
  | 'endpoint/batch'
  | 'deployment/batch';

/** What an `azureml:` reference can name; the asset types of the workspace index. */
export type AssetType = 'workspace' | 'compute' | 'datastore' | 'data' | 'environment' | 'model' | 'job' | 'component' | 'endpoint' | 'deployment';

export interface KindInfo {
  id: KindId;
  /** File in schemas/. */
  schema: string;
  asset: AssetType;
  title: string;
  /** Whether the asset carries versions (`name:version`). */
  versioned: boolean;
}

const KINDS: KindInfo[] = [
  { id: 'workspace', schema: 'workspace.schema.json', asset: 'workspace', title: 'workspace', versioned: false },
  { id: 'compute/amlcompute', schema: 'amlCompute.schema.json', asset: 'compute', title: 'compute cluster', versioned: false },
  { id: 'compute/computeinstance', schema: 'computeInstance.schema.json', asset: 'compute', title: 'compute instance', versioned: false },
  { id: 'compute/kubernetes', schema: 'kubernetesCompute.schema.json', asset: 'compute', title: 'Kubernetes compute', versioned: false },
  { id: 'compute/virtualmachine', schema: 'vmCompute.schema.json', asset: 'compute', title: 'attached virtual machine', versioned: false },
  { id: 'compute/local', schema: 'localCompute.schema.json', asset: 'compute', title: 'local compute', versioned: false },
  { id: 'datastore/azure_blob', schema: 'azureBlob.schema.json', asset: 'datastore', title: 'Azure Blob datastore', versioned: false },
  { id: 'datastore/azure_file', schema: 'azureFile.schema.json', asset: 'datastore', title: 'Azure Files datastore', versioned: false },
  { id: 'datastore/azure_data_lake_gen2', schema: 'azureDataLakeGen2.schema.json', asset: 'datastore', title: 'ADLS Gen2 datastore', versioned: false },
  { id: 'datastore/local', schema: 'localDatastore.schema.json', asset: 'datastore', title: 'local folder datastore', versioned: false },
  { id: 'data', schema: 'data.schema.json', asset: 'data', title: 'data asset', versioned: true },
  { id: 'environment', schema: 'environment.schema.json', asset: 'environment', title: 'environment', versioned: true },
  { id: 'model', schema: 'model.schema.json', asset: 'model', title: 'model', versioned: true },
  { id: 'job/command', schema: 'commandJob.schema.json', asset: 'job', title: 'command job', versioned: false },
  { id: 'job/sweep', schema: 'sweepJob.schema.json', asset: 'job', title: 'sweep job', versioned: false },
  { id: 'job/pipeline', schema: 'pipelineJob.schema.json', asset: 'job', title: 'pipeline job', versioned: false },
  { id: 'job/automl', schema: 'autoMLJob.schema.json', asset: 'job', title: 'AutoML job', versioned: false },
  { id: 'job/parallel', schema: 'parallelJob.schema.json', asset: 'job', title: 'parallel job', versioned: false },
  { id: 'job/spark', schema: 'sparkJob.schema.json', asset: 'job', title: 'Spark job', versioned: false },
  { id: 'job/import', schema: 'importJob.schema.json', asset: 'job', title: 'data import job', versioned: false },
  { id: 'component/command', schema: 'commandComponent.schema.json', asset: 'component', title: 'command component', versioned: true },
  { id: 'component/pipeline', schema: 'pipelineComponent.schema.json', asset: 'component', title: 'pipeline component', versioned: true },
  { id: 'component/parallel', schema: 'parallelComponent.schema.json', asset: 'component', title: 'parallel component', versioned: true },
  { id: 'component/spark', schema: 'sparkComponent.schema.json', asset: 'component', title: 'Spark component', versioned: true },
  { id: 'endpoint/online', schema: 'managedOnlineEndpoint.schema.json', asset: 'endpoint', title: 'online endpoint', versioned: false },
  { id: 'deployment/online', schema: 'managedOnlineDeployment.schema.json', asset: 'deployment', title: 'online deployment', versioned: false },
  { id: 'endpoint/batch', schema: 'batchEndpoint.schema.json', asset: 'endpoint', title: 'batch endpoint', versioned: false },
  { id: 'deployment/batch', schema: 'batchDeployment.schema.json', asset: 'deployment', title: 'batch deployment', versioned: false },
];

const BY_ID = new Map(KINDS.map((k) => [k.id, k]));

export function kindInfo(id: KindId): KindInfo {
  return BY_ID.get(id)!;
}

export function allKinds(): readonly KindInfo[] {
  return KINDS;
}

/** Schema URL prefixes used by Azure ML documents; all are mapped to files in schemas/, never fetched. */
export const SCHEMA_URL_PREFIXES = [
  'https://azuremlschemas.azureedge.net/latest/',
  'https://azuremlschemas.azureedge.net/development/',
  'https://azuremlsdk2.blob.core.windows.net/latest/',
  'https://azuremlsdk2.blob.core.windows.net/preview/0.0.1/',
  'https://azuremlschemas.azureedge.net/promptflow/latest/',
  'http://azureml/sdk-2-0/',
];

/** Schema file base names (lower case, without `.schema.json` / `.json`) → kind. */
const BY_SCHEMA_NAME = new Map<string, KindId>([
  ...KINDS.map((k) => [schemaBaseName(k.schema), k.id] as [string, KindId]),
  ['kubernetesonlineendpoint', 'endpoint/online'],
  ...['automl', 'classificationjob', 'regressionjob', 'forecastingjob', 'imageclassificationjob', 'imageclassificationmultilabeljob', 'imageobjectdetectionjob',
    'imageinstancesegmentationjob', 'textclassificationjob', 'textclassificationmultilabeljob', 'textnerjob'].map((name) => [name, 'job/automl'] as [string, KindId]),
  ['parallel', 'job/parallel'],
  ['modelbatchdeployment', 'deployment/batch'],
  ['pipelinecomponentbatchdeployment', 'deployment/batch'],
]);

/** Kinds mlw validates and edits but does not run yet (an information diagnostic at `type:` says so). */
export const NOT_RUNNABLE_YET: ReadonlySet<KindId> = new Set(['job/automl', 'job/parallel', 'job/spark', 'job/import']);

/** The pipeline step types mlw runs; other steps validate but make the pipeline refused on submit. */
export const RUNNABLE_STEP_TYPES: ReadonlySet<string> = new Set(['command', 'sweep']);

/** Every pipeline step type Azure ML knows (a misspelt one is the schema's error, not a "does not run"). */
export const STEP_TYPES: ReadonlySet<string> = new Set(['command', 'sweep', 'pipeline', 'parallel', 'spark', 'automl', 'import', 'data_transfer', 'do_while', 'if_else', 'parallel_for']);

/** Azure ML schema names mlw knows about but does not support (yet): one clear information message. */
const KNOWN_UNSUPPORTED = new Set([
  'featurestore', 'featureset', 'featurestoreentity', 'registry', 'connection',
  'workspaceconnection', 'schedule', 'flow', 'run', 'synapsesparkcompute', 'kubernetesonlinedeployment', 'serverlessendpoint', 'marketplacesubscription', 'index', 'capabilityhost',
  'datatransferjob', 'datatransfercomponent', 'monitor', 'azuredatalakegen1', 'azureonelake', 'hub', 'project',
]);

export function schemaBaseName(fileOrUrl: string): string {
  const base = fileOrUrl.split(/[/\\]/).pop() ?? '';
  return base.toLowerCase().replace(/\.json$/, '').replace(/\.schema$/, '').replace(/\.yaml$|\.yml$/, '');
}

/** The top-level facts kind detection needs: scalar values as strings, other values as `true`. */
export type TopLevelFacts = ReadonlyMap<string, string | true>;

export type Detection =
  | { kind: KindId; via: '$schema' | 'type' | 'modeline' }
  | { unsupported: string; via: '$schema' | 'modeline' }
  | null;

const MODELINE = /^#\s*yaml-language-server\s*:\s*\$schema=(\S+)/m;

/**
 * Recognises a spec: by `$schema` URL, else the top-level `type:`, else a yaml-language-server modeline.
 * Conda files and unrelated YAML are not specs (null).
 */
export function detectKind(facts: TopLevelFacts, text: string): Detection {
  const schema = facts.get('$schema');
  if (typeof schema === 'string') {
    const bySchema = fromSchemaUrl(schema);
    if (bySchema) return { ...bySchema, via: '$schema' };
  }
  if (facts.has('channels') || (facts.has('dependencies') && !facts.has('type'))) return null;
  const byType = fromType(facts);
  if (byType) return { kind: byType, via: 'type' };
  const modeline = MODELINE.exec(text.slice(0, 4096));
  if (modeline) {
    const byModeline = fromSchemaUrl(modeline[1]!);
    if (byModeline) return { ...byModeline, via: 'modeline' };
  }
  return null;
}

function fromSchemaUrl(url: string): { kind: KindId } | { unsupported: string } | null {
  const known = SCHEMA_URL_PREFIXES.some((prefix) => url.toLowerCase().startsWith(prefix.toLowerCase()));
  const local = !/^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith('file:');
  if (!known && !local) return null;
  const name = schemaBaseName(url);
  const kind = BY_SCHEMA_NAME.get(name);
  if (kind) return { kind };
  if (known) return { unsupported: KNOWN_UNSUPPORTED.has(name) ? name : name || url };
  return null;
}

const BY_TYPE: Record<string, KindId> = {
  amlcompute: 'compute/amlcompute',
  computeinstance: 'compute/computeinstance',
  kubernetes: 'compute/kubernetes',
  virtualmachine: 'compute/virtualmachine',
  docker: 'compute/local',
  swarm: 'compute/local',
  remote: 'compute/local',
  azure_blob: 'datastore/azure_blob',
  azure_file: 'datastore/azure_file',
  azure_data_lake_gen2: 'datastore/azure_data_lake_gen2',
  uri_file: 'data',
  uri_folder: 'data',
  mltable: 'data',
  custom_model: 'model',
  mlflow_model: 'model',
  triton_model: 'model',
};

function fromType(facts: TopLevelFacts): KindId | null {
  const type = facts.get('type');
  if (typeof type !== 'string') return null;
  switch (type) {
    case 'command':
      return isComponentShaped(facts) ? 'component/command' : 'job/command';
    case 'pipeline':
      return isComponentShaped(facts) ? 'component/pipeline' : 'job/pipeline';
    case 'sweep':
      return 'job/sweep';
    case 'parallel':
      return isComponentShaped(facts) ? 'component/parallel' : 'job/parallel';
    case 'spark':
      return isComponentShaped(facts) ? 'component/spark' : 'job/spark';
    case 'automl':
      return 'job/automl';
    case 'import':
      return 'job/import';
    case 'local':
      return facts.has('path') ? 'datastore/local' : 'compute/local';
    default:
      return BY_TYPE[type] ?? null;
  }
}

/** Components carry a version and no job-only fields. */
function isComponentShaped(facts: TopLevelFacts): boolean {
  if (facts.has('experiment_name') || facts.has('compute')) return false;
  return facts.has('version') || facts.has('is_deterministic');
}
