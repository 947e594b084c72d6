import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PipelineStep } from '../../core/vocabulary';
import { DEFAULT_SIZE, layoutGraph, type LayoutInput } from '../../client/pipelines/graph-layout';
import { edgePath, graphIsLive, pipelineGraph, statusColorVariable } from '../../client/pipelines/pipeline-graph';

const NOW = Date.parse('2025-01-01T12:00:00Z');
const { nodeWidth, nodeHeight, gapX, gapY, margin } = DEFAULT_SIZE;

function layers(steps: LayoutInput[]): Record<string, number> {
  return Object.fromEntries(layoutGraph(steps).nodes.map((n) => [n.name, n.layer]));
}

/** Crossings between the drawn straight segments of consecutive layers (through the dummy points). */
function drawnCrossings(steps: LayoutInput[]): number {
  const layout = layoutGraph(steps);
  const segments = layout.edges.flatMap((e) => e.points.slice(1).map((p, i) => [e.points[i]!, p] as const)).filter(([a, b]) => b.y > a.y + nodeHeight / 2);
  let count = 0;
  for (let i = 0; i < segments.length; i++)
    for (let j = i + 1; j < segments.length; j++) {
      const [a1, b1] = segments[i]!;
      const [a2, b2] = segments[j]!;
      if (a1.y === a2.y && (a1.x - a2.x) * (b1.x - b2.x) < 0) count++;
    }
  return count;
}

test('a step sits one layer below the deepest step it depends on', () => {
  assert.deepEqual(
    layers([
      { name: 'prep', dependsOn: [] },
      { name: 'train', dependsOn: ['prep'] },
      { name: 'eval', dependsOn: ['train', 'prep'] },
      { name: 'report', dependsOn: ['eval'] },
      { name: 'lint', dependsOn: [] },
    ]),
    { prep: 0, lint: 0, train: 1, eval: 2, report: 3 },
  );
  // dependencies may be listed before the step they depend on; unknown ones and self-references are ignored
  assert.deepEqual(layers([{ name: 'b', dependsOn: ['a', 'ghost', 'b'] }, { name: 'a', dependsOn: [] }]), { b: 1, a: 0 });
});

test('a cycle does not hang the layout and every step is placed once', () => {
  const layout = layoutGraph([
    { name: 'a', dependsOn: ['c'] },
    { name: 'b', dependsOn: ['a'] },
    { name: 'c', dependsOn: ['b'] },
  ]);
  assert.deepEqual(layout.nodes.map((n) => n.name).sort(), ['a', 'b', 'c']);
  for (const edge of layout.edges) assert.ok(layout.nodes.find((n) => n.name === edge.from)!.layer < layout.nodes.find((n) => n.name === edge.to)!.layer, 'edges point downwards');
});

test('coordinates: layers top to bottom, each layer centred, edges from bottom centre to top centre', () => {
  const layout = layoutGraph([
    { name: 'prep', dependsOn: [] },
    { name: 'a', dependsOn: ['prep'] },
    { name: 'b', dependsOn: ['prep'] },
  ]);
  assert.equal(layout.width, 2 * nodeWidth + gapX + 2 * margin);
  assert.equal(layout.height, 2 * nodeHeight + gapY + 2 * margin);
  const prep = layout.nodes.find((n) => n.name === 'prep')!;
  assert.deepEqual([prep.x, prep.y], [margin + (nodeWidth + gapX) / 2, margin]);
  const [a, b] = ['a', 'b'].map((name) => layout.nodes.find((n) => n.name === name)!);
  assert.deepEqual([a!.y, b!.y], [margin + nodeHeight + gapY, margin + nodeHeight + gapY]);
  const toA = layout.edges.find((e) => e.to === 'a')!;
  assert.deepEqual(toA.points, [
    { x: prep.x + nodeWidth / 2, y: prep.y + nodeHeight },
    { x: a!.x + nodeWidth / 2, y: a!.y },
  ]);
});

