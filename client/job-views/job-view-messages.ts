import type { PipelineGraphView } from '../pipelines/pipeline-graph';
import type { SweepView } from '../sweeps/sweep-table';

/** From the extension to a pipeline graph or sweep webview: the whole view, re-sent on every change. */
export type JobViewMessage<View> = { type: 'view'; view: View } | { type: 'error'; message: string };

export type PipelineGraphMessage = JobViewMessage<PipelineGraphView>;
export type SweepMessage = JobViewMessage<SweepView>;

/** From the webview: it is ready for the view; a step or trial was clicked (the extension offers its logs and outputs). */
export type JobViewRequest = { type: 'ready' } | { type: 'open'; job: string; label: string; hasOutputs: boolean };
