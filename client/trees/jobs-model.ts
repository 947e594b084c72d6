import type { JobSummary } from '../../core/vocabulary';
import { isTerminal } from '../../core/vocabulary';
import { jobContextValue, jobDescription, jobTooltip, statusIcon } from './presenters';
import type { TreeNode } from './tree-node';

/** The Jobs view: one node per experiment (most recent activity first), its jobs newest first. */
export function jobsTree(jobs: readonly JobSummary[], now: number): TreeNode[] {
  const byExperiment = new Map<string, JobSummary[]>();
  for (const job of jobs) {
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
    resource: { type: 'job', job: job.name, status: job.status },
    command: { command: 'mlw.job.showLogs', title: 'Show Logs', arguments: [job.name] },
  };
}

function newestFirst(a: JobSummary, b: JobSummary): number {
  return a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : b.name.localeCompare(a.name);
}