test('an edge that skips layers passes through a reserved slot, so it never runs through a step', () => {
  const layout = layoutGraph([
    { name: 'a', dependsOn: [] },
    { name: 'b', dependsOn: ['a'] },
    { name: 'c', dependsOn: ['b'] },
    { name: 'd', dependsOn: ['a', 'c'] },
  ]);
  const long = layout.edges.find((e) => e.from === 'a' && e.to === 'd')!;
  assert.equal(long.points.length, 2 + 2 * 2, 'two skipped layers, entered and left');
  for (const point of long.points.slice(1, -1)) {
    const overlapping = layout.nodes.filter((n) => point.x >= n.x && point.x <= n.x + nodeWidth && point.y >= n.y && point.y <= n.y + nodeHeight);
    assert.deepEqual(overlapping, [], `(${point.x}, ${point.y}) is free`);
  }
});

test('barycentre ordering removes the crossings of a crossed input order', () => {
  const steps: LayoutInput[] = [
    { name: 'a', dependsOn: [] },
    { name: 'b', dependsOn: [] },
    { name: 'c', dependsOn: [] },
    { name: 'x', dependsOn: ['c'] },
    { name: 'y', dependsOn: ['b'] },
    { name: 'z', dependsOn: ['a'] },
  ];
  assert.equal(drawnCrossings(steps), 0);
  const order = Object.fromEntries(layoutGraph(steps).nodes.map((n) => [n.name, n.order]));
  assert.ok(order.z! < order.y! && order.y! < order.x!, JSON.stringify(order));
});

test('a wide pipeline of 60 steps lays out quickly', () => {
  const steps: LayoutInput[] = [{ name: 'root', dependsOn: [] }];
  for (let i = 0; i < 20; i++) steps.push({ name: `f${i}`, dependsOn: ['root'] }, { name: `g${i}`, dependsOn: [`f${(i * 7) % 20}`] });
  steps.push({ name: 'join', dependsOn: steps.filter((s) => s.name.startsWith('g')).map((s) => s.name) });
  const started = performance.now();
  const layout = layoutGraph(steps);
  assert.ok(performance.now() - started < 500);
  assert.equal(layout.nodes.length, 42);
  assert.equal(drawnCrossings(steps), 0);
});

function step(name: string, overrides: Partial<PipelineStep> = {}): PipelineStep {
  return { name, job: `pipe-${name}`, status: 'Completed', compute: 'local', dependsOn: [], ...overrides };
}

test('graph nodes carry the step, its job, status colour, "Reused" and duration', () => {
  const graph = pipelineGraph({ name: 'pipe', status: 'Running' }, [
    step('prep', { reusedFrom: 'old-prep' }),
    step('train', { dependsOn: ['prep'], status: 'Running', startedAt: '2025-01-01T11:59:18Z' }),
    step('eval', { dependsOn: ['train'], status: 'NotStarted' }),
    step('report', { dependsOn: ['train'], status: 'Failed', reason: 'exit code 2' }),
  ], NOW);
  assert.deepEqual(
    graph.nodes.map((n) => [n.step, n.job, n.detail, n.color, n.reused, n.hasOutputs]),
    [
      ['prep', 'pipe-prep', 'Completed · Reused', '--vscode-testing-iconPassed', true, true],
      ['train', 'pipe-train', 'Running · 42 s', '--vscode-charts-blue', false, false],
      ['eval', 'pipe-eval', 'NotStarted', '--vscode-disabledForeground', false, false],
      ['report', 'pipe-report', 'Failed · exit code 2', '--vscode-testing-iconFailed', false, true],
    ],
  );
  assert.deepEqual(graph.edges.map((e) => `${e.from}->${e.to}`), ['prep->train', 'train->eval', 'train->report']);
  assert.match(graph.edges[0]!.path, /^M\d+(\.\d+)?,\d+/);
  assert.equal(graphIsLive([step('a', { status: 'Running' })]), true);
  assert.equal(graphIsLive([step('a'), step('b', { status: 'NotStarted' })]), false);
});

test('status colours are the theme colours of the Jobs view icons; edge paths are straight or S-curves', () => {
  assert.equal(statusColorVariable('Queued'), '--vscode-charts-yellow');
  assert.equal(statusColorVariable('Canceled'), '--vscode-disabledForeground');
  assert.equal(edgePath([{ x: 10, y: 0 }, { x: 10, y: 40 }]), 'M10,0 L10,40');
  assert.equal(edgePath([{ x: 0, y: 0 }, { x: 20, y: 40 }]), 'M0,0 C0,20 20,20 20,40');
  assert.equal(edgePath([]), '');
});
