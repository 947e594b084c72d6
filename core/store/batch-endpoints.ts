import type { Store } from './database';

export interface BatchEndpointRow {
  name: string;
  spec: string;
  source_path: string | null;
  default_deployment: string | null;
  created_at: number;
  updated_at: number;
}

export interface BatchDeploymentRow {
  endpoint: string;
  name: string;
  spec: string;
  source_path: string;
  snapshot_hash: string | null;
  created_at: number;
  updated_at: number;
}

/** Batch endpoints and their deployments: unversioned, a changed spec updates the record in place. */
export class BatchEndpointRepository {
  constructor(private readonly store: Store) {}

  endpoint(name: string): BatchEndpointRow | undefined {
    return this.store.get<BatchEndpointRow>('SELECT * FROM batch_endpoints WHERE name = ?', [name]);
  }

  endpoints(): BatchEndpointRow[] {
    return this.store.all<BatchEndpointRow>('SELECT * FROM batch_endpoints ORDER BY name');
  }

  /** Creates or updates an endpoint; `defaultDeployment` undefined keeps the stored default. Answers whether it was new. */
  saveEndpoint(endpoint: { name: string; spec: Record<string, unknown>; sourcePath: string; defaultDeployment?: string }): boolean {
    const now = Date.now();
    const existing = this.endpoint(endpoint.name);
    const defaultDeployment = endpoint.defaultDeployment ?? existing?.default_deployment ?? null;
    if (existing) {
      this.store.run('UPDATE batch_endpoints SET spec = ?, source_path = ?, default_deployment = ?, updated_at = ? WHERE name = ?', [JSON.stringify(endpoint.spec), endpoint.sourcePath, defaultDeployment, now, endpoint.name]);
      return false;
    }
    this.store.run('INSERT INTO batch_endpoints (name, spec, source_path, default_deployment, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)', [endpoint.name, JSON.stringify(endpoint.spec), endpoint.sourcePath, defaultDeployment, now, now]);
    return true;
  }

  setDefault(endpoint: string, deployment: string | null): void {
    this.store.run('UPDATE batch_endpoints SET default_deployment = ?, updated_at = ? WHERE name = ?', [deployment, Date.now(), endpoint]);
  }

  /** Deletes the endpoint with its deployments; answers whether it existed. */
  deleteEndpoint(name: string): boolean {
    return this.store.transaction(() => {
      this.store.run('DELETE FROM batch_deployments WHERE endpoint = ?', [name]);
      this.store.run('DELETE FROM batch_invocations WHERE endpoint = ?', [name]);
      return this.store.run('DELETE FROM batch_endpoints WHERE name = ?', [name]).changes > 0;
    });
  }

  deployment(endpoint: string, name: string): BatchDeploymentRow | undefined {
    return this.store.get<BatchDeploymentRow>('SELECT * FROM batch_deployments WHERE endpoint = ? AND name = ?', [endpoint, name]);
  }

  deployments(endpoint: string): BatchDeploymentRow[] {
    return this.store.all<BatchDeploymentRow>('SELECT * FROM batch_deployments WHERE endpoint = ? ORDER BY name', [endpoint]);
  }

  /** Creates or updates a deployment; answers whether it was new. */
  saveDeployment(deployment: { endpoint: string; name: string; spec: Record<string, unknown>; sourcePath: string; snapshotHash?: string }): boolean {
    const now = Date.now();
    const values = [JSON.stringify(deployment.spec), deployment.sourcePath, deployment.snapshotHash ?? null];
    if (this.deployment(deployment.endpoint, deployment.name)) {
      this.store.run('UPDATE batch_deployments SET spec = ?, source_path = ?, snapshot_hash = ?, updated_at = ? WHERE endpoint = ? AND name = ?', [...values, now, deployment.endpoint, deployment.name]);
      return false;
    }
    this.store.run('INSERT INTO batch_deployments (spec, source_path, snapshot_hash, endpoint, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [...values, deployment.endpoint, deployment.name, now, now]);
    return true;
  }

  deleteDeployment(endpoint: string, name: string): boolean {
    return this.store.run('DELETE FROM batch_deployments WHERE endpoint = ? AND name = ?', [endpoint, name]).changes > 0;
  }

  /** Records that an invocation of `endpoint`/`deployment` started `job`. */
  recordInvocation(job: string, endpoint: string, deployment: string): void {
    this.store.run('INSERT INTO batch_invocations (job, endpoint, deployment, created_at) VALUES (?, ?, ?, ?)', [job, endpoint, deployment, Date.now()]);
  }

  /** The jobs invocations of the endpoint (of one of its deployments) started, newest first. */
  invocations(endpoint: string, deployment?: string): string[] {
    const rows = deployment === undefined
      ? this.store.all<{ job: string }>('SELECT job FROM batch_invocations WHERE endpoint = ? ORDER BY rowid DESC', [endpoint])
      : this.store.all<{ job: string }>('SELECT job FROM batch_invocations WHERE endpoint = ? AND deployment = ? ORDER BY rowid DESC', [endpoint, deployment]);
    return rows.map((row) => row.job);
  }
}
