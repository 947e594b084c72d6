/**
 * A layered layout of a pipeline's steps (pure): longest-path layering (a step sits one layer below the deepest
 * step it depends on), dummy points where an edge skips layers, then barycentre ordering within each layer
 * (alternating downward and upward sweeps, keeping the order with the fewest crossings). Layers run top to bottom.
 */
export interface LayoutInput {
  name: string;
  dependsOn: readonly string[];
}

export interface LayoutSize {
  nodeWidth: number;
  nodeHeight: number;
  /** Space between nodes of a layer. */
  gapX: number;
  /** Space between layers. */
  gapY: number;
  margin: number;
}

export interface PlacedNode {
  name: string;
  layer: number;
  /** Position within its layer, from the left. */
  order: number;
  /** Top-left corner. */
  x: number;
  y: number;
}

export interface PlacedEdge {
  from: string;
  to: string;
  /** From the bottom centre of `from`, through the dummy points of skipped layers, to the top centre of `to`. */
  points: { x: number; y: number }[];
}

export interface GraphLayout {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  width: number;
  height: number;
}

export const DEFAULT_SIZE: LayoutSize = { nodeWidth: 180, nodeHeight: 56, gapX: 32, gapY: 48, margin: 16 };

const SWEEPS = 8;

/** A slot in a layer: a step, or a dummy on a long edge (`edge` is its index). */
type Slot = { step: string } | { edge: number; layer: number };

export function layoutGraph(steps: readonly LayoutInput[], size: LayoutSize = DEFAULT_SIZE): GraphLayout {
  const names = new Set(steps.map((s) => s.name));
  // Dependencies on unknown steps are dropped; so are edges that would close a cycle.
  const layers = longestPathLayers(steps, names);
  const edges = steps.flatMap((step) => [...new Set(step.dependsOn)].filter((dep) => names.has(dep) && layers.get(dep)! < layers.get(step.name)!).map((dep) => ({ from: dep, to: step.name })));
  const layerCount = steps.length === 0 ? 0 : Math.max(...layers.values()) + 1;
  const rows: Slot[][] = Array.from({ length: layerCount }, () => []);
  for (const step of steps) rows[layers.get(step.name)!]!.push({ step: step.name });
  edges.forEach((edge, index) => {
    for (let layer = layers.get(edge.from)! + 1; layer < layers.get(edge.to)!; layer++) rows[layer]!.push({ edge: index, layer });
  });
  const key = (slot: Slot): string => ('step' in slot ? `s:${slot.step}` : `d:${slot.edge}:${slot.layer}`);
  // Each slot's neighbours in the layer above and below.
  const up = new Map<string, string[]>();
  const down = new Map<string, string[]>();
  const link = (a: string, b: string): void => {
    (down.get(a) ?? down.set(a, []).get(a)!).push(b);
    (up.get(b) ?? up.set(b, []).get(b)!).push(a);
  };
  edges.forEach((edge, index) => {
    const chain = [`s:${edge.from}`];
    for (let layer = layers.get(edge.from)! + 1; layer < layers.get(edge.to)!; layer++) chain.push(`d:${index}:${layer}`);
    chain.push(`s:${edge.to}`);
    for (let i = 1; i < chain.length; i++) link(chain[i - 1]!, chain[i]!);
  });
  let order = rows.map((row) => row.map(key));
  let best = order.map((row) => [...row]);
  let bestCrossings = crossings(best, down);
  for (let sweep = 0; sweep < SWEEPS && bestCrossings > 0; sweep++) {
    const downward = sweep % 2 === 0;
    order = order.map((row) => [...row]);
    const indices = downward ? [...order.keys()].slice(1) : [...order.keys()].reverse().slice(1);
    for (const layer of indices) {
      const reference = order[downward ? layer - 1 : layer + 1]!;
      const neighbours = downward ? up : down;
      order[layer] = byBarycentre(order[layer]!, reference, neighbours);
    }
    const count = crossings(order, down);
    if (count < bestCrossings) (best = order.map((row) => [...row])), (bestCrossings = count);
  }
  return place(best, edges, size);
}

