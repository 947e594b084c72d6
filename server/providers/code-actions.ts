import fs from 'node:fs';
import path from 'node:path';
import { CodeActionKind, type CodeAction, type Diagnostic, type Range, type TextEdit } from 'vscode-languageserver';
import { MOVE_SECRET_COMMAND, type MoveSecretArguments } from '../../client/protocol';
import { formatReference, SCHEMA_URL_PREFIXES, type SpecDocument } from '../../core/language';
import { closest } from '../../core/language/suggest';
import { deref, isMap, isScalar, locate, nodeAt, type YamlMap } from '../../core/language/yaml/ast';
import { declaringJob, ownerPath } from '../service/binding-scopes';
import { rangeOf, type DocumentContext } from '../service/context';
import { DIAGNOSTIC_SOURCE } from './diagnostics';

type Data = Record<string, unknown>;

/** The quick fixes behind each rule's diagnostic (from the data it carries), plus adding a `$schema` line. */
export function provideCodeActions(ctx: DocumentContext, range: Range, diagnostics: readonly Diagnostic[]): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const diagnostic of diagnostics) {
    if (diagnostic.source !== DIAGNOSTIC_SOURCE || typeof diagnostic.code !== 'string') continue;
    const data = (diagnostic.data && typeof diagnostic.data === 'object' ? diagnostic.data : {}) as Data;
    if (diagnostic.code === 'secret-in-spec') {
      const move = moveSecretAction(ctx, diagnostic, data);
      if (move) actions.push(move);
      continue;
    }
    for (const fix of fixesFor(ctx, diagnostic.code, diagnostic, data)) {
      actions.push({ title: fix.title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], isPreferred: fix.preferred ?? false, edit: { changes: { [ctx.uri]: fix.edits } } });
    }
  }
  const schemaAction = addSchema(ctx);
  if (schemaAction && range.start.line === 0) actions.push(schemaAction);
  return actions;
}

interface Fix {
  title: string;
  edits: TextEdit[];
  preferred?: boolean;
}

function fixesFor(ctx: DocumentContext, rule: string, diagnostic: Diagnostic, data: Data): Fix[] {
  const doc = ctx.doc;
  const text = doc.text.slice(doc.offset(diagnostic.range.start), doc.offset(diagnostic.range.end));
  const replace = (title: string, newText: string, preferred = true): Fix => ({ title, edits: [{ range: diagnostic.range, newText }], preferred });
  const replacement = typeof data['replacement'] === 'string' ? data['replacement'] : undefined;
  const name = typeof data['name'] === 'string' ? data['name'] : undefined;
  switch (rule) {
    case 'unknown-property':
    case 'invalid-value':
    case 'environment-latest-label':
      return replacement ? [replace(`Change to \`${replacement}\``, replacement)] : [];
    case 'unknown-reference':
      if (!replacement) return [];
      return [replace(`Change to \`${replacement}\``, replacement.startsWith('azureml:') || !name ? replacement : replaceName(text, name, replacement))];
    case 'unknown-version': {
      const versions = Array.isArray(data['versions']) ? (data['versions'] as unknown[]).map(String) : [];
      return name ? versions.reverse().slice(0, 3).map((v, i) => replace(`Use version ${v}`, formatReference(name, v), i === 0)) : [];
    }
    case 'missing-version': {
      if (!name) return [];
      const version = typeof data['version'] === 'string' ? data['version'] : undefined;
      return [...(version ? [replace(`Pin to version ${version}`, formatReference(name, version))] : []), replace('Use `@latest`', formatReference(name, undefined, 'latest'), false)];
    }
    case 'undeclared-input':
    case 'undeclared-output':
    case 'undeclared-search-space':
    case 'unknown-parent-input':
    case 'unknown-parent-output':
    case 'unknown-step':
    case 'unknown-step-port':
    case 'unknown-component-input': {
      const fixes: Fix[] = [];
      if (replacement && name) fixes.push(replace(`Change to \`${replacement}\``, replaceName(text, name, replacement)));
      if (name && (rule === 'undeclared-input' || rule === 'undeclared-output')) {
        const declare = declareEdit(ctx, doc.offset(diagnostic.range.start), rule === 'undeclared-input' ? 'inputs' : 'outputs', name);
        if (declare) fixes.push({ title: `Declare ${rule === 'undeclared-input' ? 'input' : 'output'} \`${name}\``, edits: [declare], preferred: !replacement });
      }
      return fixes;
    }
    case 'missing-property': {
      const property = typeof data['property'] === 'string' ? data['property'] : undefined;
      const edit = property ? addPropertyEdit(ctx, doc.offset(diagnostic.range.start), property) : undefined;
      return edit ? [{ title: `Add \`${property}\``, edits: [edit], preferred: true }] : [];
    }
    case 'missing-experiment-name': {
      const suggestion = typeof data['suggestion'] === 'string' ? data['suggestion'] : 'default';
      const edit = addPropertyEdit(ctx, -1, 'experiment_name', suggestion);
      return edit ? [{ title: `Add \`experiment_name: ${suggestion}\``, edits: [edit], preferred: true }] : [];
    }
    case 'missing-path': {
      const missing = typeof data['path'] === 'string' ? data['path'] : undefined;
      const sibling = missing ? closestSibling(missing) : undefined;
      return sibling && missing ? [replace(`Change to \`${sibling}\``, replaceName(text, path.basename(missing), sibling))] : [];
    }
    default:
      return [];
  }
}

