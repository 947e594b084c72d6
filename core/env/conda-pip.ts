import { condaDependencies, condaPackageName, PROVIDED_WITHOUT_CONDA, withoutChannel } from './conda-dockerfile';

/** What pip installs into a host virtual environment for a conda file, when no conda is at hand. */
export interface PipPlan {
  /** Requirement lines: the `pip:` list, then the pinned conda packages translated to pip's syntax. */
  requirements: string[];
  /** Conda packages installed with pip instead (`numpy=1.26` → `numpy==1.26.*`), for the log. */
  translated: { conda: string; pip: string }[];
  /** The version the conda file asks of `python`, if any (`3.10` from `python=3.10`). */
  pythonVersion?: string;
}

/** Satisfied by the virtual environment itself: its Python, and the pip that `venv` bundles. */

/**
 * The pip requirements of a conda file. Conda packages other than `python` and `pip` are installed with pip under
 * the same name when they carry a version pin (so the environment stays reproducible); an unpinned one is refused,
 * since pip would install whatever is newest, and its PyPI name may differ from the conda one.
 */
export function pipPlanFor(condaYamlText: string): PipPlan {
  const { conda, pip } = condaDependencies(condaYamlText);
  const plan: PipPlan = { requirements: [...pip], translated: [] };
  const unpinned: string[] = [];
  for (const spec of conda) {
    const name = condaPackageName(spec);
    if (name === 'python') {
      const version = pinnedVersion(spec);
      if (version) plan.pythonVersion = version;
      continue;
    }
    if (PROVIDED_WITHOUT_CONDA.has(name)) continue;
    const requirement = pipRequirementFor(spec);
    if (!requirement) {
      unpinned.push(spec);
      continue;
    }
    plan.translated.push({ conda: spec, pip: requirement });
    plan.requirements.push(requirement);
  }
  if (unpinned.length > 0) {
    throw new Error(
      `the conda file lists conda packages without a version pin (${unpinned.join(', ')}); without conda or micromamba ` +
        'on PATH mlw installs conda packages with pip only when pinned: pin them (e.g. numpy=1.26) or move them to the pip: list',
    );
  }
  return plan;
}

/**
 * A conda match spec in pip's syntax, or undefined when it has no version constraint. `name=1.2` (conda's fuzzy
 * pin) → `name==1.2.*`; `name 1.2` and `name==1.2` → `name==1.2`; `name>=1,<2` as written; build strings dropped.
 */
export function pipRequirementFor(condaSpec: string): string | undefined {
  const match = /^\s*([A-Za-z0-9_.-]+)\s*(.*)$/.exec(withoutChannel(condaSpec));
  if (!match) return undefined;
  const [, name, rest] = match as unknown as [string, string, string];
  const constraint = rest.trim();
  if (!constraint || constraint === '*') return undefined;
  if (constraint.includes('|') || constraint.includes('[')) {
    throw new Error(`conda package ${condaSpec}: this version syntax cannot be translated for pip; move the package to the pip: list`);
  }
  if (/^[<>!~]|^==/.test(constraint)) return `${name}${constraint.split(/\s+/)[0]}`;
  if (constraint.startsWith('=')) {
    const version = constraint.slice(1).split(/[=\s]/)[0]!;
    if (!version) return undefined;
    return `${name}==${version.endsWith('*') ? version : `${version}.*`}`;
  }
  return `${name}==${constraint.split(/\s+/)[0]}`;
}

/** `python=3.10` → `3.10`; `python` or a range → undefined. */
function pinnedVersion(spec: string): string | undefined {
  const match = /^[^=<>!~\s]+\s*(?:==?|\s)\s*([0-9][0-9.]*)/.exec(spec.trim());
  return match?.[1]?.replace(/\.$/, '');
}
