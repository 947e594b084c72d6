import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseReference } from '../../language';
import { BadRequest, SpecRejected } from '../../errors';
import { prepareCommand, type CommandContext, type CommandSpec, type PreparedCommand } from '../kinds/command';
import { computeName } from '../resolve';
import { BATCH_DRIVER_SOURCE } from './driver-source';

/** A model batch deployment's spec, as the validator accepted it. */
export interface BatchDeploymentSpec {
  name?: string;
  endpoint_name?: string;
  type?: string;
  model?: string | { path?: string; name?: string; type?: string };
  code_configuration?: { code?: string; scoring_script?: string };
  environment?: unknown;
  environment_variables?: Record<string, string | number | boolean>;
  compute?: string;
  resources?: { instance_count?: number };
  settings?: Partial<ScoringSettings> & { instance_count?: number; environment_variables?: Record<string, string | number | boolean> };
  [legacy: string]: unknown;
}

/** What the driver reads from MLW_BATCH_SETTINGS, with Azure ML's defaults. */
export interface ScoringSettings {
  mini_batch_size: number;
  max_concurrency_per_instance: number;
  output_action: 'append_row' | 'summary_only';
  output_file_name: string;
  logging_level: string;
  error_threshold: number;
  retry_settings: { max_retries?: number; timeout?: number };
}

const DEFAULTS: ScoringSettings = {
  mini_batch_size: 10,
  max_concurrency_per_instance: 1,
  output_action: 'append_row',
  output_file_name: 'predictions.csv',
  logging_level: 'info',
  error_threshold: -1,
  retry_settings: {},
};

/** The output a scoring job writes to, named as Azure ML names it. */
export const SCORE_OUTPUT = 'score';

/** `settings.<key>` first, then the legacy top-level `<key>`, then Azure ML's default. */
export function scoringSettings(spec: BatchDeploymentSpec): ScoringSettings {
  const pick = <K extends keyof ScoringSettings>(key: K): ScoringSettings[K] => (spec.settings?.[key] ?? spec[key] ?? DEFAULTS[key]) as ScoringSettings[K];
  return {
    mini_batch_size: pick('mini_batch_size'),
    max_concurrency_per_instance: pick('max_concurrency_per_instance'),
    output_action: pick('output_action'),
    output_file_name: pick('output_file_name'),
    logging_level: String(pick('logging_level')).toLowerCase(),
    error_threshold: pick('error_threshold'),
    retry_settings: pick('retry_settings'),
  };
}

/** What a scoring job needs besides a command job's context. */
export type ScoringContext = CommandContext & {
  driverFile: string;
  /** mlw's scoring script for MLflow models without one (written on first use). */
  mlflowScorerFile: () => string;
  /** A local image with mlflow and pandas, for those models on container computes (`MLW_MLFLOW_SERVING_IMAGE`). */
  mlflowImage?: string;
};

/** Writes the driver once per content under `.mlw/batch/` and answers its path. */
export function batchDriverFile(mlwDir: string): string {
  return writeOnce(mlwDir, 'driver', BATCH_DRIVER_SOURCE);
}

/** mlw's MLflow scoring script (next to this module in the sources, next to the bundle once built), under `.mlw/batch/`. */
export function mlflowScorerFile(mlwDir: string): string {
  const bundled = path.join(__dirname, MLFLOW_SCORER);
  if (!fs.existsSync(bundled)) throw new Error(`${MLFLOW_SCORER} is missing next to ${__dirname}; rebuild mlw`);
  return writeOnce(mlwDir, 'mlflow-score', fs.readFileSync(bundled, 'utf8'));
}

const MLFLOW_SCORER = 'mlflow_batch_score.py';

function writeOnce(mlwDir: string, stem: string, source: string): string {
  const hash = crypto.createHash('sha256').update(source).digest('hex').slice(0, 16);
  const file = path.join(mlwDir, 'batch', `${stem}-${hash}.py`);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, source, { mode: 0o444 });
    fs.renameSync(temp, file);
  }
  return file;
}

/** Azure ML's no-code batch deployment: an MLflow model with neither `code_configuration` nor `environment`. */
export function isNoCode(spec: BatchDeploymentSpec): boolean {
  return spec.code_configuration === undefined && spec.environment === undefined && spec.model !== undefined;
}

