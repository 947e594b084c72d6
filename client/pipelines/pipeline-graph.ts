import type { JobStatus, PipelineStep } from '../../core/vocabulary';
import { isTerminal } from '../../core/vocabulary';
import { formatDuration, jobDuration, statusIcon } from '../trees/presenters';
import { DEFAULT_SIZE, layoutGraph, type LayoutSize } from './graph-layout';

/** What the pipeline graph webview draws (pure data, posted as a message). */
export interface PipelineGraphView {
  job: string;
  status: string;
  width: number;
  height: number;
  nodeWidth: number;
  nodeHeight: number;
  nodes: GraphNodeView[];
  edges: { from: string; to: string; path: string }[];
}

export interface GraphNodeView {
  /** The step's name (its key in `jobs:`). */
  step: string;
  /** The child job running the step. */
  job: string;
  status: JobStatus;
  /** `Running · 42 s`, `Completed · Reused`. */
  detail: string;
  /** A CSS custom property of the theme, e.g. `--vscode-testing-iconPassed`. */
  color: string;
  reused: boolean;
  /** Whether the step's job may have outputs to open. */
  hasOutputs: boolean;
  x: number;
  y: number;
}

/** The theme colour of a status, as a webview CSS variable (the same colours as the Jobs view's icons). */
export function statusColorVariable(status: JobStatus): string {
  return `--vscode-${(statusIcon(status).color ?? 'foreground').replace(/\./g, '-')}`;
}

export function pipelineGraph(job: { name: string; status: string }, steps: readonly PipelineStep[], now: number, size: LayoutSize = DEFAULT_SIZE): PipelineGraphView {
  const layout = layoutGraph(steps, size);
  const byName = new Map(steps.map((step) => [step.name, step]));
  return {
    job: job.name,
    status: job.status,
    width: layout.width,
    height: layout.height,
    nodeWidth: size.nodeWidth,
    nodeHeight: size.nodeHeight,
    nodes: layout.nodes.map((placed) => {
      const step = byName.get(placed.name)!;
      return {
        step: step.name,
        job: step.job,
        status: step.status,
        detail: stepDetail(step, now),
        color: statusColorVariable(step.status),
        reused: Boolean(step.reusedFrom),
        hasOutputs: step.status === 'Completed' || step.status === 'Failed',
        x: placed.x,
        y: placed.y,
      };
    }),
    edges: layout.edges.map((edge) => ({ from: edge.from, to: edge.to, path: edgePath(edge.points) })),
  };
}

export function stepDetail(step: PipelineStep, now: number): string {
  const parts: string[] = [step.status];
  if (step.reusedFrom) parts.push('Reused');
  const duration = jobDuration(step, now);
  if (duration !== undefined) parts.push(formatDuration(duration));
  else if (step.status === 'Failed' && step.reason) parts.push(step.reason);
  return parts.join(' · ');
}

/** Whether the graph still changes by itself (durations of running steps): the webview redraws it each second. */
export function graphIsLive(steps: readonly PipelineStep[]): boolean {
  return steps.some((step) => !isTerminal(step.status) && step.status !== 'NotStarted');
}

/** An SVG path through the points: straight down the dummy segments, a smooth S-curve between layers. */
export function edgePath(points: readonly { x: number; y: number }[]): string {
  const [first, ...rest] = points;
  if (!first) return '';
  let path = `M${first.x},${first.y}`;
  let previous = first;
  for (const point of rest) {
    if (point.x === previous.x) path += ` L${point.x},${point.y}`;
    else {
      const middle = (previous.y + point.y) / 2;
      path += ` C${previous.x},${middle} ${point.x},${middle} ${point.x},${point.y}`;
    }
    previous = point;
  }
  return path;
}
