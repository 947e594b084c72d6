import type { Command } from 'commander';
import type { ApiClient } from '../../core/api/client';
import { table } from '../format';
import { runClientCommand, withClient, workspaceRoot, type WorkspaceOption } from '../connection';
import { nameOf, withNameArgument } from '../options';
import { runSummary } from './job-show';

export interface MetricRow {
  key: string;
  step: number;
  value: number | string;
  timestamp: number;
}

const PAGE = 25_000;

export function registerJobMetrics(job: Command): void {
  withNameArgument(job.command('metrics').description("print a job's logged metrics (every point of each key, by step)"), 'job')
    .option('--key <key>', 'only this metric')
    .option('--format <format>', 'table, csv or json', 'table')
    .option('--workspace <folder>', 'workspace folder')
    .action((positional: string | undefined, options: WorkspaceOption & { name?: string; key?: string; format: string }) => {
      const name = nameOf(positional, options.name, 'job');
      return options.format === 'table' || options.format === 'csv' || options.format === 'json'
        ? withClient(workspaceRoot(options), async (client) => {
            const run = await runSummary(client, name);
            if (!run) throw new Error(`job ${name} has no tracking run`);
            const keys = options.key ? [options.key] : run.metrics.map((m) => m.key);
            if (options.key && !run.metrics.some((m) => m.key === options.key)) throw new Error(`job ${name} logged no metric ${options.key} (it has ${run.metrics.map((m) => m.key).join(', ') || 'none'})`);
            const rows: MetricRow[] = [];
            for (const key of keys) rows.push(...(await metricHistory(client, name, key)));
            process.stdout.write(formatMetrics(rows, options.format as 'table' | 'csv' | 'json'));
          })
        : runClientCommand(async () => {
            throw new Error(`--format must be table, csv or json, not ${options.format}`);
          });
    });
}

/** Every point of one key, following the API's pages. */
export async function metricHistory(client: ApiClient, job: string, key: string): Promise<MetricRow[]> {
  const rows: MetricRow[] = [];
  let token: string | undefined;
  do {
    const page = await client.tracking.metricHistory(job, key, { maxResults: PAGE, pageToken: token });
    rows.push(...(page.metrics ?? []).map((m) => ({ key: m.key, step: m.step, value: m.value, timestamp: m.timestamp })));
    token = page.next_page_token;
  } while (token);
  return rows;
}

export function formatMetrics(rows: MetricRow[], format: 'table' | 'csv' | 'json'): string {
  if (format === 'json') return JSON.stringify(rows, null, 2) + '\n';
  if (format === 'csv') return ['key,step,value,timestamp', ...rows.map((r) => `${csvField(r.key)},${r.step},${r.value},${r.timestamp}`)].join('\n') + '\n';
  return table([['KEY', 'STEP', 'VALUE', 'TIME'], ...rows.map((r) => [r.key, String(r.step), String(r.value), new Date(r.timestamp).toISOString()])]);
}

function csvField(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
