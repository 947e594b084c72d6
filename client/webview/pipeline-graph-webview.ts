/// <reference lib="dom" />
// Runs inside the pipeline graph webview: draws the steps and their dependencies as SVG; a click on a step asks the
// extension to offer its logs and outputs.
import type { GraphNodeView, PipelineGraphView } from '../pipelines/pipeline-graph';
import { activatable, onView, request } from './job-view-common';

const SVG = 'http://www.w3.org/2000/svg';
const graphElement = document.getElementById('graph')!;

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number> = {}): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return element;
}

function render(view: PipelineGraphView): void {
  const focused = (document.activeElement as HTMLElement | null)?.dataset?.step;
  const root = svg('svg', { width: view.width, height: view.height, viewBox: `0 0 ${view.width} ${view.height}`, role: 'img', 'aria-label': `pipeline ${view.job}` });
  const defs = svg('defs');
  const marker = svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
  marker.append(svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow' }));
  defs.append(marker);
  root.append(defs);
  for (const edge of view.edges) root.append(svg('path', { d: edge.path, class: 'edge', 'marker-end': 'url(#arrow)', 'data-from': edge.from, 'data-to': edge.to }));
  for (const node of view.nodes) root.append(stepNode(node, view));
  graphElement.replaceChildren(root);
  if (focused) (graphElement.querySelector(`[data-step="${CSS.escape(focused)}"]`) as SVGGElement | null)?.focus();
}

function stepNode(node: GraphNodeView, view: PipelineGraphView): SVGGElement {
  const group = svg('g', { class: 'node', transform: `translate(${node.x},${node.y})`, tabindex: 0, role: 'button', 'aria-label': `${node.step}: ${node.detail}`, 'data-step': node.step, 'data-job': node.job, 'data-status': node.status, 'data-reused': String(node.reused) });
  const box = svg('rect', { class: 'box', width: view.nodeWidth, height: view.nodeHeight, rx: 6 });
  // Theme colours through the CSSOM: the CSP allows no inline style attributes.
  box.style.stroke = `var(${node.color})`;
  const dot = svg('circle', { cx: 14, cy: 19, r: 5, class: 'dot' });
  dot.style.fill = `var(${node.color})`;
  const name = svg('text', { x: 26, y: 23, class: 'name' });
  name.textContent = clip(node.step, 22);
  const detail = svg('text', { x: 12, y: 42, class: 'detail' });
  detail.textContent = clip(node.detail, 28);
  const title = svg('title');
  title.textContent = `${node.step} (${node.job})\n${node.detail}`;
  group.append(title, box, dot, name, detail);
  activatable(group, () => request({ type: 'open', job: node.job, label: node.step, hasOutputs: node.hasOutputs }));
  return group;
}

function clip(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

onView(render);
