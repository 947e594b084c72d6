import type * as vscode from 'vscode';
import type { Config } from '../config';
import type { ControlPlaneConnection } from '../control-plane/connection';
import type { JobViewPanels } from '../job-views/job-view-panels';
import type { JobChannels } from '../jobs/job-channels';
import type { MetricsPanels } from '../metrics/metrics-panels';
import type { PipelineGraphView } from '../pipelines/pipeline-graph';
import type { SweepView } from '../sweeps/sweep-table';
import type { MlwViews } from '../trees/views';

/** What every command works with; built once in `activate`. */
export interface CommandContext {
  readonly extension: vscode.ExtensionContext;
  readonly connection: ControlPlaneConnection;
  readonly views: MlwViews;
  readonly channels: JobChannels;
  readonly metrics: MetricsPanels;
  readonly graphs: JobViewPanels<PipelineGraphView>;
  readonly sweeps: JobViewPanels<SweepView>;
  readonly config: Config;
  readonly log: vscode.LogOutputChannel;
}

export interface MlwCommand {
  /** `mlw.<resource>.<verb>` */
  readonly id: string;
  /** Runs something or changes the workspace: refused in an untrusted workspace. */
  readonly requiresTrust?: boolean;
  run(context: CommandContext, ...args: unknown[]): Promise<unknown>;
}
