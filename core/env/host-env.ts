import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { onPath } from '../data/fs-util';
import type { EnsureOptions, EnvironmentSource } from './builder';
import { condaDependencies } from './conda-dockerfile';
import { pipPlanFor, type PipPlan } from './conda-pip';
import { hasConda } from './conda-source';
import { SharedBuilds } from './shared-build';

/** Changes whenever the way host environments are hashed or built changes, so old ones are not reused. */
const HOST_ENV_FORMAT = 'mlw-host-env/1';
/** How many output lines of a failed step a build error quotes. */
const FAILURE_TAIL_LINES = 15;
/** Folder (inside the environments folder) holding the built environments; `<hash>` links point into it. */
const BUILDS_DIR = '.builds';

/** A built environment on this machine: a Python virtual environment, or a conda prefix. */
export interface HostEnvironment {
  /** `.mlw/envs/<hash>`: what jobs put first on PATH (its `bin`). */
  dir: string;
  hash: string;
  kind: 'venv' | 'conda';
  /** True when this call (or the build it joined) built it; false on a cache hit. */
  built: boolean;
  /** What built it: the Python (path and version) or the conda tool. */
  builtWith: string;
}

export interface HostEnvironmentBuilderOptions {
  /** Where environments live: `<workspace>/.mlw/envs`. */
  root: string;
  /** The environment builds run with (PATH, PIP_INDEX_URL, PIP_FIND_LINKS, PIP_NO_INDEX …); default the daemon's. */
  env?: NodeJS.ProcessEnv;
}

interface Recipe {
  hash: string;
  condaText: string;
  tool: CondaTool | undefined;
  python: PythonInfo | undefined;
  /** What pip installs, without a conda tool. */
  pip: PipPlan | undefined;
}

interface CondaTool {
  kind: 'micromamba' | 'conda';
  path: string;
  version: string;
}

interface PythonInfo {
  executable: string;
  version: string;
}

/**
 * Turns an environment's conda file into an environment on this machine for host-process jobs, built once per
 * content hash (conda file, the Python or conda tool used, this builder's format) under `.mlw/envs/<hash>`.
 *
 * With `micromamba` or `conda` on PATH the whole conda file is installed (so `python=3.x` is honoured). Without,
 * a virtual environment of this machine's `python3` (no system site packages) gets the `pip:` list and the pinned
 * conda packages, installed with pip as the user's pip would (its configuration and `PIP_*` variables).
 *
 * A build goes into a fresh folder under `.builds/`, and only a complete one is published by atomically renaming a
 * `<hash>` link onto it: a crash mid-build leaves an unreferenced folder that is never reused (and is removed by
 * the next build of that hash). The folder itself never moves, because a venv's scripts name their interpreter by
 * absolute path.
 */
export class HostEnvironmentBuilder {
  private readonly root: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly builds = new SharedBuilds<HostEnvironment>();

  constructor(options: HostEnvironmentBuilderOptions) {
    this.root = options.root;
    // The daemon's own variables (MLW_*) stay out of builds, as they stay out of jobs.
    this.env = Object.fromEntries(Object.entries(options.env ?? process.env).filter(([key]) => !key.startsWith('MLW_')));
  }

  async ensure(source: EnvironmentSource, options: EnsureOptions = {}): Promise<HostEnvironment> {
    options.signal?.throwIfAborted();
    const recipe = await this.recipe(source);
    const cached = this.builds.has(recipe.hash) ? undefined : this.cached(recipe);
    if (cached) return cached;
    return this.builds.run(recipe.hash, (onLine, signal) => this.build(recipe, onLine, signal), options);
  }

  private async recipe(source: EnvironmentSource): Promise<Recipe> {
    const condaText = readCondaText(source);
    const tool = await this.condaTool();
    const python = tool ? undefined : await this.python();
    // Refuses what cannot be installed before anything is hashed or built (entries spanning lines, whichever tool
    // installs them; without conda, unpinned conda packages too).
    if (tool) condaDependencies(condaText);
    const pip = tool ? undefined : pipPlanFor(condaText);
    const hash = createHash('sha256');
    hash.update(`${HOST_ENV_FORMAT}\n`);
    if (tool) hash.update(`tool ${tool.kind} ${JSON.stringify(tool.path)} ${JSON.stringify(tool.version)}\n`);
    if (python) hash.update(`python ${JSON.stringify(python.executable)} ${JSON.stringify(python.version)}\n`);
    hash.update(condaText);
    return { hash: hash.digest('hex'), condaText, tool, python, pip };
  }

  private linkOf(hash: string): string {
    return path.join(this.root, hash.slice(0, 24));
  }

