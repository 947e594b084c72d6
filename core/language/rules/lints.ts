import path from 'node:path';
import { parseDocument, type Document } from 'yaml';
import type { SpecDiagnostic } from '../diagnostics';
import { toValidName } from '../names';
import { NOT_RUNNABLE_YET, RUNNABLE_STEP_TYPES, STEP_TYPES } from '../kinds';
import { parseReference, PLACEHOLDER } from '../refs';
import { childOf, deref, entries, isMap, isScalar, isSeq, keyText, type YamlMap, type YamlNode } from '../yaml/ast';
import { condaEntryChecks } from './conda-entries';
import { resolvePath, type RuleContext } from './context';
import { jobNodes } from './scopes';

/** The maps that define an environment: the environment spec itself and inline `environment:` objects. */
function environmentMaps(ctx: RuleContext): YamlMap[] {
  const root = ctx.doc.rootMap;
  if (!root) return [];
  const maps: YamlMap[] = [];
  if (ctx.kind.asset === 'environment') maps.push(root);
  const inline = (node: YamlNode | null) => {
    const map = deref(node);
    if (isMap(map)) maps.push(map);
  };
  for (const job of jobNodes(ctx.doc)) inline(childOf(job.node, 'environment'));
  if (ctx.kind.asset === 'deployment') inline(childOf(root, 'environment'));
  return maps;
}

/** `image:` must carry a pinned tag or digest: `:latest` and untagged images drift. */
export function checkImageTags(ctx: RuleContext): void {
  for (const env of environmentMaps(ctx)) {
    const image = deref(childOf(env, 'image'));
    if (!isScalar(image) || typeof image.value !== 'string' || PLACEHOLDER.test(image.value)) continue;
    const ref = image.value;
    if (ref.includes('@sha256:')) continue;
    const lastSegment = ref.slice(ref.lastIndexOf('/') + 1);
    const tag = lastSegment.includes(':') ? lastSegment.slice(lastSegment.indexOf(':') + 1) : undefined;
    if (tag === undefined || tag === 'latest') {
      const repository = tag === undefined ? ref : ref.slice(0, ref.length - tag.length - 1);
      ctx.report({ start: image.start, end: image.end, severity: 'warning', rule: 'unpinned-image', message: `image \`${ref}\` ${tag === undefined ? 'has no tag' : 'uses `:latest`'}; pin a version tag or digest so runs are reproducible`, data: { image: ref, repository } });
    }
  }
}

/**
 * Conda and pip dependencies must pin a version (`numpy=1.26.4`, `mlflow==2.12.2`), and each entry must be one line
 * (`condaEntryChecks`). One pass reads and parses a conda file named by path once for both; the entry problems are
 * reported after all the pin warnings, the order in which the two checks used to run one after the other.
 */
