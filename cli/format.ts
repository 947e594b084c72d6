import type { AssetSummary, JobEvent, JobSummary } from '../core/vocabulary';
import type { ComputeNode } from '../core/api/contracts';

/** One event as the CLI prints it: status lines stand out, logs are printed as the job wrote them. */
export function formatEvent(event: JobEvent): string {
  switch (event.type) {
    case 'status':
      return `[${event.time}] ${event.status}${event.reason ? `: ${event.reason}` : ''}\n`;
    case 'log':
      return event.text.endsWith('\n') ? event.text : event.text + '\n';
    case 'metric':
      return `step ${event.step}  ${event.key}=${event.value}\n`;
    case 'asset':
      return `${event.change} ${event.kind} ${event.name}${event.version ? `:${event.version}` : ''}\n`;
    case 'endpoint':
      return `${event.deployment ? `deployment ${event.deployment} of ` : ''}endpoint ${event.endpoint}: ${event.state}\n`;
  }
}

/**
 * Prints a job's events as they come, with the metric points of one step on one line
 * (`step 120  loss=0.231  acc=0.91`): points of a step arrive together, so a line is written when the next step,
 * another event, or `flush()` comes. `prefixOf` gives the text each line of a job's events starts with (a pipeline's
 * stream carries its steps' events: `[train] `).
 */
export class EventPrinter {
  private step: number | undefined;
  private job = '';
  private metrics: string[] = [];

  constructor(private readonly write: (text: string) => void, private readonly prefixOf: (job: string) => string = () => '') {}

  print(event: JobEvent): void {
    if (event.type === 'metric') {
      if (event.step !== this.step || event.job !== this.job) this.flush();
      this.step = event.step;
      this.job = event.job;
      this.metrics.push(`${event.key}=${event.value}`);
      return;
    }
    this.flush();
    this.write(prefixLines(formatEvent(event), this.prefixOf(event.job)));
  }

  flush(): void {
    if (this.metrics.length) this.write(prefixLines(`step ${this.step}  ${this.metrics.join('  ')}\n`, this.prefixOf(this.job)));
    this.step = undefined;
    this.metrics = [];
  }
}

/** `prefix` before each line of `text` (which ends with a line break). */
function prefixLines(text: string, prefix: string): string {
  return prefix ? text.slice(0, -1).split('\n').map((line) => prefix + line).join('\n') + '\n' : text;
}

/** Fixed-width columns for list commands. */
export function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ').trimEnd()).join('\n') + '\n';
}

export function jobRows(jobs: JobSummary[]): string[][] {
  return [['NAME', 'STATUS', 'COMPUTE', 'EXPERIMENT', 'CREATED'], ...jobs.map((j) => [j.name, j.status, j.compute, j.experiment, j.createdAt])];
}

/** The steps or trials of a pipeline or sweep job (`job list --parent`). */
export function childJobRows(jobs: JobSummary[]): string[][] {
  return [['STEP', 'NAME', 'STATUS', 'COMPUTE', 'CREATED'], ...jobs.map((j) => [j.step ?? '-', j.name, j.reusedFrom ? 'Reused' : j.status, j.compute, j.createdAt])];
}

export function assetRows(assets: AssetSummary[]): string[][] {
  return [['KIND', 'NAME', 'VERSION', 'CREATED', 'SOURCE'], ...assets.map((a) => [a.kind, a.name, a.version || '-', a.createdAt, a.sourcePath ?? (a.job ? `job ${a.job}` : '')])];
}

/** A Swarm compute's nodes under `mlw compute show`: one row each, its running mlw tasks by job name. */
export function nodesTable(nodes: ComputeNode[]): string {
  const rows = nodes.map((n) => [n.hostname, n.state, n.availability, n.leader ? 'manager (leader)' : n.role, String(n.tasks.length), n.tasks.map((t) => (t.state === 'running' ? t.job : `${t.job} (${t.state})`)).join(', ')]);
  const lines = table([['HOSTNAME', 'STATE', 'AVAILABILITY', 'ROLE', 'TASKS', 'JOBS'], ...rows]).trimEnd().split('\n');
  return `nodes: ${nodes.length}\n${lines.map((line) => `  ${line}\n`).join('')}`;
}
