import path from 'node:path';
import { parseReference, scanBindings, type Binding, type SpecDocument } from '../../core/language';
import { childOf, deref, entries, isMap, isScalar, locate, stringValue, type PathSegment, type YamlMap, type YamlNode } from '../../core/language/yaml/ast';
import type { DocumentContext } from './context';

/** Something a binding segment names: an input, output, search-space parameter or pipeline step, where it is declared. */
export interface Declaration {
  kind: 'input' | 'output' | 'search-space' | 'step';
  name: string;
  file: string;
  /** Path of the declaring key in its file. */
  path: PathSegment[];
  keyStart: number;
  keyEnd: number;
  value: YamlNode | null;
  doc: SpecDocument;
}

/** One dotted segment of a `${{…}}` expression, with its absolute range. */
export interface BindingSegment {
  text: string;
  start: number;
  end: number;
}

export function bindingSegments(doc: SpecDocument, binding: Binding): BindingSegment[] {
  const out: BindingSegment[] = [];
  let at = binding.expressionStart;
  for (const raw of doc.text.slice(binding.expressionStart, binding.expressionEnd).split('.')) {
    const lead = raw.length - raw.trimStart().length;
    out.push({ text: raw.trim(), start: at + lead, end: at + lead + raw.trim().length });
    at += raw.length + 1;
  }
  return out;
}

/** The job-shaped map that owns a place in the document: the root, a trial, a pipeline step (or a step's trial). */
export function ownerPath(doc: SpecDocument, at: readonly PathSegment[]): PathSegment[] {
  const kind = doc.kind;
  if (!kind || (kind.asset !== 'job' && kind.asset !== 'component')) return [];
  if (at[0] === 'jobs' && at.length >= 2 && (kind.id === 'job/pipeline' || kind.id === 'component/pipeline')) {
    return at[2] === 'trial' ? at.slice(0, 3) : at.slice(0, 2);
  }
  return at[0] === 'trial' ? ['trial'] : [];
}

/** Where `inputs.`/`outputs.`/`search_space.` of a command resolve: a trial reads its sweep's declarations. */
export function declaringJob(owner: readonly PathSegment[]): PathSegment[] {
  return owner[owner.length - 1] === 'trial' ? owner.slice(0, -1) : [...owner];
}

export function isPipeline(doc: SpecDocument): boolean {
  return doc.kind?.id === 'job/pipeline' || doc.kind?.id === 'component/pipeline';
}

/** The first segments a binding at `at` may start with. */
export function bindingRoots(doc: SpecDocument, at: readonly PathSegment[]): string[] {
  const owner = ownerPath(doc, at);
  const inCommand = at[owner.length] === 'command';
  const roots: string[] = [];
  if (inCommand || !isPipeline(doc) || owner.length === 0) roots.push('inputs', 'outputs');
  const job = declaringJob(owner);
  if (inCommand && mapAtPath(doc, [...job, 'search_space'])) roots.push('search_space');
  if (isPipeline(doc) && owner.length > 0 && !inCommand) roots.push('parent');
  return roots;
}

function mapAtPath(doc: SpecDocument, at: readonly PathSegment[]): YamlMap | undefined {
  const node = deref(locate(doc.root, at).node);
  return isMap(node) ? node : undefined;
}

function declarationsIn(doc: SpecDocument, mapPath: PathSegment[], kind: Declaration['kind']): Declaration[] {
  const map = mapAtPath(doc, mapPath);
  if (!map) return [];
  return entries(map).flatMap(([name, pair]) => (pair.key ? [{ kind, name, file: doc.path, path: [...mapPath, name], keyStart: pair.key.start, keyEnd: pair.key.end, value: pair.value, doc }] : []));
}

/** The component document a pipeline step uses (`component: ./x.yml` or `azureml:name:version`), if it can be found. */
export function stepComponent(ctx: DocumentContext, step: YamlNode | null): SpecDocument | undefined {
  const raw = stringValue(childOf(step, 'component'));
  if (raw === undefined) return undefined;
  const ref = parseReference(raw);
  if (ref?.form === 'file') return ctx.validator.load(path.resolve(path.dirname(ctx.doc.path), ref.path));
  if (ref?.form === 'asset') {
    const defs = ctx.index.find('component', ref.name).filter((a) => a.path);
    const match = ref.version !== undefined ? defs.find((a) => a.version === ref.version) : ctx.index.latest('component', ref.name);
    return match?.path ? ctx.validator.load(match.path) : undefined;
  }
  return undefined;
}

