import { parse as parseYaml } from 'yaml';
import { condaEntryProblem } from '../language/conda-entries';

/** Name of the conda file inside the generated build context. */
export const CONDA_FILE_IN_CONTEXT = 'mlw-conda.yml';
/** Where the generated image keeps its conda file, requirements and (without conda) its virtual environment. */
export const ENV_ROOT_IN_IMAGE = '/opt/mlw';
export const VENV_IN_IMAGE = `${ENV_ROOT_IN_IMAGE}/venv`;

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface CondaDependencies {
  /** Conda package specs as written (`numpy=1.26`, `python=3.11`). */
  conda: string[];
  /** Requirement lines of the `pip:` entries, as written. */
  pip: string[];
}

/** Packages a base image without conda still satisfies: its own python3 and pip (from venv/ensurepip). */
/** Conda packages a plain Python with a virtual environment already has, so no conda is needed for them. */
export const PROVIDED_WITHOUT_CONDA: ReadonlySet<string> = new Set(['python', 'pip']);

export function condaDependencies(condaYamlText: string): CondaDependencies {
  const doc: unknown = parseYaml(condaYamlText);
  const dependencies = doc && typeof doc === 'object' ? (doc as { dependencies?: unknown }).dependencies : undefined;
  const result: CondaDependencies = { conda: [], pip: [] };
  if (dependencies === undefined || dependencies === null) return result;
  if (!Array.isArray(dependencies)) throw new Error('conda file: `dependencies` must be a list');
  for (const item of dependencies) {
    if (typeof item === 'string' || typeof item === 'number') {
      refuseEntry(String(item), false);
      result.conda.push(String(item).trim());
    } else if (item && typeof item === 'object' && 'pip' in item) {
      const pip = (item as { pip: unknown }).pip;
      if (pip === null || pip === undefined) continue;
      if (!Array.isArray(pip)) throw new Error('conda file: `pip:` must be a list of requirements');
      for (const requirement of pip) {
        refuseEntry(String(requirement), true);
        result.pip.push(String(requirement).trim());
      }
    } else {
      throw new Error(`conda file: unsupported dependency entry ${JSON.stringify(item)}`);
    }
  }
  return result;
}

function refuseEntry(entry: string, pip: boolean): void {
  const problem = condaEntryProblem(entry, pip);
  if (problem) throw new Error(`conda file: ${problem}`);
}

/** `numpy=1.26` → `numpy`, `conda-forge::scipy>=1` → `scipy`. */
export function condaPackageName(spec: string): string {
  const bare = withoutChannel(spec);
  return (/^[A-Za-z0-9_.-]+/.exec(bare.trim())?.[0] ?? bare).toLowerCase();
}

/** A conda match spec without its `channel::` prefix. */
export function withoutChannel(spec: string): string {
  return spec.includes('::') ? spec.slice(spec.lastIndexOf('::') + 2) : spec;
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** An `echo … >&2` with the text single-quoted (safe for any content). */
function say(text: string): string {
  return `echo ${shellQuote(`mlw: ${text}`)} >&2`;
}

/**
 * The Dockerfile that turns `baseImage` plus a conda file into an environment image.
 *
 * With conda in the base (conda, mamba or micromamba on PATH): `conda env update` installs the whole file.
 * Without conda (e.g. Debian's python3): conda packages other than `python`/`pip` cannot be installed, so the build
 * fails and names them; the pip list goes into a virtual environment at `/opt/mlw/venv` made with the base's own
 * python3 (`--system-site-packages`, pip from the bundled ensurepip wheel: no download needed to create it), and
 * that venv comes first on PATH, which also gives Debian images a `python` command. A file with only `python` and
 * no pip list needs no download at all.
 */
export function dockerfileForConda(baseImage: string, condaYamlText: string): string {
  const { conda, pip } = condaDependencies(condaYamlText);
  const needConda = conda.filter((spec) => !PROVIDED_WITHOUT_CONDA.has(condaPackageName(spec)));
  const pythonPin = conda.find((spec) => condaPackageName(spec) === 'python' && spec.trim() !== 'python');

  const withoutConda: string[] = [];
  if (needConda.length > 0) {
    withoutConda.push(
      `${say(`the conda file needs conda packages (${needConda.join(', ')}) but ${baseImage} has no conda; ` +
        'use a base image with conda, or move them to the pip: list')}`,
      'exit 1',
    );
  } else {
    withoutConda.push(
      `command -v python3 >/dev/null 2>&1 || { ${say(`${baseImage} has neither conda nor python3`)}; exit 1; }`,
    );
    if (pythonPin) {
      withoutConda.push(`${say(`note: the conda file asks for ${pythonPin}; the base has no conda, using its own python3`)}`, 'python3 --version');
    }
    if (pip.length > 0) {
      withoutConda.push(
        `python3 -m venv --system-site-packages ${VENV_IN_IMAGE} || { ${say(
          `python3 in ${baseImage} cannot create a virtual environment with pip (venv/ensurepip missing); ` +
            'install python3-venv in the base image or use one with conda',
        )}; exit 1; }`,
        `printf '%s\\n' ${pip.map(shellQuote).join(' ')} > ${ENV_ROOT_IN_IMAGE}/requirements.txt`,
        `${VENV_IN_IMAGE}/bin/python -m pip install --no-cache-dir --disable-pip-version-check -r ${ENV_ROOT_IN_IMAGE}/requirements.txt`,
      );
    } else {
      // No download needed: a pip-less venv only provides `python` on PATH; a base without venv keeps python3 as is.
      withoutConda.push(`python3 -m venv --without-pip --system-site-packages ${VENV_IN_IMAGE} 2>/dev/null || true`);
    }
  }

  const script = [
    'set -e',
    `if command -v micromamba >/dev/null 2>&1; then micromamba install --yes --name base --file ${ENV_ROOT_IN_IMAGE}/conda.yml && micromamba clean --all --yes`,
    `elif command -v mamba >/dev/null 2>&1; then mamba env update --name base --file ${ENV_ROOT_IN_IMAGE}/conda.yml && mamba clean --all --yes`,
    `elif command -v conda >/dev/null 2>&1; then conda env update --name base --file ${ENV_ROOT_IN_IMAGE}/conda.yml && conda clean --all --yes`,
    'else',
    ...withoutConda.map((line) => `  ${line}`),
    'fi',
  ];
  return [
    `# Generated by mlw from a conda file. Base image: ${baseImage}`,
    `FROM ${baseImage}`,
    `COPY ${CONDA_FILE_IN_CONTEXT} ${ENV_ROOT_IN_IMAGE}/conda.yml`,
    `RUN ${joinShellLines(script)}`,
    // An imported base may carry no PATH at all; Docker's default then applies at run time only, not to `$PATH` here.
    `ENV PATH=${VENV_IN_IMAGE}/bin:\${PATH:-${DEFAULT_PATH}}`,
    '',
  ].join('\n');
}

/** One RUN instruction from shell lines: `;` between simple statements, none after `then`/`else`/`do`. */
function joinShellLines(lines: string[]): string {
  return lines
    .map((line, index) => {
      const last = index === lines.length - 1;
      const opensBlock = /(?:\bthen|\belse|\bdo)$/.test(line.trim());
      const separator = last || opensBlock ? '' : ';';
      return `${line}${separator}${last ? '' : ' \\'}`;
    })
    .join('\n    ');
}