export function checkCondaDependencies(ctx: RuleContext): void {
  const entryFindings: SpecDiagnostic[] = [];
  const entryChecks = condaEntryChecks((d) => entryFindings.push(d));
  forEachCondaFile(ctx, {
    inline: (dep) => {
      const spec = String(dep.node.value);
      if (!isPinned(spec, dep.pip)) {
        const name = spec.split(/[\s<>=!~,;[]/)[0]!;
        ctx.report({ start: dep.node.start, end: dep.node.end, severity: 'warning', rule: 'unpinned-dependency', message: `\`${spec}\` is not pinned to a version; write \`${name}${dep.pip ? '==' : '='}<version>\``, data: { package: name, pip: dep.pip } });
      }
      entryChecks.inline(dep);
    },
    file: (at, file, text) => {
      const doc = parseDocument(text);
      const unpinned = unpinnedInCondaText(doc);
      if (unpinned.length) {
        ctx.report({ start: at.start, end: at.end, severity: 'warning', rule: 'unpinned-dependency', message: `${path.basename(file)} does not pin a version for ${unpinned.map((p) => `\`${p}\``).join(', ')}`, data: { packages: unpinned, file } });
      }
      entryChecks.file(at, file, text, doc);
    },
  });
  for (const finding of entryFindings) ctx.report(finding);
}

export type CondaEntry = ReturnType<typeof dependencyNodes>[number];

/** Every environment's conda file: each entry of an inline one, or the text of one given by path (reported at `at`). */
export function forEachCondaFile(ctx: RuleContext, visit: { inline(dep: CondaEntry): void; file(at: YamlNode, file: string, text: string): void }): void {
  for (const env of environmentMaps(ctx)) {
    const conda = deref(childOf(env, 'conda_file'));
    if (isMap(conda)) {
      for (const dep of dependencyNodes(conda)) visit.inline(dep);
    } else if (isScalar(conda) && typeof conda.value === 'string') {
      const ref = parseReference(conda.value);
      if (ref?.form !== 'file') continue;
      const file = resolvePath(ctx, ref.path);
      const text = ctx.host.readText(file);
      if (text !== undefined) visit.file(conda, file, text);
    }
  }
}

function dependencyNodes(conda: YamlMap): Array<{ node: YamlNode & { type: 'scalar' }; pip: boolean }> {
  const out: Array<{ node: YamlNode & { type: 'scalar' }; pip: boolean }> = [];
  const deps = deref(childOf(conda, 'dependencies'));
  if (!isSeq(deps)) return out;
  for (const item of deps.items) {
    const dep = deref(item);
    if (isScalar(dep) && typeof dep.value === 'string') out.push({ node: dep, pip: false });
    else if (isMap(dep)) {
      for (const [key, pair] of entries(dep)) {
        const list = deref(pair.value);
        if (key !== 'pip' || !isSeq(list)) continue;
        for (const p of list.items) {
          const pipDep = deref(p);
          if (isScalar(pipDep) && typeof pipDep.value === 'string') out.push({ node: pipDep, pip: true });
        }
      }
    }
  }
  return out;
}

/** Unpinned packages of a conda file, parsed from its text (the file itself is not a spec). */
export function unpinnedInCondaText(doc: Document): string[] {
  const deps = doc.toJS()?.dependencies;
  if (!Array.isArray(deps)) return [];
  const out: string[] = [];
  for (const dep of deps) {
    if (typeof dep === 'string' && !isPinned(dep, false)) out.push(dep);
    else if (dep && typeof dep === 'object' && Array.isArray(dep.pip)) for (const p of dep.pip) if (typeof p === 'string' && !isPinned(p, true)) out.push(p);
  }
  return out;
}

export function isPinned(spec: string, pip: boolean): boolean {
  const s = spec.trim();
  if (s === '' || s.startsWith('-') || s.startsWith('.') || s.startsWith('/') || /^[a-z+]+:\/\//i.test(s) || s.includes(' @ ')) return true;
  if (pip) return /===?\s*[\w.*+!-]+/.test(s);
  const name = s.replace(/^[\w.-]+::/, '');
  return /^[\w.-]+\s*(==?|\s)\s*\d[\w.*+!-]*/.test(name);
}

/** Kinds that validate but do not run yet say so once, at their `type:` value; so do pipeline steps of such types. */
export function checkRunnable(ctx: RuleContext): void {
  const root = ctx.doc.rootMap;
  if (root && ctx.kind.id === 'job/pipeline') checkStepTypes(ctx, root);
  if (!root || !NOT_RUNNABLE_YET.has(ctx.kind.id)) return;
  const typePair = root.pairs.find((p) => keyText(p) === 'type');
  const anchor = typePair?.value ?? typePair?.key ?? root.pairs[0]?.key;
  if (!anchor) return;
  ctx.report({ start: anchor.start, end: anchor.end, severity: 'information', rule: 'not-runnable-yet', message: `${ctx.kind.title}s validate here but do not run on mlw yet` });
}

/** Jobs name their experiment; without one they land in a catch-all named after the folder. */
export function checkExperimentName(ctx: RuleContext): void {
  const root = ctx.doc.rootMap;
  if (!root || ctx.kind.asset !== 'job' || childOf(root, 'experiment_name') !== null) return;
  const anchor = root.pairs.find((p) => keyText(p) === 'type')?.key ?? root.pairs[0]?.key;
  if (!anchor) return;
  const suggestion = toValidName(path.basename(path.dirname(ctx.doc.path)));
  ctx.report({ start: anchor.start, end: anchor.end, severity: 'warning', rule: 'missing-experiment-name', message: `job has no \`experiment_name\`; its runs will be grouped under \`${suggestion}\``, data: { suggestion } });
}

/** Documentation placeholders such as `<data_store_name>` left in a value. */
export function checkPlaceholders(ctx: RuleContext): void {
  const visit = (node: YamlNode | null, key: string | undefined, depth: number): void => {
    if (!node || depth > 64) return;
    if (node.type === 'scalar') {
      if (typeof node.value === 'string' && key !== 'command' && key !== 'description' && PLACEHOLDER.test(node.value)) {
        const found = PLACEHOLDER.exec(node.value)![0];
        ctx.report({ start: node.start, end: node.end, severity: 'warning', rule: 'placeholder', message: `\`${found}\` is a placeholder; replace it with a real value`, data: { placeholder: found } });
      }
    } else if (node.type === 'map') {
      for (const pair of node.pairs) visit(pair.value, keyText(pair), depth + 1);
    } else if (node.type === 'seq') {
      for (const item of node.items) visit(item, key, depth + 1);
    }
  };
  visit(ctx.doc.root, undefined, 0);
}

function checkStepTypes(ctx: RuleContext, root: YamlMap): void {
  const jobs = deref(root.pairs.find((p) => keyText(p) === 'jobs')?.value ?? null);
  if (!isMap(jobs)) return;
  for (const step of jobs.pairs) {
    const body = deref(step.value ?? null);
    const type = isMap(body) ? deref(body.pairs.find((p) => keyText(p) === 'type')?.value ?? null) : null;
    if (!isScalar(type) || typeof type.value !== 'string' || !STEP_TYPES.has(type.value.toLowerCase()) || RUNNABLE_STEP_TYPES.has(type.value.toLowerCase())) continue;
    ctx.report({ start: type.start, end: type.end, severity: 'information', rule: 'not-runnable-yet', message: `\`type: ${type.value}\` steps validate here but do not run on mlw yet (command steps do): submitting this pipeline is refused` });
  }
}
