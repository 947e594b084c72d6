import type { JobDetail } from '../../core/vocabulary';
import { graphIsLive, pipelineGraph, type PipelineGraphView } from '../pipelines/pipeline-graph';
import { sweepView, type SweepView } from '../sweeps/sweep-table';
import type { JobViewKind } from './job-view-panels';

export const PIPELINE_GRAPH: JobViewKind<PipelineGraphView> = {
  viewType: 'mlw.pipelineGraph',
  title: 'Pipeline',
  script: 'pipeline-graph-webview.js',
  style: 'job-views-webview.css',
  uplot: false,
  body: '<main id="graph" class="graph"></main>',
  shape: (detail, now) => (detail.steps ? (detail.steps.length ? pipelineGraph(detail, detail.steps, now) : 'The pipeline has no steps yet.') : notA(detail, 'pipeline')),
  ticking: (detail) => graphIsLive(detail.steps ?? []),
};

export const SWEEP: JobViewKind<SweepView> = {
  viewType: 'mlw.sweep',
  title: 'Sweep',
  script: 'sweep-webview.js',
  style: 'job-views-webview.css',
  uplot: true,
  body: '<p id="summary" class="summary"></p><section id="chart" class="chart"></section><table id="trials" class="trials"></table>',
  shape: (detail, now) => (detail.sweep ? sweepView(detail, detail.sweep, now) : notA(detail, 'sweep')),
  ticking: (detail) => (detail.sweep?.trials ?? []).some((trial) => trial.status === 'Running' || trial.status === 'Preparing' || trial.status === 'Finalizing'),
};

function notA(detail: JobDetail, type: string): string {
  return detail.type === type ? `The control plane has no ${type} view of ${detail.name} yet.` : `${detail.name} is a ${detail.type} job, not a ${type} job.`;
}