/** Why a deployment without a scoring script cannot be scored here, and at which field; undefined when it can. */
export function noCodeProblem(spec: BatchDeploymentSpec, ctx: ScoringContext): { field: string; rule: string; message: string } | undefined {
  if (spec.code_configuration !== undefined && !spec.code_configuration.scoring_script) {
    return { field: 'code_configuration', rule: 'missing-property', message: '`code_configuration` needs a `scoring_script` defining init() and run(mini_batch)' };
  }
  if (spec.model === undefined) return { field: 'code_configuration', rule: 'missing-property', message: 'a batch deployment needs a `model`, or `code_configuration` with a `scoring_script` defining init() and run(mini_batch)' };
  if (spec.environment !== undefined) return { field: 'environment', rule: 'missing-property', message: 'an `environment` comes with `code_configuration` (a `scoring_script` defining init() and run(mini_batch)); an MLflow model is scored without either' };
  const type = modelType(spec.model);
  if (type !== undefined && type !== 'mlflow_model') {
    const which = typeof spec.model === 'string' ? `model ${spec.model} is` : 'the model is';
    return { field: 'model', rule: 'invalid-value', message: `without \`code_configuration\` only MLflow models (type: mlflow_model) are scored; ${which} ${type}: give \`code_configuration\` with a \`scoring_script\` and an \`environment\`` };
  }
  if (computeName(spec.compute) !== 'local' && !ctx.mlflowImage) {
    return { field: spec.compute !== undefined ? 'compute' : 'model', rule: 'unsupported', message: `scoring an MLflow model without a scoring script on compute ${computeName(spec.compute)} needs a local image with mlflow and pandas: start mlw serve with MLW_MLFLOW_SERVING_IMAGE=<image> (Azure ML's curated images are not fetched), use compute: azureml:local, or give code_configuration and environment` };
  }
  return undefined;

  function modelType(model: NonNullable<BatchDeploymentSpec['model']>): string | undefined {
    if (typeof model !== 'string') return model.type ?? 'custom_model';
    const ref = parseReference(model);
    if (ref?.form !== 'asset') return 'custom_model';
    const found = ctx.resolver.find('model', ref.name, ref.version);
    return found ? String(found.spec.type ?? 'custom_model') : undefined;
  }
}

/**
 * The command job that scores `input` with a deployment: the driver as an input, the data, the model, and the
 * `score` output on the default datastore (or at `outputPath`). Without `input` (when a deployment is created) it checks the
 * deployment's references only.
 */
export async function prepareScoringJob(spec: BatchDeploymentSpec, specDir: string, ctx: ScoringContext, input?: { path: string; type?: string }, outputPath?: string): Promise<PreparedCommand> {
  const noCode = !spec.code_configuration?.scoring_script;
  const problem = noCode ? noCodeProblem(spec, ctx) : undefined;
  if (problem) throw new SpecRejected(`${problem.field}: ${problem.message}`);
  const settings = scoringSettings(spec);
  const model = modelInput(spec.model, specDir);
  const modelName = model ? modelBaseName(model.path, specDir, ctx) : undefined;
  const command = [
    'python3 ${{inputs.driver}} --input ${{inputs.input_data}} --output ${{outputs.' + SCORE_OUTPUT + '}}',
    ...(model ? ['--model ${{inputs.model}}'] : []),
    ...(noCode ? ['--scoring-script ${{inputs.scorer}}'] : []),
  ].join(' ');
  const environment = noCode ? (computeName(spec.compute) === 'local' ? undefined : { image: ctx.mlflowImage! }) : spec.environment;
  const driverSettings = {
    ...settings,
    scoring_script: spec.code_configuration?.scoring_script ?? '',
    max_retries: settings.retry_settings.max_retries ?? 3,
    timeout: settings.retry_settings.timeout ?? 30,
    ...(modelName ? { model_name: modelName } : {}),
  };
  const commandSpec: CommandSpec = {
    command,
    compute: spec.compute ?? 'local',
    ...(environment !== undefined ? { environment: environment as CommandSpec['environment'] } : {}),
    inputs: {
      driver: { type: 'uri_file', path: ctx.driverFile, mode: 'ro_mount' },
      ...(noCode ? { scorer: { type: 'uri_file', path: ctx.mlflowScorerFile(), mode: 'ro_mount' } } : {}),
      ...(input !== undefined ? { input_data: { ...(input.type ? { type: input.type } : {}), path: input.path, mode: 'ro_mount' } } : {}),
      ...(model ? { model: { type: model.type, path: model.path, mode: 'ro_mount' } } : {}),
    },
    outputs: { [SCORE_OUTPUT]: { type: 'uri_folder', mode: 'rw_mount', ...(outputPath !== undefined ? { path: outputPath } : {}) } },
    environment_variables: { ...spec.settings?.environment_variables, ...spec.environment_variables, MLW_BATCH_SETTINGS: JSON.stringify(driverSettings) },
  } as CommandSpec;
  const prepared = await prepareCommand(commandSpec, specDir, ctx);
  return { ...prepared, compute: computeName(spec.compute) };
}

function modelInput(model: BatchDeploymentSpec['model'], specDir: string): { path: string; type: string } | undefined {
  if (model === undefined) return undefined;
  if (typeof model === 'string') return { path: model, type: 'custom_model' };
  if (!model.path) throw new BadRequest('model: an inline model needs a `path`');
  const local = parseReference(model.path)?.form === 'file' ? path.resolve(specDir, model.path) : model.path;
  return { path: local, type: model.type ?? 'custom_model' };
}

/** The name the model's files have in Azure ML under AZUREML_MODEL_DIR: the last part of its path. */
function modelBaseName(reference: string, specDir: string, ctx: CommandContext): string {
  const assets = ctx.resolver.dataAssets({ model: { type: 'custom_model', path: reference } });
  const stored = Object.values(assets)[0]?.path ?? path.resolve(specDir, reference);
  const base = stored.replace(/\/+$/, '').split('/').pop();
  if (!base) throw new SpecRejected(`model: ${reference} has no path to score with`);
  return base;
}
