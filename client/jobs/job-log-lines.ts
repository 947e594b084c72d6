import type { JobEvent } from '../../core/vocabulary';

export type LogLevel = 'info' | 'warn' | 'error' | 'trace';

export interface JobLogLine {
  level: LogLevel;
  text: string;
}

/**
 * How a job event reads in the job's output channel (the channel adds the local timestamp and level).
 * Lifecycle lines start with `▶`, metric lines with `metric`; the job's own output is shown as written, line by
 * line (a log event may carry several lines or a partial one).
 */
export function jobLogLines(event: JobEvent): JobLogLine[] {
  switch (event.type) {
    case 'status': {
      const level: LogLevel = event.status === 'Failed' ? 'error' : event.status === 'Canceled' ? 'warn' : 'info';
      return [{ level, text: `▶ ${event.status}${event.reason ? ` — ${event.reason}` : ''} (at ${event.time})` }];
    }
    case 'log':
      return event.text
        .replace(/\r?\n$/, '')
        .split(/\r?\n/)
        .map((text) => ({ level: 'info' as const, text }));
    case 'metric':
      return [{ level: 'info', text: `metric ${event.key}=${formatMetricValue(event.value)} step=${event.step}` }];
    case 'asset':
    case 'endpoint':
      return [];
  }
}

export function formatMetricValue(value: number): string {
  if (Number.isInteger(value)) return String(value);
  const magnitude = Math.abs(value);
  return magnitude !== 0 && (magnitude < 1e-4 || magnitude >= 1e9) ? value.toExponential(6) : String(Number(value.toPrecision(10)));
}

/** The notification text when a job ends. */
export function completionMessage(job: string, status: string, reason?: string): string {
  switch (status) {
    case 'Completed':
      return `Job ${job} completed.`;
    case 'Canceled':
      return `Job ${job} was canceled${reason ? `: ${reason}` : '.'}`;
    default:
      return `Job ${job} failed${reason ? `: ${reason}` : '.'}`;
  }
}