/** Ports (`inputs`/`outputs`) of a pipeline step: its own for inline steps, its component's otherwise. */
export function stepPorts(ctx: DocumentContext, step: string, section: 'inputs' | 'outputs'): Declaration[] {
  const node = locate(ctx.doc.root, ['jobs', step]).node;
  if (!node) return [];
  if (childOf(node, 'component') !== null) {
    const inline = deref(childOf(node, 'component'));
    if (isMap(inline)) return declarationsIn(ctx.doc, ['jobs', step, 'component', section], section === 'inputs' ? 'input' : 'output');
    const component = stepComponent(ctx, node);
    return component ? declarationsIn(component, [section], section === 'inputs' ? 'input' : 'output') : [];
  }
  return declarationsIn(ctx.doc, ['jobs', step, section], section === 'inputs' ? 'input' : 'output');
}

/** What may follow `segments` (the complete segments before the one being typed) in a binding at `at`. */
export function bindingCandidates(ctx: DocumentContext, at: readonly PathSegment[], segments: readonly string[]): Array<{ name: string; declaration?: Declaration }> {
  const doc = ctx.doc;
  const names = (list: string[]) => list.map((name) => ({ name }));
  if (segments.length === 0) return names(bindingRoots(doc, at));
  const owner = ownerPath(doc, at);
  const job = declaringJob(owner);
  const [first, second, third, fourth] = segments;
  if (segments.length === 1 && (first === 'inputs' || first === 'outputs' || first === 'search_space')) {
    const kind = first === 'inputs' ? 'input' : first === 'outputs' ? 'output' : 'search-space';
    return declarationsIn(doc, [...job, first], kind).map((d) => ({ name: d.name, declaration: d }));
  }
  if (first !== 'parent') return [];
  if (segments.length === 1) return names(['inputs', 'outputs', 'jobs']);
  if (segments.length === 2 && (second === 'inputs' || second === 'outputs')) return declarationsIn(doc, [second], second === 'inputs' ? 'input' : 'output').map((d) => ({ name: d.name, declaration: d }));
  if (second !== 'jobs') return [];
  if (segments.length === 2) {
    const current = owner[1];
    return declarationsIn(doc, ['jobs'], 'step').filter((d) => d.name !== current).map((d) => ({ name: d.name, declaration: d }));
  }
  if (segments.length === 3) return names(['inputs', 'outputs']);
  if (segments.length === 4 && (fourth === 'inputs' || fourth === 'outputs') && third !== undefined) return stepPorts(ctx, third, fourth).map((d) => ({ name: d.name, declaration: d }));
  return [];
}

/** The declaration segment `index` of a binding at `at` names, if any. */
export function resolveSegment(ctx: DocumentContext, at: readonly PathSegment[], segments: readonly string[], index: number): Declaration | undefined {
  if (index === 0 || index >= segments.length) return undefined;
  const name = segments[index]!;
  const previous = segments.slice(0, index);
  // `parent.jobs.<step>.outputs.<o>`: segment 2 is the step
  return bindingCandidates(ctx, at, previous).find((c) => c.name === name)?.declaration;
}

/** Every binding in the document's string scalars, with the path of the scalar holding it. */
export function bindingsOf(doc: SpecDocument): Array<{ at: PathSegment[]; binding: Binding }> {
  const out: Array<{ at: PathSegment[]; binding: Binding }> = [];
  const visit = (node: YamlNode | null, at: PathSegment[], depth: number) => {
    if (!node || depth > 64) return;
    if (isScalar(node)) {
      if (typeof node.value === 'string' && node.value.includes('${{')) {
        for (const binding of scanBindings(doc.text.slice(node.start, node.end), node.start).bindings) out.push({ at, binding });
      }
    } else if (node.type === 'map') {
      for (const pair of node.pairs) {
        const key = pair.key?.type === 'scalar' ? String(pair.key.value) : '';
        visit(pair.value, [...at, key], depth + 1);
      }
    } else if (node.type === 'seq') {
      node.items.forEach((item, i) => visit(item, [...at, i], depth + 1));
    }
  };
  visit(doc.root, [], 0);
  return out;
}

export function sameDeclaration(a: Declaration, b: Declaration): boolean {
  return a.file === b.file && a.path.length === b.path.length && a.path.every((s, i) => s === b.path[i]);
}
