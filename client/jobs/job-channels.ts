import * as vscode from 'vscode';
import type { JobEvent, JobStatus } from '../../core/vocabulary';
import { isTerminal } from '../../core/vocabulary';
import { StepLabels } from '../../core/api/step-labels';
import { hasChildJobs } from '../trees/jobs-model';
import type { Config } from '../config';
import type { ControlPlaneConnection } from '../control-plane/connection';
import { completionMessage, jobLogLines } from './job-log-lines';

const FOLLOWED_KEY = 'mlw.jobs.followed';
const MAX_CHANNELS = 20;

interface FollowedJob {
  channel: vscode.LogOutputChannel;
  /** The last event written; a reconnect resumes after it. */
  lastSeq: number;
  status?: JobStatus;
  abort?: AbortController;
  /** Whether its end is announced (jobs submitted or resumed here, not old jobs whose log is opened). */
  announce: boolean;
  progress?: () => void;
  /** A pipeline or a sweep: its stream carries its steps' or trials' events too (known once fetched). */
  hasChildren?: boolean;
}

/**
 * One `LogOutputChannel` per job, fed from the job's event stream: lifecycle lines, the job's output, metric lines.
 * A dropped stream resumes after the last written event (no gap, no repeat); active jobs are remembered in the
 * workspace state, so after a window reload their channels are rebuilt from the start and followed again.
 */
export class JobChannels implements vscode.Disposable {
  private readonly jobs = new Map<string, FollowedJob>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly connection: ControlPlaneConnection,
    private readonly state: vscode.Memento,
    private readonly config: Config,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions.push(
      connection.onDidChangeState((s) => {
        if (s.kind === 'connected') for (const [name, job] of this.jobs) if (!job.abort && !isTerminal(job.status ?? 'Queued')) this.follow(name, job);
      }),
    );
  }

  /** Jobs that were active when the window closed: follow them again (their end is still announced). */
  resume(): void {
    const names = this.state.get<string[]>(FOLLOWED_KEY, []);
    if (names.length === 0) return;
    this.log.info(`resuming the output of ${names.join(', ')}`);
    for (const name of names) this.open(name, { announce: true });
  }

  /** Opens (or reveals) the job's channel and follows the job. */
  show(name: string, options: { announce?: boolean; preserveFocus?: boolean } = {}): vscode.LogOutputChannel {
    const job = this.open(name, { announce: options.announce ?? false });
    job.channel.show(options.preserveFocus ?? true);
    return job.channel;
  }

  channelName(name: string): string {
    return `mlw job ${name}`;
  }

  private open(name: string, options: { announce: boolean }): FollowedJob {
    let job = this.jobs.get(name);
    if (job) {
      job.announce ||= options.announce;
      return job;
    }
    this.evictOldest();
    job = { channel: vscode.window.createOutputChannel(this.channelName(name), { log: true }), lastSeq: 0, announce: options.announce };
    this.jobs.set(name, job);
    this.follow(name, job);
    return job;
  }

  private follow(name: string, job: FollowedJob): void {
    const abort = (job.abort = new AbortController());
    let written = Promise.resolve();
    void (async () => {
      try {
        const api = await this.connection.client();
        job.hasChildren ??= hasChildJobs(await api.jobs.get(name));
        if (!job.hasChildren) return await api.jobs.events(name, (event) => this.write(name, job, event), { after: job.lastSeq, signal: abort.signal });
        // A pipeline's or sweep's channel also shows its steps' or trials' lines, each after `[<step>] `; they
        // wait (in order) until the step's name is known.
        const labels = new StepLabels(api, name);
        await api.jobs.events(
          name,
          (event) => void (written = written.then(() => labels.learn(event.job)).then(() => this.write(name, job, event, labels.of(event.job)))),
          { after: job.lastSeq, signal: abort.signal, children: true },
        );
      } catch (error) {
        if (!abort.signal.aborted) job.channel.warn(`event stream interrupted: ${error instanceof Error ? error.message : String(error)}; resumes when the control plane is back`);
      } finally {
        // what was received is written before a reconnect resumes after it
        await written.catch(() => undefined);
        if (job.abort === abort) job.abort = undefined;
      }
    })();
  }

  private write(name: string, job: FollowedJob, event: JobEvent, label = name): void {
    job.lastSeq = event.seq;
    const prefix = event.job === name ? '' : `[${label}] `;
    for (const line of jobLogLines(event)) job.channel[line.level](prefix + line.text);
    if (event.type !== 'status' || event.job !== name) return;
    job.status = event.status;
    this.trackProgress(name, job, event.status);
    if (isTerminal(event.status)) {
      void this.remember();
      if (job.announce) void this.announce(name, event.status, event.reason);
      job.announce = false;
    } else if (job.announce) {
      void this.remember();
    }
  }

  /** A window progress while the job waits or prepares its environment (image build, data staging). */
  private trackProgress(name: string, job: FollowedJob, status: JobStatus): void {
    const waiting = status === 'Queued' || status === 'Preparing';
    if (!waiting) {
      job.progress?.();
      job.progress = undefined;
      return;
    }
    if (job.progress) return;
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `mlw: ${name}` }, (progress) => {
      progress.report({ message: status === 'Queued' ? 'queued' : 'preparing the environment' });
      return new Promise<void>((resolve) => (job.progress = resolve));
    });
  }

  private async announce(name: string, status: JobStatus, reason?: string): Promise<void> {
    if (!this.config.notifyOnCompletion) return;
    const message = completionMessage(name, status, reason);
    const actions = ['Show Logs', 'Show Metrics'];
    const choice = await (status === 'Completed' ? vscode.window.showInformationMessage(message, ...actions) : vscode.window.showErrorMessage(message, ...actions));
    if (choice === 'Show Logs') this.show(name, { preserveFocus: false });
    if (choice === 'Show Metrics') await vscode.commands.executeCommand('mlw.job.showMetrics', name);
  }

  /** Persists the announced, still active jobs for the next window. */
  private remember(): Thenable<void> {
    const active = [...this.jobs].filter(([, job]) => job.announce && !isTerminal(job.status ?? 'Queued')).map(([name]) => name);
    return this.state.update(FOLLOWED_KEY, active);
  }

  private evictOldest(): void {
    if (this.jobs.size < MAX_CHANNELS) return;
    const oldest = [...this.jobs].find(([, job]) => isTerminal(job.status ?? 'Queued'));
    if (!oldest) return;
    oldest[1].channel.dispose();
    this.jobs.delete(oldest[0]);
  }

  dispose(): void {
    for (const job of this.jobs.values()) {
      job.abort?.abort();
      job.progress?.();
      job.channel.dispose();
    }
    this.subscriptions.forEach((s) => s.dispose());
  }
}