  private describe(recipe: Recipe): string {
    if (recipe.tool) return `${recipe.tool.kind} ${recipe.tool.version}`;
    return `python ${recipe.python!.version.split(/\s/)[0]} (${recipe.python!.executable})`;
  }

  private cached(recipe: Recipe): HostEnvironment | undefined {
    const dir = this.linkOf(recipe.hash);
    if (!fs.existsSync(dir)) return undefined; // follows the link: only a published, still present build counts
    return { dir, hash: recipe.hash, kind: recipe.tool ? 'conda' : 'venv', built: false, builtWith: this.describe(recipe) };
  }

  private async build(recipe: Recipe, onLine: (line: string) => void, signal: AbortSignal): Promise<HostEnvironment> {
    const link = this.linkOf(recipe.hash);
    const stem = path.basename(link);
    const buildsDir = path.join(this.root, BUILDS_DIR);
    fs.mkdirSync(buildsDir, { recursive: true });
    removeUnpublished(buildsDir, stem, link);
    const name = `${stem}-${randomBytes(4).toString('hex')}`;
    const target = path.join(buildsDir, name);
    const run = (command: string, args: string[]) => runStreaming(command, args, { env: this.env, onLine, signal });
    try {
      if (recipe.tool) {
        const condaFile = `${target}.conda.yml`;
        fs.writeFileSync(condaFile, recipe.condaText);
        onLine(`mlw: creating a ${recipe.tool.kind} environment from the conda file`);
        const args = recipe.tool.kind === 'micromamba'
          ? ['create', '--yes', '--prefix', target, '--file', condaFile]
          : ['env', 'create', '--prefix', target, '--file', condaFile];
        await run(recipe.tool.path, args);
        fs.rmSync(condaFile, { force: true });
      } else {
        await this.buildVenv(recipe, target, onLine, run);
      }
      // Publish: a relative link, renamed over any stale one in a single step.
      const tempLink = `${link}.${randomBytes(4).toString('hex')}.tmp`;
      fs.symlinkSync(path.join(BUILDS_DIR, name), tempLink);
      fs.renameSync(tempLink, link);
    } catch (error) {
      fs.rmSync(target, { recursive: true, force: true });
      fs.rmSync(`${target}.conda.yml`, { force: true });
      fs.rmSync(`${target}.requirements.txt`, { force: true });
      if (signal.aborted) throw new Error('environment build canceled');
      throw error;
    }
    return { dir: link, hash: recipe.hash, kind: recipe.tool ? 'conda' : 'venv', built: true, builtWith: this.describe(recipe) };
  }

  private async buildVenv(recipe: Recipe, target: string, onLine: (line: string) => void, run: (command: string, args: string[]) => Promise<void>): Promise<void> {
    const python = recipe.python!;
    const plan = recipe.pip!;
    const version = python.version.split(/\s/)[0]!;
    if (plan.pythonVersion && version !== plan.pythonVersion && !version.startsWith(`${plan.pythonVersion}.`)) {
      onLine(`mlw: note: the conda file asks for python ${plan.pythonVersion}; without micromamba or conda on PATH the environment uses this machine's Python ${version}`);
    }
    for (const { conda, pip } of plan.translated) onLine(`mlw: conda package ${conda} is installed with pip as ${pip} (no conda on PATH)`);
    onLine(`mlw: creating a virtual environment with ${python.executable} (Python ${version})`);
    await run(python.executable, ['-m', 'venv', target]).catch((error: Error) => {
      throw new Error(`${python.executable} cannot create a virtual environment (on Debian, install python3-venv): ${error.message}`);
    });
    if (plan.requirements.length === 0) return;
    const requirements = `${target}.requirements.txt`;
    fs.writeFileSync(requirements, plan.requirements.join('\n') + '\n');
    onLine(`mlw: pip install ${plan.requirements.join(' ')}`);
    await run(path.join(target, 'bin', 'python'), ['-m', 'pip', 'install', '--no-input', '--disable-pip-version-check', '--progress-bar', 'off', '-r', requirements])
      .catch((error: Error) => {
        throw new Error(`pip could not install the environment's packages: ${error.message}`);
      });
    fs.rmSync(requirements, { force: true });
  }

  private async condaTool(): Promise<CondaTool | undefined> {
    for (const kind of ['micromamba', 'conda'] as const) {
      const found = onPath(kind, this.env.PATH);
      if (!found) continue;
      const version = (await capture(found, ['--version'], this.env)).trim().split('\n').pop() ?? '';
      return { kind, path: found, version };
    }
    return undefined;
  }