function longestPathLayers(steps: readonly LayoutInput[], names: Set<string>): Map<string, number> {
  const byName = new Map(steps.map((s) => [s.name, s]));
  const layers = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (name: string): number => {
    const known = layers.get(name);
    if (known !== undefined) return known;
    if (visiting.has(name)) return -1; // a cycle: this dependency does not count
    visiting.add(name);
    let layer = 0;
    for (const dep of byName.get(name)!.dependsOn) if (names.has(dep) && dep !== name) layer = Math.max(layer, visit(dep) + 1);
    visiting.delete(name);
    layers.set(name, layer);
    return layer;
  };
  for (const step of steps) visit(step.name);
  return layers;
}

/** Orders a layer by the mean position of each slot's neighbours in `reference`; slots without any keep their place. */
function byBarycentre(row: string[], reference: string[], neighbours: Map<string, string[]>): string[] {
  const position = new Map(reference.map((slot, index) => [slot, index]));
  const weighted = row.map((slot, index) => {
    const positions = (neighbours.get(slot) ?? []).map((n) => position.get(n)).filter((p): p is number => p !== undefined);
    return { slot, index, weight: positions.length ? positions.reduce((a, b) => a + b, 0) / positions.length : index };
  });
  weighted.sort((a, b) => a.weight - b.weight || a.index - b.index);
  return weighted.map((w) => w.slot);
}

/** Edge crossings between consecutive layers. */
export function crossings(order: string[][], down: Map<string, string[]>): number {
  let count = 0;
  for (let layer = 0; layer + 1 < order.length; layer++) {
    const below = new Map(order[layer + 1]!.map((slot, index) => [slot, index]));
    const segments = order[layer]!.flatMap((slot, index) => (down.get(slot) ?? []).map((target) => [index, below.get(target)!] as const));
    for (let i = 0; i < segments.length; i++)
      for (let j = i + 1; j < segments.length; j++) {
        const [a1, b1] = segments[i]!;
        const [a2, b2] = segments[j]!;
        if ((a1 - a2) * (b1 - b2) < 0) count++;
      }
  }
  return count;
}

function place(order: string[][], edges: { from: string; to: string }[], size: LayoutSize): GraphLayout {
  const widest = Math.max(0, ...order.map((row) => row.length));
  const rowWidth = (n: number): number => n * size.nodeWidth + Math.max(0, n - 1) * size.gapX;
  const width = rowWidth(widest) + 2 * size.margin;
  const height = order.length * size.nodeHeight + Math.max(0, order.length - 1) * size.gapY + 2 * size.margin;
  const topLeft = new Map<string, { x: number; y: number; layer: number; order: number }>();
  order.forEach((row, layer) => {
    const offset = size.margin + (rowWidth(widest) - rowWidth(row.length)) / 2;
    row.forEach((slot, index) => topLeft.set(slot, { x: offset + index * (size.nodeWidth + size.gapX), y: size.margin + layer * (size.nodeHeight + size.gapY), layer, order: index }));
  });
  const nodes: PlacedNode[] = [];
  for (const [slot, at] of topLeft) if (slot.startsWith('s:')) nodes.push({ name: slot.slice(2), ...at });
  nodes.sort((a, b) => a.layer - b.layer || a.order - b.order);
  const centreX = (slot: string): number => topLeft.get(slot)!.x + size.nodeWidth / 2;
  const placedEdges = edges.map((edge, index) => {
    const from = topLeft.get(`s:${edge.from}`)!;
    const to = topLeft.get(`s:${edge.to}`)!;
    const points = [{ x: centreX(`s:${edge.from}`), y: from.y + size.nodeHeight }];
    for (let layer = from.layer + 1; layer < to.layer; layer++) {
      const dummy = topLeft.get(`d:${index}:${layer}`)!;
      points.push({ x: centreX(`d:${index}:${layer}`), y: dummy.y }, { x: centreX(`d:${index}:${layer}`), y: dummy.y + size.nodeHeight });
    }
    points.push({ x: centreX(`s:${edge.to}`), y: to.y });
    return { ...edge, points };
  });
  return { nodes, edges: placedEdges, width, height };
}
