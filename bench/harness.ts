// What the control-plane benchmarks share: medians, a daemon on a fresh workspace, and the printed table.
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { ApiClient } from '../core/api/client';
import { readServeInfo } from '../core/api/connect';

export const repo = path.resolve(__dirname, '..');

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const ms = (value: number) => `${value.toFixed(value < 10 ? 1 : 0)} ms`;

export function argument(name: string, fallback: number): number {
  const prefix = `--${name}=`;
  return Number(process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length) ?? fallback);
}

/** Starts the built daemon (`out/daemon.js`) on `root` and resolves once it answers; `stop` resolves once it exited. */
export async function startDaemon(root: string): Promise<{ client: ApiClient; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [path.join(repo, 'out/daemon.js'), '--workspace', root, '--idle-timeout', '0'], { stdio: 'ignore' });
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    const info = readServeInfo(root);
    if (info && info.pid === child.pid) return { client: new ApiClient(info.port, info.token), stop: () => stopProcess(child) };
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  return exited;
}

/** Prints a benchmark's heading and its rows as a Markdown table. */
export function printTable(title: string, runs: number, rows: string[][]): void {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  console.log(`${title} — ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, medians of ${runs}`);
  for (const row of rows) console.log(`| ${row.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`);
}
