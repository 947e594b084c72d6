import type { Store } from '../store/database';
import type { DeploymentHealth, EndpointAuthMode, OnlineDeploymentDetail, OnlineEndpointDetail, ProvisioningState } from '../vocabulary';
import type { DeploymentPlan } from './deployment-plan';

export interface EndpointRow {
  name: string;
  spec: Record<string, unknown>;
  specPath?: string;
  authMode: EndpointAuthMode;
  port: number;
  traffic: Record<string, number>;
  mirrorTraffic: Record<string, number>;
  state: ProvisioningState;
  createdAt: string;
  updatedAt: string;
}

export interface DeploymentInstance {
  container: string;
  port: number;
  /** The container's own address when this host reaches it: the router then skips the engine's port forwarding. */
  address?: string;
}

export interface DeploymentRow {
  endpoint: string;
  name: string;
  spec: Record<string, unknown>;
  specPath?: string;
  plan: DeploymentPlan;
  state: ProvisioningState;
  reason?: string;
  health: DeploymentHealth;
  /** Increases with every update: the containers of one generation serve together. */
  generation: number;
  image?: string;
  instances: DeploymentInstance[];
  createdAt: string;
  updatedAt: string;
}

type Raw = Record<string, string | number | null>;

/** The online endpoints and deployments the store keeps (tables `online_endpoints`, `online_deployments`). */
export type EndpointChange = { endpoint: string; deployment?: string; state: ProvisioningState | 'deleted'; health?: DeploymentHealth };

export class EndpointRecords {
  /** `changed`: told of every change once it is stored (the workspace event stream). */
  constructor(private readonly store: Store, private readonly changed: (change: EndpointChange) => void = () => {}) {}

  endpoints(): EndpointRow[] {
    return this.store.all<Raw>('SELECT * FROM online_endpoints ORDER BY name').map(toEndpoint);
  }

  endpoint(name: string): EndpointRow | undefined {
    const row = this.store.get<Raw>('SELECT * FROM online_endpoints WHERE name = ?', [name]);
    return row ? toEndpoint(row) : undefined;
  }

  saveEndpoint(row: EndpointRow): void {
    this.store.run(
      `INSERT INTO online_endpoints (name, spec, spec_path, auth_mode, port, traffic, mirror_traffic, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, spec_path = excluded.spec_path, auth_mode = excluded.auth_mode, port = excluded.port,
       traffic = excluded.traffic, mirror_traffic = excluded.mirror_traffic, state = excluded.state, updated_at = excluded.updated_at`,
      [row.name, JSON.stringify(row.spec), row.specPath ?? null, row.authMode, row.port, JSON.stringify(row.traffic), JSON.stringify(row.mirrorTraffic), row.state, row.createdAt, row.updatedAt],
    );
    this.changed({ endpoint: row.name, state: row.state });
  }

  deleteEndpoint(name: string): void {
    this.store.transaction(() => {
      this.store.run('DELETE FROM online_deployments WHERE endpoint = ?', [name]);
      this.store.run('DELETE FROM online_endpoints WHERE name = ?', [name]);
    });
    this.changed({ endpoint: name, state: 'deleted' });
  }

  deployments(endpoint?: string): DeploymentRow[] {
    const rows = endpoint === undefined ? this.store.all<Raw>('SELECT * FROM online_deployments ORDER BY endpoint, name') : this.store.all<Raw>('SELECT * FROM online_deployments WHERE endpoint = ? ORDER BY name', [endpoint]);
    return rows.map(toDeployment);
  }

  deployment(endpoint: string, name: string): DeploymentRow | undefined {
    const row = this.store.get<Raw>('SELECT * FROM online_deployments WHERE endpoint = ? AND name = ?', [endpoint, name]);
    return row ? toDeployment(row) : undefined;
  }

  saveDeployment(row: DeploymentRow): void {
    this.store.run(
      `INSERT INTO online_deployments (endpoint, name, spec, spec_path, plan, state, reason, health, generation, image, instances, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (endpoint, name) DO UPDATE SET spec = excluded.spec, spec_path = excluded.spec_path, plan = excluded.plan, state = excluded.state, reason = excluded.reason,
       health = excluded.health, generation = excluded.generation, image = excluded.image, instances = excluded.instances, updated_at = excluded.updated_at`,
      [row.endpoint, row.name, JSON.stringify(row.spec), row.specPath ?? null, JSON.stringify(row.plan), row.state, row.reason ?? null, row.health, row.generation, row.image ?? null, JSON.stringify(row.instances), row.createdAt, row.updatedAt],
    );
    this.changed({ endpoint: row.endpoint, deployment: row.name, state: row.state, health: row.health });
  }

  deleteDeployment(endpoint: string, name: string): void {
    this.store.run('DELETE FROM online_deployments WHERE endpoint = ? AND name = ?', [endpoint, name]);
    this.changed({ endpoint, deployment: name, state: 'deleted' });
  }
}

export function endpointDetail(row: EndpointRow, deployments: string[], scoringUri: string): OnlineEndpointDetail {
  const description = typeof row.spec.description === 'string' ? row.spec.description : undefined;
  const tags = row.spec.tags as Record<string, string> | undefined;
  return {
    name: row.name,
    ...(description ? { description } : {}),
    auth_mode: row.authMode,
    scoring_uri: scoringUri,
    traffic: row.traffic,
    mirror_traffic: row.mirrorTraffic,
    provisioning_state: row.state,
    ...(tags ? { tags } : {}),
    deployments,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

export function deploymentDetail(row: DeploymentRow): OnlineDeploymentDetail {
  return {
    name: row.name,
    endpoint_name: row.endpoint,
    provisioning_state: row.state,
    ...(row.reason ? { reason: row.reason } : {}),
    health: row.health,
    instance_count: row.plan.instanceCount,
    ...(row.image ? { image: row.image } : {}),
    ...(row.plan.model ? { model: row.plan.model.reference } : {}),
    instances: row.instances.map(({ container, port }) => ({ container, port })),
    spec: row.spec,
    ...(row.specPath ? { spec_path: row.specPath } : {}),
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

function toEndpoint(row: Raw): EndpointRow {
  return {
    name: String(row.name),
    spec: JSON.parse(String(row.spec)) as Record<string, unknown>,
    ...(row.spec_path ? { specPath: String(row.spec_path) } : {}),
    authMode: row.auth_mode as EndpointAuthMode,
    port: Number(row.port),
    traffic: JSON.parse(String(row.traffic)) as Record<string, number>,
    mirrorTraffic: JSON.parse(String(row.mirror_traffic)) as Record<string, number>,
    state: row.state as ProvisioningState,
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
  };
}

function toDeployment(row: Raw): DeploymentRow {
  return {
    endpoint: String(row.endpoint),
    name: String(row.name),
    spec: JSON.parse(String(row.spec)) as Record<string, unknown>,
    ...(row.spec_path ? { specPath: String(row.spec_path) } : {}),
    plan: JSON.parse(String(row.plan)) as DeploymentPlan,
    state: row.state as ProvisioningState,
    ...(row.reason ? { reason: String(row.reason) } : {}),
    health: row.health as DeploymentHealth,
    generation: Number(row.generation),
    ...(row.image ? { image: String(row.image) } : {}),
    instances: JSON.parse(String(row.instances)) as DeploymentInstance[],
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
  };
}
