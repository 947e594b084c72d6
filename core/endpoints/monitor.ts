import http from 'node:http';
import { LOG_TAIL_LINES, type DeploymentContainers } from './containers';
import type { DeploymentInstance, DeploymentRow, EndpointRecords } from './records';

interface Liveness {
  lastProbeAt: number;
  failures: number;
}

/**
 * Watches the containers of serving deployments: one that crashed (and was restarted by the engine), vanished or
 * failed its liveness probe `failure_threshold` times in a row (and is then restarted) makes its deployment
 * Unhealthy, with its last log lines; a port the engine changed on a restart is followed.
 */
export class DeploymentMonitor {
  private readonly liveness = new Map<string, Liveness>();
  private checking = false;

  constructor(private readonly records: EndpointRecords, private readonly containers: DeploymentContainers, private readonly changed: (endpoint: string) => void, private readonly closed: () => boolean) {}

  async check(): Promise<void> {
    if (this.checking || this.closed()) return;
    this.checking = true;
    try {
      for (const row of this.records.deployments()) if (row.state === 'Succeeded' && !this.closed()) await this.checkDeployment(row);
    } catch {
      // The engine may be away for a moment; the next check looks again.
    } finally {
      this.checking = false;
    }
  }

  private async checkDeployment(row: DeploymentRow): Promise<void> {
    let portsChanged = false;
    const problems: string[] = [];
    const instances: DeploymentInstance[] = [];
    for (const instance of row.instances) {
      const id = instance.container.slice(0, 12);
      const state = await this.containers.state(instance.container);
      if (!state) problems.push(`container ${id} is gone`);
      else if (state.restartCount > 0 || !state.running) problems.push(`container ${id} ${state.running ? `crashed and was restarted ${state.restartCount} time(s)` : `exited with code ${state.exitCode}`}; its last log lines:\n${await this.containers.logs(instance.container, LOG_TAIL_LINES)}`);
      else if (state.port && (await this.livenessFailed(row, instance.container, state.port))) {
        problems.push(`container ${id} failed its liveness probe ${row.plan.liveness.failureThreshold} time(s) in a row and was restarted; its last log lines:\n${await this.containers.logs(instance.container, LOG_TAIL_LINES)}`);
        await this.containers.restart(instance.container);
      }
      if (state?.port && state.port !== instance.port) portsChanged = true;
      instances.push(state?.port ? { ...instance, port: state.port } : instance);
    }
    if (this.closed()) return;
    const current = this.records.deployment(row.endpoint, row.name);
    if (!current || current.generation !== row.generation || current.state !== 'Succeeded') return;
    const reason = problems.join('\n') || undefined;
    if (portsChanged || (reason && (current.health !== 'Unhealthy' || reason !== current.reason))) {
      this.records.saveDeployment({ ...current, instances, ...(reason ? { health: 'Unhealthy', reason } : {}), updatedAt: new Date().toISOString() });
      this.changed(row.endpoint);
    }
  }

  /** Probes `GET /` once per `period`; true once `failure_threshold` probes in a row failed (the count starts again). */
  private async livenessFailed(row: DeploymentRow, container: string, port: number): Promise<boolean> {
    const probe = row.plan.liveness;
    const entry = this.liveness.get(container) ?? { lastProbeAt: Date.now() + (probe.initialDelayS - probe.periodS) * 1000, failures: 0 };
    this.liveness.set(container, entry);
    if (Date.now() - entry.lastProbeAt < probe.periodS * 1000) return false;
    entry.lastProbeAt = Date.now();
    entry.failures = (await alive(port, probe.timeoutS * 1000)) ? 0 : entry.failures + 1;
    if (entry.failures < probe.failureThreshold) return false;
    entry.failures = 0;
    return true;
  }
}

function alive(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/', timeout: timeoutMs, agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}
