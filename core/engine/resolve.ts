import crypto from 'node:crypto';
import path from 'node:path';
import { stringify } from 'yaml';
import { assetKindOfType } from '../data/staging';
import { parseReference } from '../language';
import type { AssetRepository } from '../store/assets';
import type { EnvironmentSource } from '../env/builder';
import { SpecRejected, Unsupported } from '../errors';
import type { SpecLoader } from './spec-loader';

/** A versioned asset found in the store or, failing that, in a spec file of the workspace. */
interface FoundAsset {
  spec: Record<string, unknown>;
  /** Folder its relative paths resolve against. */
  baseDir: string;
}

export class AssetResolver {
  constructor(private readonly assets: AssetRepository, private readonly loader: SpecLoader, private readonly root: string) {}

  find(kind: 'environment' | 'data' | 'model' | 'component', name: string, version?: string): FoundAsset | undefined {
    const registered = this.assets.get(kind, name, version);
    if (registered) return { spec: registered.spec, baseDir: registered.sourcePath ? path.dirname(registered.sourcePath) : this.root };
    const file = this.loader.definition(kind, name, version);
    return file ? { spec: file.value, baseDir: path.dirname(file.path) } : undefined;
  }

  /** `azureml:env:1`, `azureml:env@latest` or an inline environment → the builder's input with absolute paths. */
  environment(value: unknown, specDir: string): EnvironmentSource | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') {
      const ref = parseReference(value);
      if (ref?.form !== 'asset') throw new Unsupported(`environment ${value}: only workspace environments (azureml:<name>:<version> or azureml:<name>@latest) and inline environments can run locally`);
      const found = this.find('environment', ref.name, ref.version);
      if (!found) throw new SpecRejected(`unknown environment ${value}; register it with \`mlw environment create -f <file>\``);
      return { ...environmentFields(found.spec, found.baseDir), name: ref.name, ...(found.spec.version !== undefined ? { version: String(found.spec.version) } : {}) };
    }
    return environmentFields(value as Record<string, unknown>, specDir);
  }

  /**
   * Inputs that name a data asset, or a model (inputs of a model type), keyed as the runner looks them up
   * (`dataAssetKey`).
   */
  dataAssets(inputs: Record<string, unknown> | undefined): Record<string, { path: string; type?: string; baseDir: string }> {
    const out: Record<string, { path: string; type?: string; baseDir: string }> = {};
    for (const [inputName, input] of Object.entries(inputs ?? {})) {
      const { path: raw, type } = typeof input === 'object' && input !== null ? (input as { path?: unknown; type?: unknown }) : {};
      if (typeof raw !== 'string') continue;
      const ref = parseReference(raw);
      if (ref?.form !== 'asset') continue;
      const kind = assetKindOfType(String(type));
      const found = this.find(kind, ref.name, ref.version);
      if (!found) throw new SpecRejected(`inputs.${inputName}: unknown ${kind} asset ${raw}; register it with \`mlw ${kind} create -f <file>\``);
      out[dataAssetKey(kind, ref.name, ref.version, ref.label)] = { path: String(found.spec.path), ...(found.spec.type ? { type: String(found.spec.type) } : {}), baseDir: found.baseDir };
    }
    return out;
  }
}

/** `name:version` or `name:@label` for data (as stored in jobs submitted before models could be inputs), `model:…` for models. */
export function dataAssetKey(kind: 'data' | 'model', name: string, version: string | undefined, label: string | undefined): string {
  return `${kind === 'model' ? 'model:' : ''}${name}:${version ?? '@' + (label ?? 'latest')}`;
}

function environmentFields(spec: Record<string, unknown>, baseDir: string): EnvironmentSource {
  const build = spec.build as { path?: string; dockerfile_path?: string } | undefined;
  const conda = spec.conda_file;
  const inline = typeof conda === 'object' && conda !== null && !Array.isArray(conda);
  if (conda !== undefined && conda !== null && typeof conda !== 'string' && !inline) throw new SpecRejected('conda_file must be a path or a conda specification (a mapping with `dependencies`)');
  return {
    ...(typeof spec.image === 'string' ? { image: spec.image } : {}),
    ...(typeof conda === 'string' ? { condaFile: path.resolve(baseDir, conda) } : {}),
    // Serialized the same way every time, so an unchanged inline specification keeps its image's content hash.
    ...(inline ? { condaInline: stringify(conda) } : {}),
    ...(build?.path ? { build: { contextDir: path.resolve(baseDir, build.path), ...(build.dockerfile_path ? { dockerfilePath: build.dockerfile_path } : {}) } } : {}),
  };
}

/** A readable, unique job name in the style Azure ML generates (`<experiment>_<random>`). */
export function generateJobName(experiment: string): string {
  const stem = experiment.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '').slice(0, 40) || 'job';
  return `${stem}_${crypto.randomBytes(5).toString('hex')}`;
}

/** `azureml:cpu-cluster`, `cpu-cluster` or absent (the built-in `local`). */
export function computeName(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') return 'local';
  return value.trim().replace(/^azureml:/, '');
}
