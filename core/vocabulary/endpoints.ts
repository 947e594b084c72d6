/** Managed online endpoints and deployments as the control plane reports them. */

export const PROVISIONING_STATES = ['Creating', 'Updating', 'Succeeded', 'Failed', 'Deleting'] as const;
export type ProvisioningState = (typeof PROVISIONING_STATES)[number];

export type EndpointAuthMode = 'key' | 'aml_token';

export interface OnlineEndpointDetail {
  name: string;
  description?: string;
  auth_mode: EndpointAuthMode;
  /** `http://127.0.0.1:<port>/score`: the endpoint's own loopback listener. */
  scoring_uri: string;
  /** Share of live requests per deployment, summing to 100 (or empty: no deployment takes traffic). */
  traffic: Record<string, number>;
  /** Share of requests also copied to a deployment, whose answer is dropped. */
  mirror_traffic: Record<string, number>;
  provisioning_state: ProvisioningState;
  tags?: Record<string, string>;
  deployments: string[];
  created_at: string;
  updated_at: string;
}

export type DeploymentHealth = 'Healthy' | 'Unhealthy' | 'Unknown';

export interface OnlineDeploymentDetail {
  name: string;
  endpoint_name: string;
  provisioning_state: ProvisioningState;
  /** Why it Failed, or why it is Unhealthy (with the container's last log lines). */
  reason?: string;
  health: DeploymentHealth;
  instance_count: number;
  image?: string;
  model?: string;
  /** The containers serving it, with their loopback ports. */
  instances: { container: string; port: number }[];
  spec: Record<string, unknown>;
  spec_path?: string;
  created_at: string;
  updated_at: string;
}

export interface EndpointCredentials {
  /** `key` endpoints. */
  primaryKey?: string;
  secondaryKey?: string;
  /** `aml_token` endpoints: a token valid until `expiryTimeUtc`. */
  accessToken?: string;
  expiryTimeUtc?: string;
}
