import { childOf, deref, entries, isMap, isScalar, stringValue, type PathSegment, type YamlMap, type YamlNode, type YamlScalar } from '../yaml/ast';
import type { SpecDocument } from '../document';

/** A place that runs a command: a command job or component, a sweep trial, or an inline pipeline step. */
export interface CommandScope {
  command: YamlScalar | undefined;
  inputs: YamlMap | undefined;
  outputs: YamlMap | undefined;
  searchSpace: YamlMap | undefined;
  /** Whether `inputs` holds declarations (components) rather than values (jobs). */
  declarations: boolean;
}

/** A pipeline's step map together with the pipeline's own inputs and outputs. */
export interface PipelineScope {
  jobs: YamlMap;
  inputs: YamlMap | undefined;
  outputs: YamlMap | undefined;
}

/** A job-shaped map anywhere in the document: the root, a sweep trial, a pipeline step. */
export interface JobNode {
  node: YamlMap;
  path: PathSegment[];
  /** `root`, `trial` or `step`. */
  role: 'root' | 'trial' | 'step';
}

export function mapAt(node: YamlNode | null | undefined, key: string): YamlMap | undefined {
  const child = deref(childOf(node ?? null, key));
  return isMap(child) ? child : undefined;
}

function scalarAt(node: YamlNode | null | undefined, key: string): YamlScalar | undefined {
  const child = deref(childOf(node ?? null, key));
  return isScalar(child) ? child : undefined;
}

export function commandScopes(doc: SpecDocument): CommandScope[] {
  const root = doc.rootMap;
  const kind = doc.kind?.id;
  if (!root || !kind) return [];
  const scopes: CommandScope[] = [];
  if (kind === 'job/command' || kind === 'component/command') {
    scopes.push({ command: scalarAt(root, 'command'), inputs: mapAt(root, 'inputs'), outputs: mapAt(root, 'outputs'), searchSpace: undefined, declarations: kind === 'component/command' });
  } else if (kind === 'job/sweep') {
    scopes.push(sweepScope(root));
  }
  for (const pipeline of pipelineScopes(doc)) {
    for (const [, pair] of entries(pipeline.jobs)) {
      const step = deref(pair.value);
      if (!isMap(step)) continue;
      const type = stringValue(childOf(step, 'type'));
      if (type === 'sweep') scopes.push(sweepScope(step));
      else if ((type === undefined || type === 'command') && !childOf(step, 'component')) scopes.push({ command: scalarAt(step, 'command'), inputs: mapAt(step, 'inputs'), outputs: mapAt(step, 'outputs'), searchSpace: undefined, declarations: false });
    }
  }
  return scopes;
}

function sweepScope(node: YamlMap): CommandScope {
  return { command: scalarAt(mapAt(node, 'trial'), 'command'), inputs: mapAt(node, 'inputs'), outputs: mapAt(node, 'outputs'), searchSpace: mapAt(node, 'search_space'), declarations: false };
}

export function pipelineScopes(doc: SpecDocument): PipelineScope[] {
  const root = doc.rootMap;
  const kind = doc.kind?.id;
  if (!root || (kind !== 'job/pipeline' && kind !== 'component/pipeline')) return [];
  const jobs = mapAt(root, 'jobs');
  return jobs ? [{ jobs, inputs: mapAt(root, 'inputs'), outputs: mapAt(root, 'outputs') }] : [];
}

/** jobNodes per document: a parsed document is not changed afterwards, and several rules walk its job nodes. */
const jobNodesCache = new WeakMap<SpecDocument, JobNode[]>();

/** The root job, a sweep's trial and every pipeline step: the maps that carry code/environment/compute. */
export function jobNodes(doc: SpecDocument): JobNode[] {
  let nodes = jobNodesCache.get(doc);
  if (!nodes) {
    nodes = computeJobNodes(doc);
    jobNodesCache.set(doc, nodes);
  }
  return nodes;
}

function computeJobNodes(doc: SpecDocument): JobNode[] {
  const root = doc.rootMap;
  const kind = doc.kind;
  if (!root || !kind || (kind.asset !== 'job' && kind.asset !== 'component')) return [];
  const nodes: JobNode[] = [{ node: root, path: [], role: 'root' }];
  const trial = mapAt(root, 'trial');
  if (trial) nodes.push({ node: trial, path: ['trial'], role: 'trial' });
  for (const pipeline of pipelineScopes(doc)) {
    for (const [name, pair] of entries(pipeline.jobs)) {
      const step = deref(pair.value);
      if (!isMap(step)) continue;
      nodes.push({ node: step, path: ['jobs', name], role: 'step' });
      const stepTrial = mapAt(step, 'trial');
      if (stepTrial) nodes.push({ node: stepTrial, path: ['jobs', name, 'trial'], role: 'trial' });
    }
  }
  return nodes;
}

export function keys(map: YamlMap | undefined): string[] {
  return map ? entries(map).map(([k]) => k) : [];
}
