import type { JobStatus, JobSummary } from '../../core/vocabulary';
import { isTerminal } from '../../core/vocabulary';
import type { TreeIcon } from './tree-node';

const STATUS_ICONS: Record<JobStatus, TreeIcon> = {
  NotStarted: { id: 'circle-outline', color: 'disabledForeground' },
  Queued: { id: 'clock', color: 'charts.yellow' },
  Preparing: { id: 'loading~spin', color: 'charts.blue' },
  Running: { id: 'sync~spin', color: 'charts.blue' },
  Finalizing: { id: 'cloud-upload', color: 'charts.blue' },
  Completed: { id: 'pass', color: 'testing.iconPassed' },
  Failed: { id: 'error', color: 'testing.iconFailed' },
  Canceled: { id: 'circle-slash', color: 'disabledForeground' },
};

export function statusIcon(status: JobStatus): TreeIcon {
  return STATUS_ICONS[status];
}

/** `850 ms`, `42 s`, `3 min 5 s`, `2 h 4 min`. */
export function formatDuration(ms: number): string {
  if (ms < 0) ms = 0;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** How long the job ran (or has been running, at `now`); undefined before it started. */
export function jobDuration(job: Pick<JobSummary, 'startedAt' | 'endedAt' | 'status'>, now: number): number | undefined {
  if (!job.startedAt) return undefined;
  const end = job.endedAt ? Date.parse(job.endedAt) : isTerminal(job.status) ? undefined : now;
  return end === undefined ? undefined : end - Date.parse(job.startedAt);
}

/** The job row's description: status, "Reused" for a pipeline step that reused an earlier job's outputs, then the duration or the queue reason. */
export function jobDescription(job: JobSummary, now: number): string {
  const duration = jobDuration(job, now);
  const parts: string[] = [job.status];
  if (job.reusedFrom) parts.push('Reused');
  if (duration !== undefined) parts.push(formatDuration(duration));
  if (job.status === 'Queued' && job.reason) parts.push(job.reason);
  return parts.join(' · ');
}

export function jobTooltip(job: JobSummary, now: number): string {
  const lines = [`${job.displayName ?? job.name} (${job.name})`, `Status: ${job.status}${job.reason ? ` — ${job.reason}` : ''}`, `Experiment: ${job.experiment}`, `Compute: ${job.compute}`, `Created: ${job.createdAt}`];
  const duration = jobDuration(job, now);
  if (duration !== undefined) lines.push(`Duration: ${formatDuration(duration)}`);
  if (job.exitCode !== undefined) lines.push(`Exit code: ${job.exitCode}`);
  return lines.join('\n');
}

/**
 * The job's menu state: `job;status=<s>;active|terminal[;outputs][;job-pipeline|;job-sweep]`, matched by the
 * `view/item/context` regexes (steps and trials add `;child`).
 */
export function jobContextValue(job: Pick<JobSummary, 'status'> & Partial<Pick<JobSummary, 'type'>>): string {
  const parts = ['job', `status=${job.status}`, isTerminal(job.status) ? 'terminal' : 'active'];
  if (job.status === 'Completed' || job.status === 'Failed') parts.push('outputs');
  if (job.type === 'pipeline' || job.type === 'sweep') parts.push(`job-${job.type}`);
  return parts.join(';');
}
