import http from 'node:http';
import { LOG_TAIL_LINES, type DeploymentContainers, type InstanceState } from './containers';
import type { ProbeSettings } from './deployment-plan';
import type { DeploymentInstance, DeploymentRow, EndpointRecords } from './records';

interface Watch {
  /** Restarts by the engine already reported. */
  restartsSeen: number;
  nextProbeAt: number;
  livenessFailures: number;
  /** Why the container counts as failing (with its log lines then), until its liveness and readiness probes pass. */
  failure?: string;
}

/**
 * Watches the containers of serving deployments and makes each deployment's health follow them: one that crashed
 * (and was restarted by the engine), vanished or failed its liveness probe `failure_threshold` times in a row (and is
 * then restarted) makes its deployment Unhealthy, with its last log lines; once every container answers its liveness
 * and readiness probes again, the deployment is Healthy again. A port or address the engine changed on a restart is
 * followed.
 */
export class DeploymentMonitor {
  private readonly watches = new Map<string, Watch>();
  private checking = false;

  constructor(private readonly records: EndpointRecords, private readonly containers: DeploymentContainers, private readonly changed: (endpoint: string) => void, private readonly closed: () => boolean) {}

  async check(): Promise<void> {
    if (this.checking || this.closed()) return;
    this.checking = true;
    try {
      const rows = this.records.deployments().filter((row) => row.state === 'Succeeded');
      const watched = new Set(rows.flatMap((row) => row.instances.map((instance) => instance.container)));
      for (const container of this.watches.keys()) if (!watched.has(container)) this.watches.delete(container);
      for (const row of rows) if (!this.closed()) await this.checkDeployment(row);
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
      const { failure, state } = await this.checkInstance(row, instance);
      if (failure) problems.push(failure);
      const moved = { ...instance, ...(state?.port ? { port: state.port } : {}), ...(instance.address && state?.address ? { address: state.address } : {}) };
      if (moved.port !== instance.port || moved.address !== instance.address) portsChanged = true;
      instances.push(moved);
    }
    if (this.closed()) return;
    const current = this.records.deployment(row.endpoint, row.name);
    if (!current || current.generation !== row.generation || current.state !== 'Succeeded') return;
    const reason = problems.join('\n') || undefined;
    const health = reason ? 'Unhealthy' : 'Healthy';
    if (!portsChanged && health === current.health && reason === current.reason) return;
    const { reason: _previous, ...rest } = current;
    this.records.saveDeployment({ ...rest, instances, health, ...(reason ? { reason } : {}), updatedAt: new Date().toISOString() });
    this.changed(row.endpoint);
  }

  /** The container's failure while it lasts (undefined once its probes pass again), and its state. */
  private async checkInstance(row: DeploymentRow, instance: DeploymentInstance): Promise<{ failure?: string; state?: InstanceState }> {
    const id = instance.container.slice(0, 12);
    const probe = row.plan.liveness;
    const state = await this.containers.state(instance.container);
    if (!state) return { failure: `container ${id} is gone` };
    const watch = this.watches.get(instance.container) ?? { restartsSeen: 0, nextProbeAt: afterStart(probe), livenessFailures: 0 };
    this.watches.set(instance.container, watch);
    const restarted = state.restartCount > watch.restartsSeen || state.restarting;
    if (restarted || !state.running) {
      const what = restarted ? `crashed and was restarted ${state.restartCount} time(s)` : `exited with code ${state.exitCode}`;
      if (!watch.failure?.startsWith(`container ${id} ${what};`)) watch.failure = `container ${id} ${what}; its last log lines:\n${await this.containers.logs(instance.container, LOG_TAIL_LINES)}`;
      watch.restartsSeen = state.restartCount;
      // Probed again once the restarted process had its initial delay.
      Object.assign(watch, { nextProbeAt: afterStart(probe), livenessFailures: 0 });
      return { failure: watch.failure, state };
    }
    if (!state.port || Date.now() < watch.nextProbeAt) return { ...(watch.failure ? { failure: watch.failure } : {}), state };
    watch.nextProbeAt = Date.now() + probe.periodS * 1000;
    if (await answers(state.port, '/', probe.timeoutS * 1000)) {
      watch.livenessFailures = 0;
      if (watch.failure && (await answers(state.port, '/ready', row.plan.readiness.timeoutS * 1000))) delete watch.failure;
    } else if (++watch.livenessFailures >= probe.failureThreshold) {
      watch.failure = `container ${id} failed its liveness probe ${probe.failureThreshold} time(s) in a row and was restarted; its last log lines:\n${await this.containers.logs(instance.container, LOG_TAIL_LINES)}`;
      await this.containers.restart(instance.container);
      Object.assign(watch, { nextProbeAt: afterStart(probe), livenessFailures: 0 });
    }
    return { ...(watch.failure ? { failure: watch.failure } : {}), state };
  }
}

/** When a container (re)started now gets its first liveness probe. */
function afterStart(probe: ProbeSettings): number {
  return Date.now() + probe.initialDelayS * 1000;
}

function answers(port: number, path: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path, timeout: timeoutMs, agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}
