/** A job's lifecycle, and how the control plane describes a job to its clients. */
import type { JobEvent } from './events';

export type JobStatus = 'Queued' | 'Preparing' | 'Running' | 'Finalizing' | 'Completed' | 'Failed' | 'Canceled';
export const TERMINAL_STATUSES: readonly JobStatus[] = ['Completed', 'Failed', 'Canceled'];
export const isTerminal = (status: JobStatus): boolean => TERMINAL_STATUSES.includes(status);

export interface JobSummary {
  name: string;
  type: string;
  experiment: string;
  displayName?: string;
  status: JobStatus;
  /** Why it is in this status: the queue position while Queued, the failure while Failed. */
  reason?: string;
  compute: string;
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  exitCode?: number;
}

export interface JobOutputInfo {
  name: string;
  type: string;
  mode: string;
  uri: string;
  /** The output's files, sorted; the first 1,000 when there are more. */
  files: string[];
  /** How many files the output holds. */
  fileCount: number;
}

export interface JobDetail extends JobSummary {
  specPath: string;
  spec: Record<string, unknown>;
  image?: string;
  snapshot?: string;
  outputs: JobOutputInfo[];
  events: JobEvent[];
}
