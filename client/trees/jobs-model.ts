import type { JobSummary } from '../../core/vocabulary';
import { isTerminal } from '../../core/vocabulary';
import { jobContextValue, jobDescription, jobTooltip, statusIcon } from './presenters';
import type { TreeNode } from './tree-node';

/** The Jobs view: one node per experiment (most recent activity first), its jobs newest first; steps and trials nest under their job. */
export function jobsTree(jobs: readonly JobSummary[], now: number): TreeNode[] {
  const byExperiment = new Map<string, JobSummary[]>();
  for (const job of jobs) {
    if (job.parent) continue;
    const group = byExperiment.get(job.experiment);
    if (group) group.push(job);
    else byExperiment.set(job.experiment, [job]);
  }
  const groups = [...byExperiment.entries()].map(([experiment, members]) => {
    members.sort(newestFirst);
    return { experiment, members, latest: members[0]!.createdAt };
  });
  groups.sort((a, b) => (a.latest < b.latest ? 1 : a.latest > b.latest ? -1 : a.experiment.localeCompare(b.experiment)));
  return groups.map(({ experiment, members }) => experimentNode(experiment, members, now));
}

function experimentNode(experiment: string, jobs: JobSummary[], now: number): TreeNode {
  const active = jobs.filter((job) => !isTerminal(job.status)).length;
  return {
    id: `experiment:${experiment}`,
    label: experiment,
    description: active > 0 ? `${jobs.length} jobs · ${active} active` : `${jobs.length} ${jobs.length === 1 ? 'job' : 'jobs'}`,
    icon: { id: 'beaker' },
    contextValue: 'experiment',
    resource: { type: 'experiment', experiment },
    expanded: true,
    children: jobs.map((job) => jobNode(job, now)),
  };
}

export function jobNode(job: JobSummary, now: number): TreeNode {
  return {
    id: `job:${job.name}`,
    label: job.displayName ?? job.name,
    description: jobDescription(job, now),
    tooltip: jobTooltip(job, now),
    icon: statusIcon(job.status),
    contextValue: jobContextValue(job),
    resource: { type: 'job', job: job.name, status: job.status, ...(hasChildJobs(job) ? { jobType: job.type } : {}) },
    command: { command: 'mlw.job.showLogs', title: 'Show Logs', arguments: [job.name] },
    ...(hasChildJobs(job) ? { lazyChildren: true } : {}),
  };
}

/** Pipeline and sweep jobs run their steps and trials as child jobs. */
export function hasChildJobs(job: Pick<JobSummary, 'type'>): boolean {
  return job.type === 'pipeline' || job.type === 'sweep';
}

/**
 * The children of a pipeline (its steps, in the order the control plane lists them) or of a sweep (its trials, by
 * number). `children` may hold other jobs too: only those whose `parent` is `parent.name` are kept.
 */
export function childJobsTree(parent: Pick<JobSummary, 'name' | 'type'>, children: readonly JobSummary[], now: number): TreeNode[] {
  const own = children.filter((child) => child.parent === parent.name);
  if (parent.type === 'sweep') own.sort((a, b) => trialNumber(a) - trialNumber(b) || a.createdAt.localeCompare(b.createdAt));
  return own.map((child) => {
    const node = jobNode(child, now);
    return {
      ...node,
      label: parent.type === 'sweep' ? `trial ${child.step ?? '?'}` : (child.step ?? child.displayName ?? child.name),
      tooltip: child.reusedFrom ? `${node.tooltip}\nReused the outputs of ${child.reusedFrom}` : node.tooltip!,
      contextValue: `${node.contextValue};child`,
    };
  });
}

function trialNumber(job: JobSummary): number {
  const number = Number(job.step);
  return Number.isFinite(number) ? number : Number.MAX_SAFE_INTEGER;
}

function newestFirst(a: JobSummary, b: JobSummary): number {
  return a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : b.name.localeCompare(a.name);
}
