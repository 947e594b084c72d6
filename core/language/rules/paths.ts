import path from 'node:path';
import { parseReference, isPlaceholder } from '../refs';
import { childOf, deref, entries, isMap, isScalar, stringValue, type YamlNode, type YamlScalar } from '../yaml/ast';
import { resolvePath, type RuleContext } from './context';
import { jobNodes, mapAt } from './scopes';

interface PathSite {
  node: YamlScalar;
  expect: 'file' | 'directory' | 'any';
  /** Resolve against this folder instead of the spec's own. */
  base?: string;
  /** Data inputs may be made at run time by an earlier step or script: their absence is only a warning. */
  createdAtRunTime?: boolean;
}

/** Relative paths (`code`, `path`, `conda_file`, `build.path`, `component: ./x.yml` …) must exist next to the spec. */
export function checkPaths(ctx: RuleContext): void {
  for (const site of sites(ctx)) {
    const raw = String(site.node.value);
    if (isPlaceholder(raw)) continue;
    const ref = parseReference(raw);
    if (ref?.form !== 'file' || ref.path === '') continue;
    const absolute = site.base ? path.resolve(site.base, ref.path) : resolvePath(ctx, ref.path);
    const found = ctx.host.stat(absolute);
    const range = { start: site.node.start, end: site.node.end };
    if (!found && site.createdAtRunTime) {
      ctx.report({ ...range, severity: 'warning', rule: 'missing-path', message: `\`${ref.path}\` does not exist yet (looked for ${absolute}); it must be there when the job is submitted`, data: { path: absolute } });
    } else if (!found) {
      ctx.report({ ...range, severity: 'error', rule: 'missing-path', message: `\`${ref.path}\` does not exist (looked for ${absolute})`, data: { path: absolute } });
    } else if (site.expect !== 'any' && found !== site.expect) {
      ctx.report({ ...range, severity: 'error', rule: 'wrong-path-type', message: `\`${ref.path}\` is a ${found}; a ${site.expect} is expected here`, data: { path: absolute } });
    }
  }
}

/** AutoML jobs and steps take their data outside `inputs`. */
const AUTOML_DATA = ['training_data', 'validation_data', 'test_data'];

function sites(ctx: RuleContext): PathSite[] {
  const out: PathSite[] = [];
  const add = (node: YamlNode | null | undefined, expect: PathSite['expect'], base?: string, createdAtRunTime = false) => {
    const target = deref(node ?? null);
    if (isScalar(target) && typeof target.value === 'string') out.push({ node: target, expect, ...(base ? { base } : {}), ...(createdAtRunTime ? { createdAtRunTime } : {}) });
  };
  const root = ctx.doc.rootMap;
  if (!root) return out;
  const addEnvironment = (env: YamlNode | null) => {
    const map = deref(env);
    if (!isMap(map)) return;
    add(childOf(map, 'conda_file'), 'file');
    const build = mapAt(map, 'build');
    const buildPath = stringValue(childOf(build ?? null, 'path'));
    add(childOf(build ?? null, 'path'), 'directory');
    const buildDir = buildPath !== undefined && parseReference(buildPath)?.form === 'file' ? resolvePath(ctx, buildPath) : undefined;
    if (buildDir && ctx.host.stat(buildDir) === 'directory') add(childOf(build ?? null, 'dockerfile_path'), 'file', buildDir);
  };
  for (const job of jobNodes(ctx.doc)) {
    add(childOf(job.node, 'code'), 'any');
    add(childOf(mapAt(job.node, 'task') ?? null, 'code'), 'any');
    if (job.role !== 'trial') add(childOf(job.node, 'component'), 'file');
    addEnvironment(childOf(job.node, 'environment'));
    const inputs = mapAt(job.node, 'inputs');
    const ports = [...(inputs ? entries(inputs).map(([, pair]) => pair.value) : []), ...AUTOML_DATA.map((key) => childOf(job.node, key))];
    for (const value of ports) {
      const port = deref(value);
      if (isMap(port)) add(childOf(port, 'path'), portExpectation(stringValue(childOf(port, 'type'))), undefined, true);
    }
  }
  switch (ctx.kind.asset) {
    case 'environment':
      addEnvironment(root);
      break;
    case 'data':
      add(childOf(root, 'path'), portExpectation(stringValue(childOf(root, 'type'))));
      break;
    case 'model':
      add(childOf(root, 'path'), 'any');
      break;
    case 'datastore':
      if (ctx.kind.id === 'datastore/local') add(childOf(root, 'path'), 'directory');
      break;
    case 'deployment': {
      const code = mapAt(root, 'code_configuration');
      const codePath = stringValue(childOf(code ?? null, 'code'));
      add(childOf(code ?? null, 'code'), 'directory');
      const codeDir = codePath !== undefined && parseReference(codePath)?.form === 'file' ? resolvePath(ctx, codePath) : undefined;
      if (codeDir && ctx.host.stat(codeDir) === 'directory') add(childOf(code ?? null, 'scoring_script'), 'file', codeDir);
      addEnvironment(childOf(root, 'environment'));
      const model = deref(childOf(root, 'model'));
      if (isMap(model)) add(childOf(model, 'path'), 'any');
      break;
    }
  }
  return out;
}

function portExpectation(type: string | undefined): PathSite['expect'] {
  if (type === 'uri_file') return 'file';
  if (type === undefined || type === 'uri_folder' || type === 'mltable') return 'directory';
  return 'any';
}
