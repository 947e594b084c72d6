import type Docker from 'dockerode';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { connectDocker, engineMessage, explainEngineError, unlessAbsent, type DockerConnection } from '../compute/docker-engine';
import { FileDigestCache, hashContext, listContext, packContext, type ContextEntry } from './build-context';
import { followBuild } from './build-output';
import { CONDA_FILE_IN_CONTEXT, dockerfileForConda } from './conda-dockerfile';
import { hasConda } from './conda-source';
import { SharedBuilds, type BuildWaiter } from './shared-build';

/** An environment as the engine resolved it from a spec (paths absolute). */
export interface EnvironmentSource {
  image?: string;
  /** Absolute path of the conda file (with `image`). */
  condaFile?: string;
  /** The conda specification written inline in the spec, as YAML text (with `image`, instead of `condaFile`). */
  condaInline?: string;
  /** A Docker build context; `dockerfilePath` is relative to it (default `Dockerfile`). */
  build?: { contextDir: string; dockerfilePath?: string };
  name?: string;
  version?: string;
}

/** Where build output goes (the run's log while Preparing) and when the caller stops waiting. */
export type EnsureOptions = BuildWaiter;

export interface PreparedEnvironment {
  /** What to run: the `mlw-env:<hash>` tag of a built image, or the image as given. */
  image: string;
  imageId: string;
  /** Content hash of every input (for `image:` alone, the image id). */
  hash: string;
  /** True when this call (or the in-flight build it joined) built the image; false on a cache hit. */
  built: boolean;
}

/** An environment's image as the cache knows it; `built` false means the next job using it builds it first. */
export interface EnvironmentImageStatus {
  image: string;
  hash?: string;
  built: boolean;
  building: boolean;
}

export interface EnvironmentBuilderOptions extends DockerConnection {
  /** Extra labels on every image built (tests mark theirs to remove them). */
  imageLabels?: Record<string, string>;
  /** Repository of the cache tags; default `mlw-env`. */
  repository?: string;
}

export const ENV_HASH_LABEL = 'mlw.env.hash';
export const ENV_NAME_LABEL = 'mlw.env.name';
export const ENV_VERSION_LABEL = 'mlw.env.version';
/** Changes whenever the way inputs are hashed or images generated changes, so old cache entries are not reused. */
const HASH_FORMAT = 'mlw-env/1';

interface BuildRecipe {
  hash: string;
  tag: string;
  dockerfileName: string;
  entries: ContextEntry[];
}

/** Turns environment specs into local images, building each distinct content once and reusing it by its hash. */
export class EnvironmentBuilder {
  private readonly docker: Docker;
  private readonly imageLabels: Record<string, string>;
  private readonly repository: string;
  private readonly digests = new FileDigestCache();
  private readonly builds = new SharedBuilds<PreparedEnvironment>();

  constructor(options: EnvironmentBuilderOptions = {}) {
    this.docker = connectDocker(options);
    this.imageLabels = options.imageLabels ?? {};
    this.repository = options.repository ?? 'mlw-env';
  }

  async ensure(source: EnvironmentSource, options: EnsureOptions = {}): Promise<PreparedEnvironment> {
    options.signal?.throwIfAborted();
    const image = imageAsIs(source);
    if (image) {
      const imageId = await this.localImageId(image);
      return { image, imageId, hash: imageId, built: false };
    }
    const recipe = await this.recipe(source);
    if (!this.builds.has(recipe.hash)) {
      const cached = await this.cachedImage(recipe);
      if (cached) return cached;
    }
    return this.builds.run(recipe.hash, (onLine, signal) => this.build(recipe, source, onLine, signal), options);
  }

  /** The content hash and cache tag of an environment, without building it. */
  async hashOf(source: EnvironmentSource): Promise<{ hash: string; tag: string }> {
    const image = imageAsIs(source);
    if (image) {
      const imageId = await this.localImageId(image);
      return { hash: imageId, tag: image };
    }
    const { hash, tag } = await this.recipe(source);
    return { hash, tag };
  }

