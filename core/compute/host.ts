import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { reportExit, type ComputeDriver, type ReattachPlan, type RunExit, type RunHandle, type RunPlan } from './driver';

const EXIT_FILE = 'exit-code';
const PID_FILE = 'pid';
/** The process's start time (clock ticks after boot): a pid reused by another process has another one. */
const PID_START_FILE = 'pid-start';
/** How often a re-attached run (no child handle after a daemon restart) is checked for its exit. */
const REATTACHED_POLL_MS = 200;

/**
 * The embedded default compute: the command runs as a host process in its own process group, detached from the
 * daemon so it survives a daemon restart. A wrapper shell records the exit code in the run's state folder, which
 * is how a new daemon learns how a run it did not start ended.
 */
export class HostProcessDriver implements ComputeDriver {
  readonly kind = 'local' as const;
  readonly containerized = false;
  readonly runsInstances = false;

  constructor(private readonly options: { stopGraceMs?: number; baseEnv?: NodeJS.ProcessEnv } = {}) {}

  async ping(): Promise<void> {}

  async start(plan: RunPlan): Promise<RunHandle> {
    fs.mkdirSync(plan.stateDir, { recursive: true });
    fs.mkdirSync(path.dirname(plan.logFile), { recursive: true });
    const exitFile = path.join(plan.stateDir, EXIT_FILE);
    fs.rmSync(exitFile, { force: true });
    const log = fs.openSync(plan.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn('/bin/sh', ['-c', '/bin/sh -c "$1"; code=$?; echo $code > "$2.tmp" && mv "$2.tmp" "$2"', 'mlw-run', plan.command, exitFile], {
        cwd: plan.workingDir,
        env: { ...runEnvironment(this.options.baseEnv ?? process.env), ...plan.env },
        detached: true,
        stdio: ['ignore', log, log],
      });
      await Promise.race([once(child, 'spawn'), once(child, 'error').then(([error]) => Promise.reject(error))]);
    } finally {
      fs.closeSync(log);
    }
    child.unref();
    const pid = child.pid!;
    fs.writeFileSync(path.join(plan.stateDir, PID_FILE), String(pid));
    fs.writeFileSync(path.join(plan.stateDir, PID_START_FILE), processStart(pid));
    const exited = new Promise<RunExit>((resolve) => {
      child.once('exit', (code, signal) => resolve(reported(plan, readExit(exitFile) ?? { exitCode: code ?? 128 + signalNumber(signal), reason: signal ? `killed by ${signal}` : undefined })));
    });
    return new HostRun(pid, exited, this.options.stopGraceMs ?? 10_000);
  }

  async reattach(_runId: string, ref: string, plan: ReattachPlan): Promise<RunHandle | undefined> {
    const exitFile = path.join(plan.stateDir, EXIT_FILE);
    const pid = Number(ref || readText(path.join(plan.stateDir, PID_FILE)));
    const finished = readExit(exitFile);
    if (finished) return new HostRun(pid, Promise.resolve(reported(plan, finished)), 0);
    if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
    const recordedStart = readText(path.join(plan.stateDir, PID_START_FILE));
    if (recordedStart && recordedStart !== processStart(pid)) return undefined;
    const exited = new Promise<RunExit>((resolve) => {
      const timer = setInterval(() => {
        const exit = readExit(exitFile);
        if (exit) return clearInterval(timer), resolve(reported(plan, exit));
        if (!isAlive(pid)) {
          clearInterval(timer);
          resolve(reported(plan, readExit(exitFile) ?? { exitCode: 137, reason: `the process ${pid} ended without recording an exit code (killed from outside)` }));
        }
      }, REATTACHED_POLL_MS);
    });
    return new HostRun(pid, exited, this.options.stopGraceMs ?? 10_000);
  }
}

class HostRun implements RunHandle {
  readonly ref: string;

  constructor(private readonly pid: number, readonly exited: Promise<RunExit>, private readonly graceMs: number) {
    this.ref = String(pid);
  }

  async stop(): Promise<void> {
    let done = false;
    void this.exited.then(() => (done = true));
    signalGroup(this.pid, 'SIGTERM');
    const timer = setTimeout(() => done || signalGroup(this.pid, 'SIGKILL'), this.graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** The daemon's environment minus its own secrets, so a job sees the user's usual PATH, HOME and locale. */
function runEnvironment(base: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) if (value !== undefined && !key.startsWith('MLW_')) env[key] = value;
  return env;
}

function reported(plan: ReattachPlan, exit: RunExit): RunExit {
  reportExit(plan.onExit, exit);
  return exit;
}

function readExit(file: string): RunExit | undefined {
  const text = readText(file);
  return /^\d+$/.test(text) ? { exitCode: Number(text) } : undefined;
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !isZombie(pid);
  } catch {
    return false;
  }
}

function processStart(pid: number): string {
  try {
    // Fields after the command name (which may hold spaces), from the 3rd on: starttime is the 22nd.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

function isZombie(pid: number): boolean {
  try {
    return /\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : signal === 'SIGINT' ? 2 : 0;
}