/** Moves a credential written in clear into the secrets store: a command the client runs (it needs the daemon). */
function moveSecretAction(ctx: DocumentContext, diagnostic: Diagnostic, data: Data): CodeAction | undefined {
  const { datastore, key } = data;
  if (typeof datastore !== 'string' || typeof key !== 'string') return undefined;
  const doc = ctx.doc;
  const start = doc.offset(diagnostic.range.start);
  const node = deref(nodeAt(doc.root, start).node);
  if (!isScalar(node) || node.start !== start || node.value === null) return undefined;
  const args: MoveSecretArguments = { uri: ctx.uri, range: diagnostic.range, written: doc.text.slice(node.start, node.end), value: String(node.value), datastore, key };
  const title = `Move \`${key}\` into the workspace's secrets store`;
  return { title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], isPreferred: true, command: { title, command: MOVE_SECRET_COMMAND, arguments: [args] } };
}

/** Replaces the last whole occurrence of `name` (as a dotted or `:`-separated segment) in `text`. */
function replaceName(text: string, name: string, replacement: string): string {
  const pattern = new RegExp(`(^|[.:/\\s{])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=$|[.:@/\\s}])`, 'g');
  let last = -1;
  let lead = 0;
  for (const m of text.matchAll(pattern)) {
    last = m.index!;
    lead = m[1]!.length;
  }
  return last < 0 ? replacement : text.slice(0, last + lead) + replacement + text.slice(last + lead + name.length);
}

function closestSibling(missing: string): string | undefined {
  try {
    return closest(path.basename(missing), fs.readdirSync(path.dirname(missing)));
  } catch {
    return undefined;
  }
}

function lineIndent(doc: SpecDocument, offset: number): number {
  const start = doc.text.lastIndexOf('\n', offset - 1) + 1;
  return offset - start;
}

/** A new line holding `key: value` at the end of `map` (at its keys' indentation). */
function appendToMap(doc: SpecDocument, map: YamlMap, block: string): TextEdit {
  const first = map.pairs[0]?.key;
  const indent = first ? lineIndent(doc, first.start) : 0;
  const endOfLast = doc.text.slice(0, map.end).trimEnd().length;
  const lineEnd = doc.text.indexOf('\n', endOfLast);
  const at = lineEnd < 0 ? doc.text.length : lineEnd;
  const lines = block.split('\n').map((l) => ' '.repeat(indent) + l);
  return { range: rangeOf(doc, at, at), newText: '\n' + lines.join('\n') };
}

function addPropertyEdit(ctx: DocumentContext, offset: number, property: string, value = ''): TextEdit | undefined {
  const doc = ctx.doc;
  let map = doc.rootMap;
  if (offset >= 0) {
    const hit = nodeAt(doc.root, offset);
    const target = hit.inKey ? deref(locate(doc.root, hit.path).node) : null;
    if (isMap(target) && hit.path.length > 0) map = target;
  }
  return map ? appendToMap(doc, map, `${property}: ${value}`.trimEnd() + (value ? '' : ' ')) : undefined;
}

/** Adds `name` to the `inputs`/`outputs` of the job or component whose command uses it. */
function declareEdit(ctx: DocumentContext, offset: number, section: 'inputs' | 'outputs', name: string): TextEdit | undefined {
  const doc = ctx.doc;
  const job = declaringJob(ownerPath(doc, nodeAt(doc.root, offset).path));
  const declaration = section === 'inputs' ? `${name}:\n  type: string` : `${name}:\n  type: uri_folder`;
  const existing = deref(locate(doc.root, [...job, section]).node);
  if (isMap(existing) && existing.pairs.length > 0) return appendToMap(doc, existing, declaration);
  const jobMap = deref(locate(doc.root, job).node);
  if (!isMap(jobMap)) return undefined;
  return appendToMap(doc, jobMap, `${section}:\n${declaration.split('\n').map((l) => '  ' + l).join('\n')}`);
}

function addSchema(ctx: DocumentContext): CodeAction | undefined {
  const doc = ctx.doc;
  const detection = doc.detection;
  if (!detection || !('kind' in detection) || detection.via === '$schema' || !doc.kind) return undefined;
  const url = SCHEMA_URL_PREFIXES[0] + doc.kind.schema;
  return { title: `Add \`$schema\` (${doc.kind.title})`, kind: CodeActionKind.QuickFix, edit: { changes: { [ctx.uri]: [{ range: rangeOf(doc, 0, 0), newText: `$schema: ${url}\n` }] } } };
}
