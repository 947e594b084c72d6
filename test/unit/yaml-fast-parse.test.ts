import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { globSync } from 'tinyglobby';
import { parseAllDocuments } from 'yaml';
import { fastParseYaml } from '../../core/language/yaml/fast-parse';
import { parseWithYamlPackage, parseYaml } from '../../core/language/yaml/parse';
import { pipelineText } from '../support/generate';
import { prng } from '../support/random';

const root = path.resolve(import.meta.dirname, '../..');
const BENCH_HARNESS = '/work/shared/bench/lsp/bench.mjs';

function readAll(patterns: string[]): Array<{ name: string; text: string }> {
  return globSync(patterns, { cwd: root }).sort().map((name) => ({ name, text: fs.readFileSync(path.join(root, name), 'utf8') }));
}

const specFiles = readAll(['test/fixtures/**/*.{yml,yaml}', 'test/fixtures/**/MLTable', 'test/fixtures/**/MLmodel', 'examples/**/*.{yml,yaml}', 'examples/**/MLTable', 'examples/**/MLmodel']);

function benchDocuments(): Array<{ name: string; text: string }> {
  if (!fs.existsSync(BENCH_HARNESS)) return [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlw-fast-yaml-'));
  try {
    execFileSync(process.execPath, [BENCH_HARNESS, '--gen-only', '--workdir', dir, '--server', 'x=true', '--schema-key', 'https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json'], { stdio: 'ignore' });
    return fs.readdirSync(dir).sort().map((name) => ({ name, text: fs.readFileSync(path.join(dir, name), 'utf8') }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Checks the fast parser against the `yaml` package on `source` (found at `offset` in its document):
 * when it gives a tree, the `yaml` package must give the same one and report nothing. Returns whether it gave one.
 */
function agrees(source: string, offset: number, label: string): boolean {
  const fast = fastParseYaml(source, offset);
  if (!fast) return false;
  const reference = parseWithYamlPackage(source, offset);
  assert.deepEqual(reference.problems, [], `${label}: the fast parser accepted text the yaml package reports problems for\n${show(source)}`);
  assert.deepEqual(fast.root, reference.root, `${label}: trees differ\n${show(source)}`);
  if (offset === 0) {
    const documents = parseAllDocuments(source);
    assert.equal(documents.length, 1, `${label}: one document`);
    const [start, , end] = documents[0]!.range;
    assert.deepEqual([fast.contentStart, fast.contentEnd ?? end], [start, end], `${label}: document range\n${show(source)}`);
  }
  return true;
}

/** Checks the whole text and every segment a parse of it is made of. */
function checkDocument(text: string, label: string): boolean {
  const accepted = agrees(text, 0, label);
  for (const segment of parseYaml(text).segments) agrees(segment.text, segment.start, `${label} (segment at ${segment.start})`);
  return accepted;
}

function show(source: string): string {
  return source.length > 1500 ? JSON.stringify(source.slice(0, 1500)) + '…' : JSON.stringify(source);
}

const INSERTIONS = [
  ':', ': ', ' #', '#', ' # c', "'", '"', "''", '- ', '-', '\t', '[', ']', '{', '}', ', ', ',', '|', '>', '|-', '>-', '|+', '>+', '|2', ' ', '  ', '\\', '\\n',
  '&a ', '*a', '!x ', '---', '...', '? ', '\r', '0x1F', '0o17', '017', '1_000', '-0', '~', 'null', 'yes', 'No', 'y', 'N', 'on', '1e3', '.5', '1.', '.inf', '-.Inf', '.NaN',
  '<<', '12:30', '2024-01-02', '\u00a0', 'é', '😀', '\u2028', '%', '@', '`', 'azureml:x:1', '${{a.b}}', 'http://x/y#z', '"a b"', "'it''s'", '[a, b]', '{a: b}', '[]', '{}',
];
const SCALARS = ['', '~', 'null', 'Null', 'true', 'False', 'on', 'OFF', 'y', 'Y', 'n', 'yes', '0', '-0', '+1', '007', '08', '0b101', '0x_1f', '1_000', '3.', '.', '1e-3', '-.inf', '.nan', '1:20', '2001-12-14', '"q"', "'s'", '[1, x]', '{k: v}', '|', '>-', 'a: b', '- a'];

function mutate(text: string, next: () => number): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  let lines = text.split('\n');
  const edits = 1 + Math.floor(next() * 3);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(next() * lines.length);
    const line = lines[at] ?? '';
    switch (Math.floor(next() * 9)) {
      case 0:
        lines.splice(at, 1);
        break;
      case 1:
        lines.splice(at, 0, line);
        break;
      case 2:
        lines[at] = ' '.repeat(1 + Math.floor(next() * 2)) + line;
        break;
      case 3:
        lines[at] = line.replace(/^ {1,2}/, '');
        break;
      case 4: {
        const column = Math.floor(next() * (line.length + 1));
        lines[at] = line.slice(0, column) + pick(INSERTIONS) + line.slice(column);
        break;
      }
      case 5: {
        const colon = line.indexOf(': ');
        lines[at] = colon >= 0 ? line.slice(0, colon + 2) + pick(SCALARS) : line + pick(INSERTIONS);
        break;
      }
      case 6:
        lines.splice(at, 0, ' '.repeat(Math.floor(next() * 8)) + pick(['', '# note', 'x', '- y', 'k: v', 'more text']));
        break;
      case 7:
        lines[at] = line + pick(['  ', ' ', ' # trailing', '\r']);
        break;
      default:
        lines = lines.slice(0, Math.max(1, at));
    }
  }
  let result = lines.join('\n');
  if (next() < 0.15) result = result.replace(/\n/g, '\r\n');
  if (next() < 0.15) result = result.replace(/\n+$/, '');
  return result;
}

describe('fast YAML parser', () => {
  it('gives the yaml package tree for every fixture and example, and accepts the ordinary ones', () => {
    const rejected: string[] = [];
    for (const { name, text } of specFiles) if (!checkDocument(text, name) && isOrdinary(text)) rejected.push(name);
    assert.deepEqual(rejected, [], 'ordinary spec files fall back to the yaml package');
    assert.ok(specFiles.length > 100, `${specFiles.length} spec files`);
  });

  it('accepts generated pipelines and the LSP benchmark documents whole', () => {
    for (const steps of [1, 40, 254]) assert.ok(checkDocument(pipelineText(steps), `pipelineText(${steps})`), `pipelineText(${steps}) is accepted`);
    const documents = benchDocuments();
    if (documents.length === 0) return;
    for (const { name, text } of documents) assert.ok(checkDocument(text, name), `${name} is accepted`);
  });

  it('gives the yaml package tree or nothing for mutated documents', () => {
    const seed = Number(process.env.YAML_FUZZ_SEED ?? Date.now() % 2 ** 31);
    console.log(`fast YAML parser fuzz seed: ${seed} (rerun with YAML_FUZZ_SEED=${seed})`);
    const next = prng(seed);
    const bases = [pipelineText(2), ...specFiles.map((f) => f.text).filter((t) => t.length < 4000)];
    let accepted = 0;
    const variants = 4000;
    for (let i = 0; i < variants; i++) {
      const text = mutate(bases[Math.floor(next() * bases.length)]!, next);
      if (agrees(text, 0, `variant ${i} (seed ${seed})`)) accepted++;
    }
    console.log(`fast YAML parser: ${accepted} of ${variants} variants accepted`);
    assert.ok(accepted > variants / 10, `${accepted} of ${variants} variants accepted`);
  });
});

/** Spec files without the constructs the fast parser leaves to the yaml package. */
function isOrdinary(text: string): boolean {
  if (/(^|[\s,[{])[&*!][^\s,[\]{}]|^(---|\.\.\.)(\s|$)|^%|\t|<<|"[^"\n]*\\/m.test(text)) return false;
  return parseWithYamlPackage(text).problems.length === 0;
}