  /** Whether the environment's image is in the local cache (or, for `image:` alone, present), without building. */
  async status(source: EnvironmentSource): Promise<EnvironmentImageStatus> {
    const image = imageAsIs(source);
    if (image) {
      const info = await this.inspectImage(image);
      return { image, built: info !== undefined, ...(info ? { hash: info.Id } : {}), building: false };
    }
    const recipe = await this.recipe(source);
    return { image: recipe.tag, hash: recipe.hash, built: (await this.cachedImage(recipe)) !== undefined, building: this.builds.has(recipe.hash) };
  }

  private async recipe(source: EnvironmentSource): Promise<BuildRecipe> {
    let dockerfileName: string;
    let entries: ContextEntry[];
    let baseImages: string[];
    if (source.build) {
      if (source.image || hasConda(source)) throw new Error('environment: `build` cannot be combined with `image` or `conda_file`');
      const contextDir = path.resolve(source.build.contextDir);
      dockerfileName = contextRelative(contextDir, source.build.dockerfilePath ?? 'Dockerfile');
      entries = await listContext(contextDir, dockerfileName).catch((error: unknown) => {
        throw new Error(`environment build context ${contextDir} cannot be read: ${engineMessage(error)}`);
      });
      const dockerfile = entries.find((entry) => entry.name === dockerfileName && entry.kind === 'file');
      if (!dockerfile || !('absPath' in dockerfile)) throw new Error(`environment: no Dockerfile at ${path.join(contextDir, dockerfileName)}`);
      baseImages = baseImagesOf(await fs.readFile(dockerfile.absPath, 'utf8'));
    } else if (source.image && hasConda(source)) {
      const condaText = source.condaInline !== undefined
        ? Buffer.from(source.condaInline)
        : await fs.readFile(source.condaFile!).catch((error: unknown) => {
            throw new Error(`environment conda file ${source.condaFile} cannot be read: ${engineMessage(error)}`);
          });
      dockerfileName = 'Dockerfile';
      const dockerfile = Buffer.from(dockerfileForConda(source.image, condaText.toString('utf8')));
      const mtime = new Date(0);
      entries = [
        { kind: 'file', name: 'Dockerfile', mode: 0o644, size: dockerfile.length, mtime, content: dockerfile },
        { kind: 'file', name: CONDA_FILE_IN_CONTEXT, mode: 0o644, size: condaText.length, mtime, content: condaText },
      ];
      baseImages = [source.image];
    } else {
      throw new Error('environment: needs `image`, `image` with `conda_file`, or `build`');
    }

    const baseIds = await Promise.all(baseImages.map((image) => this.localImageId(image)));
    const hash = createHash('sha256');
    hash.update(`${HASH_FORMAT}\ndockerfile ${JSON.stringify(dockerfileName)}\n`);
    baseImages.forEach((image, index) => hash.update(`from ${JSON.stringify(image)} ${baseIds[index]}\n`));
    await hashContext(entries, hash, this.digests);
    const digest = hash.digest('hex');
    return { hash: digest, tag: `${this.repository}:${digest.slice(0, 24)}`, dockerfileName, entries };
  }

  private async cachedImage(recipe: BuildRecipe): Promise<PreparedEnvironment | undefined> {
    const info = await this.inspectImage(recipe.tag);
    if (!info || info.Config?.Labels?.[ENV_HASH_LABEL] !== recipe.hash) return undefined;
    return { image: recipe.tag, imageId: info.Id, hash: recipe.hash, built: false };
  }

