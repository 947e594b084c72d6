import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { globSync } from 'tinyglobby';
import { parseYaml } from '../../core/language/yaml/parse';
import { toJS, nodeAt, type YamlNode } from '../../core/language/yaml/ast';
import { pipelineText } from '../support/generate';

/** Forces the whole-document path (a document marker disables segmenting) for comparison. */
function whole(text: string) {
  return parseYaml(text + '\n...\n');
}

function ranges(node: YamlNode | null, out: string[] = []): string[] {
  if (!node) return out;
  out.push(`${node.type}:${node.start}-${node.end}`);
  if (node.type === 'map') for (const p of node.pairs) (ranges(p.key, out), ranges(p.value, out));
  if (node.type === 'seq') for (const i of node.items) ranges(i, out);
  return out;
}

describe('YAML parsing', () => {
  const samples = [pipelineText(40), ...globSync('test/fixtures/**/*.yml', { cwd: path.resolve(import.meta.dirname, '../..'), absolute: true }).slice(0, 80).map((f) => fs.readFileSync(f, 'utf8'))];

  it('gives the same values, ranges and problems segmented as whole', () => {
    for (const text of samples) {
      const a = parseYaml(text);
      const b = whole(text);
      assert.deepEqual(toJS(a.documents[0]!.root), toJS(b.documents[0]!.root));
      assert.deepEqual(ranges(a.documents[0]!.root), ranges(b.documents[0]!.root));
      assert.deepEqual(a.problems, b.problems);
    }
  });

  it('reuses unchanged segments after an edit and shifts the ones after it', () => {
    const text = pipelineText(40);
    const first = parseYaml(text);
    assert.ok(first.segments.length > 10, `${first.segments.length} segments`);
    const at = text.indexOf('Step 20 of');
    const edited = text.slice(0, at) + 'A longer description of step 20 of' + text.slice(at + 'Step 20 of'.length);
    const second = parseYaml(edited, first);
    const before = second.segments.filter((s) => s.start + s.text.length <= at);
    assert.ok(before.length > 5 && before.every((s) => first.segments.includes(s)), 'segments before the edit are reused as they are');
    const changed = second.segments.filter((s) => !first.segments.some((f) => f.text === s.text));
    assert.equal(changed.length, 1, 'only the edited segment is parsed again');
    const reference = whole(edited);
    assert.deepEqual(toJS(second.documents[0]!.root), toJS(reference.documents[0]!.root));
    assert.deepEqual(ranges(second.documents[0]!.root), ranges(reference.documents[0]!.root));
  });

  it('falls back to a whole parse when a split would cut through a construct', () => {
    const text = 'a: [1,\nb: 2]\nc: "x\nd: y"\n';
    assert.deepEqual(toJS(parseYaml(text).documents[0]!.root), toJS(whole(text).documents[0]!.root));
  });

  it('finds the node and path at an offset', () => {
    const text = 'jobs:\n  train:\n    command: echo\n';
    const found = nodeAt(parseYaml(text).documents[0]!.root, text.indexOf('echo') + 1);
    assert.deepEqual(found.path, ['jobs', 'train', 'command']);
    assert.equal(found.node?.type === 'scalar' && found.node.value, 'echo');
  });
});

describe('YAML 1.1 as PyYAML reads it', () => {
  it('keeps y and n as strings while yes/no/on/off are booleans', () => {
    const value = toJS(parseYaml('n: 1\ny: N\na: yes\nb: off\nc: "n"\n').documents[0]!.root);
    assert.deepEqual(value, { n: 1, y: 'N', a: true, b: false, c: 'n' });
  });

  it('reads `.` and other digitless float look-alikes as strings, as PyYAML does', () => {
    const text = 'path: .\nb: -.\nc: ._\nd: .5\ne: 1.\nf: .nan\ng: -.inf\n';
    const expected = { path: '.', b: '-.', c: '._', d: 0.5, e: 1, f: NaN, g: Number.NEGATIVE_INFINITY };
    assert.deepEqual(toJS(parseYaml(text).documents[0]!.root), expected);
    assert.deepEqual(toJS(whole(text).documents[0]!.root), expected);
  });
});
