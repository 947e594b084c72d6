import fs from 'node:fs';
import path from 'node:path';
import { globSync } from 'tinyglobby';
import { CodeActionKind, type Position } from 'vscode-languageserver';
import { MlwLanguageService } from '../../server/service/language-service';
import { pathToUri } from '../../server/service/uri';
import { prng } from './random';

type Random = () => number;
const pick = <T>(rand: Random, list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
const int = (rand: Random, max: number) => Math.floor(rand() * max);

const FRAGMENTS = ['${{', '}}', '${{inputs.', '${{parent.jobs.', 'azureml:', 'azureml:sklearn-env:', '$[[', ']]', ': ', ':', '- ', '\n', '\n  ', '  ', '\t', '#', '"', "'", '{', '}', '[', ']', '&a ', '*a', '<<: ', '---\n', '|\n', '>-\n', 'type: ', 'inputs:\n  ', 'jobs:\n  ', './', '../', '\u00e9', '\ud83d\ude00', '\r\n', '<placeholder>'];

/** One random edit of `text`: characters and YAML-significant fragments inserted, lines deleted, duplicated or re-indented. */
export function mutate(text: string, rand: Random): string {
  const at = int(rand, text.length + 1);
  const lines = text.split('\n');
  const line = int(rand, lines.length);
  switch (int(rand, 8)) {
    case 0:
      return text.slice(0, at) + pick(rand, FRAGMENTS) + text.slice(at);
    case 1:
      return text.slice(0, at) + text.slice(at + 1 + int(rand, 12));
    case 2:
      return text.slice(0, at) + String.fromCharCode(32 + int(rand, 95)) + text.slice(at);
    case 3:
      lines.splice(line, 1);
      return lines.join('\n');
    case 4:
      lines.splice(line, 0, lines[int(rand, lines.length)] ?? '');
      return lines.join('\n');
    case 5:
      lines[line] = ' '.repeat(int(rand, 9)) + (lines[line] ?? '').trimStart();
      return lines.join('\n');
    case 6:
      return text.slice(0, at);
    default: {
      const other = int(rand, lines.length);
      [lines[line], lines[other]] = [lines[other]!, lines[line]!];
      return lines.join('\n');
    }
  }
}

const KEYS = ['type', 'name', 'version', 'command', 'code', 'environment', 'compute', 'inputs', 'outputs', 'jobs', 'trial', 'search_space', 'path', 'component', 'settings', 'image', 'conda_file', 'x', '$schema'];
const SCALARS = ['command', 'pipeline', 'sweep', 'azureml:sklearn-env:1', 'azureml:x@latest', './src', '${{inputs.a}}', '${{parent.jobs.a.outputs.b}}', '1', '0.5', 'true', 'null', '', '"quoted"', 'https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json'];

/** Random YAML built from spec-like keys and values, nested maps and lists. */
export function randomYaml(rand: Random, depth = 0, indent = ''): string {
  const out: string[] = [];
  const count = 1 + int(rand, depth === 0 ? 8 : 4);
  for (let i = 0; i < count; i++) {
    const key = pick(rand, KEYS);
    const shape = depth > 3 ? 0 : int(rand, 4);
    if (shape === 1) out.push(`${indent}${key}:\n${randomYaml(rand, depth + 1, indent + '  ')}`);
    else if (shape === 2) out.push(`${indent}${key}:\n${Array.from({ length: 1 + int(rand, 3) }, () => `${indent}  - ${pick(rand, SCALARS)}`).join('\n')}`);
    else out.push(`${indent}${key}: ${pick(rand, SCALARS)}`);
  }
  return out.join('\n');
}

export interface FuzzOptions {
  iterations: number;
  seed: number;
  /** Longest a single request may take. */
  limitMs?: number;
}

export interface FuzzResult {
  iterations: number;
  requests: number;
  slowest: { ms: number; request: string };
}

const fixturesRoot = path.resolve(import.meta.dirname, '../fixtures');

/**
 * Opens mutated fixtures and random YAML and sends every request at random positions; throws (with the seed, the
 * iteration and the text saved to a file) on an exception or a request slower than the limit.
 */
export async function fuzz(options: FuzzOptions): Promise<FuzzResult> {
  const rand = prng(options.seed);
  const limit = options.limitMs ?? 1000;
  const files = globSync('**/*.{yml,yaml}', { cwd: fixturesRoot, absolute: true }).sort();
  const sources = files.map((f) => ({ file: path.resolve(f), text: fs.readFileSync(f, 'utf8') }));
  const service = new MlwLanguageService({ roots: [fixturesRoot] });
  await service.workspace.scan();
  // Every fixture once, untimed: the first document of a kind compiles its schema, a one-time cost the limit is not about.
  for (const [index, source] of sources.entries()) {
    const uri = pathToUri(source.file.replace(/\.ya?ml$/, `.warm-${index}.yml`));
    service.open(uri, 1, source.text);
    service.diagnostics(uri);
    service.close(uri);
  }
  let requests = 0;
  const slowest = { ms: 0, request: '' };
  for (let iteration = 0; iteration < options.iterations; iteration++) {
    const source = pick(rand, sources);
    let text = rand() < 0.15 ? randomYaml(rand) : source.text;
    for (let k = 1 + int(rand, 4); k > 0; k--) text = mutate(text, rand);
    const uri = pathToUri(source.file.replace(/\.ya?ml$/, `.fuzz-${iteration % 7}.yml`));
    const time = <T>(request: string, run: () => T): T => {
      const started = performance.now();
      let result: T;
      try {
        result = run();
      } catch (e) {
        throw failure(options.seed, iteration, text, `${request} threw: ${(e as Error)?.stack ?? String(e)}`);
      }
      const ms = performance.now() - started;
      requests++;
      if (ms > slowest.ms) Object.assign(slowest, { ms, request });
      if (ms > limit) throw failure(options.seed, iteration, text, `${request} took ${ms.toFixed(0)} ms`);
      return result;
    };
    service.open(uri, 1, text);
    const diagnostics = time('diagnostics', () => service.diagnostics(uri));
    const positionAt = (offset: number): Position => {
      const before = text.slice(0, offset).split('\n');
      return { line: before.length - 1, character: before[before.length - 1]!.length };
    };
    for (let k = 0; k < 3; k++) {
      const position = positionAt(int(rand, text.length + 1));
      time('completion', () => service.completion(uri, position));
      time('hover', () => service.hover(uri, position));
      time('definition', () => service.definition(uri, position));
      time('references', () => service.references(uri, position, rand() < 0.5));
      const renameable = time('prepareRename', () => service.prepareRename(uri, position));
      if (renameable) time('rename', () => service.rename(uri, position, 'renamed_x'));
    }
    time('documentSymbols', () => service.documentSymbols(uri));
    time('documentLinks', () => service.documentLinks(uri));
    time('foldingRanges', () => service.foldingRanges(uri));
    const whole = { start: { line: 0, character: 0 }, end: positionAt(text.length) };
    const actions = time('codeActions', () => service.codeActions(uri, whole, diagnostics));
    if (actions.some((a) => a.kind !== CodeActionKind.QuickFix)) throw failure(options.seed, iteration, text, 'unexpected code action kind');
    // an edit of the open document exercises the reuse of the previous parse
    const edited = mutate(text, rand);
    service.change(uri, 2, edited);
    text = edited;
    time('diagnostics after edit', () => service.diagnostics(uri));
    time('completion after edit', () => service.completion(uri, positionAt(int(rand, text.length + 1))));
    service.close(uri);
  }
  return { iterations: options.iterations, requests, slowest };
}

function failure(seed: number, iteration: number, text: string, message: string): Error {
  const file = path.join(fs.mkdtempSync(path.join(process.env['TMPDIR'] ?? '/tmp', 'mlw-fuzz-')), 'input.yml');
  fs.writeFileSync(file, text);
  return new Error(`fuzz failure (seed ${seed}, iteration ${iteration}): ${message}\ninput saved to ${file}`);
}