  private async build(recipe: BuildRecipe, source: EnvironmentSource, onLine: (line: string) => void, signal: AbortSignal): Promise<PreparedEnvironment> {
    const labels: Record<string, string> = { [ENV_HASH_LABEL]: recipe.hash };
    if (source.name) labels[ENV_NAME_LABEL] = source.name;
    if (source.version) labels[ENV_VERSION_LABEL] = source.version;
    const what = source.name ? `environment ${source.name}${source.version ? `:${source.version}` : ''}` : 'environment';
    let output: Readable;
    try {
      const entries = await withLabels(recipe.entries, recipe.dockerfileName, this.imageLabels, labels);
      output = (await this.docker.buildImage(packContext(entries) as unknown as NodeJS.ReadableStream, {
        t: recipe.tag,
        dockerfile: recipe.dockerfileName,
        rm: true,
        forcerm: true,
        abortSignal: signal,
      })) as unknown as Readable;
    } catch (error) {
      if (signal.aborted) throw new Error(`${what}: build canceled`);
      throw explainEngineError(error, this.docker);
    }
    try {
      await followBuild(output, onLine);
    } catch (error) {
      if (signal.aborted) throw new Error(`${what}: build canceled`);
      throw new Error(`${what} failed to build: ${engineMessage(error)}`, { cause: error });
    }
    const info = await this.inspectImage(recipe.tag);
    if (!info) throw new Error(`${what}: the build ended without an image ${recipe.tag}`);
    return { image: recipe.tag, imageId: info.Id, hash: recipe.hash, built: true };
  }

  private async localImageId(image: string): Promise<string> {
    const info = await this.inspectImage(image);
    if (!info) throw new Error(`image ${image} is not available locally; build it or load it with docker load`);
    return info.Id;
  }

  private inspectImage(image: string): Promise<Docker.ImageInspectInfo | undefined> {
    return unlessAbsent(this.docker, () => this.docker.getImage(image).inspect());
  }
}

/**
 * The entries with the Dockerfile extended by `LABEL` lines: `ownerLabels` right after each `FROM`, so every layer
 * and build container of the build carries them (a failed build's leftovers can be found by them), and
 * `imageLabels` at the end, so the layers before them stay reusable as build cache across environments. (The
 * engine's `labels` build parameter would commit one extra step per label, each costing a container.)
 */
async function withLabels(
  entries: ContextEntry[], dockerfileName: string, ownerLabels: Record<string, string>, imageLabels: Record<string, string>,
): Promise<ContextEntry[]> {
  return Promise.all(
    entries.map(async (entry) => {
      if (entry.name !== dockerfileName || entry.kind !== 'file') return entry;
      let text = ('content' in entry ? entry.content : await fs.readFile(entry.absPath)).toString('utf8');
      if (Object.keys(ownerLabels).length > 0) {
        const ownerInstruction = labelInstruction(ownerLabels);
        text = text.replace(/^\s*FROM\s[^\n]*[^\\\n]$/gim, (fromLine) => `${fromLine}\n${ownerInstruction}`);
      }
      const content = Buffer.from(`${text}\n${labelInstruction(imageLabels)}\n`);
      return { kind: 'file', name: entry.name, mode: entry.mode, mtime: entry.mtime, size: content.length, content } satisfies ContextEntry;
    }),
  );
}

/** The image of an environment that is `image:` alone (used as it is, nothing to build). */
function imageAsIs(source: EnvironmentSource): string | undefined {
  return source.image && !hasConda(source) && !source.build ? source.image : undefined;
}

function labelInstruction(labels: Record<string, string>): string {
  const quote = (text: string): string => `"${text.replace(/[\\"$]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ')}"`;
  return `LABEL ${Object.entries(labels).map(([key, value]) => `${quote(key)}=${quote(value)}`).join(' ')}`;
}

/** A Dockerfile path as the engine wants it: relative to the context, inside it. */
function contextRelative(contextDir: string, dockerfilePath: string): string {
  const absolute = path.resolve(contextDir, dockerfilePath);
  const relative = path.relative(contextDir, absolute);
  if (!relative || relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new Error(`environment: dockerfile_path ${dockerfilePath} must be a file inside the build context ${contextDir}`);
  }
  return relative.split(path.sep).join('/');
}

/** Images named by `FROM` lines, without earlier stages, `scratch` and names built from build arguments. */
export function baseImagesOf(dockerfile: string): string[] {
  const stages = new Set<string>();
  const images: string[] = [];
  for (const match of dockerfile.matchAll(/^\s*FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?/gim)) {
    const image = match[1]!;
    const isEarlierStage = stages.has(image.toLowerCase());
    if (match[2]) stages.add(match[2].toLowerCase());
    if (isEarlierStage) continue;
    if (image === 'scratch' || image.includes('$') || images.includes(image)) continue;
    images.push(image);
  }
  return images;
}
