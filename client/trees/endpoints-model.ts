import type { OnlineDeploymentDetail, OnlineEndpointDetail, ProvisioningState } from '../../core/vocabulary';
import type { TreeIcon, TreeNode } from './tree-node';

export interface EndpointSpecFile {
  /** Absolute path. */
  path: string;
  /** As the workspace shows it. */
  relative: string;
  /** `endpoint/online`, `deployment/batch` … */
  kind: string;
  /** What `vscode.open` opens (the file's `Uri`). */
  uri: unknown;
}

const STATE_ICONS: Record<ProvisioningState, TreeIcon> = {
  Creating: { id: 'sync~spin' },
  Updating: { id: 'sync~spin' },
  Deleting: { id: 'sync~spin' },
  Succeeded: { id: 'pass', color: 'testing.iconPassed' },
  Failed: { id: 'error', color: 'testing.iconFailed' },
};

/**
 * The Endpoints view: the online endpoints the control plane serves, each with its deployments (state, health, share
 * of traffic), then the workspace's endpoint and deployment spec files.
 */
export function endpointsTree(endpoints: readonly OnlineEndpointDetail[], deployments: ReadonlyMap<string, readonly OnlineDeploymentDetail[]>, specs: readonly EndpointSpecFile[]): TreeNode[] {
  const served = endpoints.map((endpoint): TreeNode => ({
    id: `endpoint:${endpoint.name}`,
    label: endpoint.name,
    description: `${endpoint.provisioning_state} · ${endpoint.scoring_uri}`,
    tooltip: `${endpoint.scoring_uri}\nauth_mode: ${endpoint.auth_mode}\ntraffic: ${Object.entries(endpoint.traffic).map(([name, percent]) => `${name} ${percent} %`).join(', ') || 'none'}`,
    icon: { id: 'globe' },
    contextValue: `endpoint;state=${endpoint.provisioning_state}`,
    resource: { type: 'info' },
    expanded: true,
    children: deploymentNodes(endpoint, deployments.get(endpoint.name) ?? []),
  }));
  const files = [...specs].sort((a, b) => a.relative.localeCompare(b.relative)).map((spec): TreeNode => ({
    id: `spec:${spec.relative}`,
    label: spec.relative,
    description: spec.kind.replace('/', ' · '),
    icon: { id: spec.kind.startsWith('endpoint/') ? 'globe' : 'rocket' },
    contextValue: 'spec-file',
    resource: { type: 'spec-file', path: spec.path },
    command: { command: 'vscode.open', title: 'Open Spec', arguments: [spec.uri] },
  }));
  if (served.length === 0) return files;
  return files.length ? [...served, { id: 'endpoint-specs', label: 'Spec files', icon: { id: 'files' }, resource: { type: 'info' }, children: files }] : served;
}

/**
 * An endpoint without deployments gets a child saying so: a node first shown without children is not expandable, and
 * the view would keep it collapsed once its first deployment comes.
 */
function deploymentNodes(endpoint: OnlineEndpointDetail, deployments: readonly OnlineDeploymentDetail[]): TreeNode[] {
  if (deployments.length === 0) return [{ id: `no-deployments:${endpoint.name}`, label: 'No deployments yet: mlw online-deployment create -f <deployment.yml>', icon: { id: 'info' }, contextValue: 'no-deployments', resource: { type: 'info' } }];
  return deployments.map((deployment) => deploymentNode(endpoint, deployment));
}

function deploymentNode(endpoint: OnlineEndpointDetail, deployment: OnlineDeploymentDetail): TreeNode {
  const share = endpoint.traffic[deployment.name] ?? 0;
  const mirrored = endpoint.mirror_traffic[deployment.name] ?? 0;
  const unhealthy = deployment.provisioning_state === 'Succeeded' && deployment.health === 'Unhealthy';
  return {
    id: `deployment:${endpoint.name}/${deployment.name}`,
    label: deployment.name,
    description: [unhealthy ? 'Unhealthy' : deployment.provisioning_state, `${share} %`, ...(mirrored ? [`mirror ${mirrored} %`] : []), `${deployment.instances.length}/${deployment.instance_count} instances`].join(' · '),
    ...(deployment.reason ? { tooltip: deployment.reason } : {}),
    icon: unhealthy ? { id: 'warning', color: 'problemsWarningIcon.foreground' } : STATE_ICONS[deployment.provisioning_state],
    contextValue: `deployment;state=${deployment.provisioning_state};health=${deployment.health}`,
    resource: { type: 'info' },
  };
}