  private async python(): Promise<PythonInfo> {
    const found = onPath('python3', this.env.PATH);
    if (!found) throw new Error('the environment has a conda file, but neither python3 nor micromamba/conda is on PATH to build it with');
    const [executable, version] = (await capture(found, ['-c', 'import sys; print(sys.executable); print(sys.version)'], this.env)).split('\n');
    if (!executable || !version) throw new Error(`${found} did not say where it is installed`);
    return { executable, version: version.trim() };
  }
}

/** Variables that make a job use the environment: its `bin` first on PATH, and `VIRTUAL_ENV` (or `CONDA_PREFIX`). */
export function environmentVariables(environment: HostEnvironment, basePath: string | undefined): Record<string, string> {
  const bin = path.join(environment.dir, 'bin');
  return {
    PATH: basePath ? `${bin}${path.delimiter}${basePath}` : bin,
    [environment.kind === 'venv' ? 'VIRTUAL_ENV' : 'CONDA_PREFIX']: environment.dir,
  };
}

function readCondaText(source: EnvironmentSource): string {
  if (source.condaInline !== undefined) return source.condaInline;
  if (source.condaFile === undefined) throw new Error('environment: no conda file to build a host environment from');
  try {
    return fs.readFileSync(source.condaFile, 'utf8');
  } catch (error) {
    throw new Error(`environment conda file ${source.condaFile} cannot be read: ${(error as Error).message}`);
  }
}

/** Removes earlier builds of `stem` that were never published (a crash mid-build), keeping the linked one. */
function removeUnpublished(buildsDir: string, stem: string, link: string): void {
  let published: string | undefined;
  try {
    published = path.basename(fs.readlinkSync(link));
  } catch {
    // Not published yet.
  }
  for (const entry of fs.readdirSync(buildsDir)) {
    if (entry.startsWith(`${stem}-`) && entry !== published) fs.rmSync(path.join(buildsDir, entry), { recursive: true, force: true });
  }
}

async function capture(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  let output = '';
  await runStreaming(command, args, { env, onLine: (line) => (output += `${line}\n`) });
  return output;
}

/** Runs a command, passing each output line on; fails with its exit code and last lines. */
function runStreaming(command: string, args: string[], options: { env: NodeJS.ProcessEnv; onLine: (line: string) => void; signal?: AbortSignal }): Promise<void> {
  return new Promise((resolve, reject) => {
    const tail: string[] = [];
    const child = spawn(command, args, { env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const emit = (line: string): void => {
      tail.push(line);
      if (tail.length > FAILURE_TAIL_LINES) tail.shift();
      options.onLine(line);
    };
    for (const stream of [child.stdout, child.stderr]) {
      let pending = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const lines = (pending + chunk).split(/\r?\n/);
        pending = lines.pop() ?? '';
        for (const line of lines) emit(line);
      });
      stream.on('end', () => pending && emit(pending));
    }
    const onAbort = (): void => {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // Already gone.
      }
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (error) => {
      options.signal?.removeEventListener('abort', onAbort);
      reject(new Error(`${command} could not be started: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (code === 0) return resolve();
      const last = tail.filter((line) => line.trim()).join('\n');
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      reject(new Error(`${path.basename(command)} ${how}${last ? `; last lines:\n${last}` : ''}`));
    });
  });
}

/**
 * Prepares a host-process job's environment: a conda file is built (or found in the cache) and its variables
 * returned; what host processes cannot use (an image, a Docker build context) is said in the log.
 */
export async function prepareHostEnvironment(
  builder: HostEnvironmentBuilder, environment: EnvironmentSource | undefined, compute: string, log: (line: string) => void, signal: AbortSignal,
): Promise<HostEnvironment | undefined> {
  if (!environment) return undefined;
  const withConda = hasConda(environment);
  const unused = environment.image ? `the image ${environment.image}` : environment.build ? `the Docker build context ${environment.build.contextDir}` : undefined;
  if (unused && !withConda) {
    log(`[environment] compute ${compute} runs host processes: ${unused} is not used, the command runs with this machine's tools; to run in the image, use a Docker compute`);
    return undefined;
  }
  if (!withConda) return undefined;
  if (unused) log(`[environment] compute ${compute} runs host processes: ${unused} is not used, the conda file is built into an environment on this machine`);
  let built: HostEnvironment;
  try {
    built = await builder.ensure(environment, { onLog: (line) => log(`[environment] ${line}`), signal });
  } catch (error) {
    if (signal.aborted) throw error;
    throw new Error(`environment failed to build: ${(error as Error).message}`, { cause: error });
  }
  log(`[environment] ${built.built ? 'built' : 'using cached'} environment ${built.dir} (${built.builtWith})`);
  return built;
}
