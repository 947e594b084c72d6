import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { ApiClient, ApiError, ApiTransport } from '../../core/api/client';
import { formatFinding, type JobEvent, type JobStatus, type JobSummary } from '../../core/vocabulary';
import { startDaemon, type RunningDaemon } from '../../daemon/start-daemon';
import { tempDir, writeTree } from './temp';

export const COMMAND_SCHEMA = '$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json';

/** A workspace folder with the given files, removed after the test. */
export async function workspace(t: TestContext, files: Record<string, string> = {}): Promise<string> {
  const root = await tempDir(t, 'mlw-ws-');
  fs.mkdirSync(path.join(root, '.mlw'));
  await writeTree(root, files);
  return root;
}

/** A command job spec as YAML text. */
export function commandJob(command: string, extra = ''): string {
  return `${COMMAND_SCHEMA}\ntype: command\ncommand: ${JSON.stringify(command)}\nenvironment:\n  image: localtest/python:3-bookworm\ncompute: azureml:local\n${extra}`;
}

export interface Plane {
  daemon: RunningDaemon;
  client: ApiClient;
  /** The same daemon's HTTP surface, for requests no client sends (other routes, malformed paths). */
  http: ApiTransport;
  root: string;
  submit(file: string, set?: string[]): Promise<JobSummary>;
  /** Every event of the job until its terminal status (the stream ends there). */
  events(job: string, after?: number): Promise<JobEvent[]>;
  finalStatus(job: string): Promise<JobStatus>;
}

/** A real daemon (HTTP on loopback, SQLite file) for `root`, stopped after the test; on `port` when given (a free one otherwise). */
export async function startPlane(t: TestContext, root: string, port = 0): Promise<Plane> {
  const daemon = await startDaemon({ root, version: 'test', port });
  const client = new ApiClient(daemon.info.port, daemon.info.token);
  const http = new ApiTransport(daemon.info.port, daemon.info.token);
  t.after(async () => {
    client.close();
    http.close();
    await daemon.stop({ cancelJobs: true });
  });
  const plane: Plane = {
    daemon,
    client,
    http,
    root,
    submit: async (file, set) => (await client.jobs.submit({ path: path.join(root, file), ...(set ? { set } : {}) })).job,
    events: async (job, after = 0) => {
      const events: JobEvent[] = [];
      await client.jobs.events(job, (event) => events.push(event), { after });
      return events;
    },
    finalStatus: async (job) => {
      const events = await plane.events(job);
      const last = events.filter((e) => e.type === 'status').pop();
      if (!last || last.type !== 'status') throw new Error(`no status for ${job}`);
      return last.status;
    },
  };
  return plane;
}

export function statuses(events: JobEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'status' ? [e.status] : []));
}

export function logText(events: JobEvent[]): string {
  return events.flatMap((e) => (e.type === 'log' ? [e.text] : [])).join('');
}

/** The ApiError a request that must be refused is rejected with; fails the test when it is not refused. */
export async function refusal(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ApiError, String(error));
    return error;
  }
  assert.fail('expected the request to be refused');
}

/** A refused spec's findings as the CLI prints them, `file:line:col severity rule message`. */
export function findingLines(error: ApiError): string[] {
  return (error.body.findings ?? []).map(formatFinding);
}
