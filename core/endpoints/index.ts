import type { ControlPlane } from '../engine/control-plane';
import type { EnvironmentBuilder } from '../env/builder';
import type { ScoringListen } from './router';
import { OnlineEndpoints } from './service';

export { onlineEndpointRoutes } from './api-routes';
export { OnlineEndpoints } from './service';

/** The online endpoints of a control plane's workspace; every change goes on its workspace event stream. */
export function onlineEndpointsOf(plane: ControlPlane, options: { user: string; environments: () => Pick<EnvironmentBuilder, 'ensure'>; mlflowImage?: string; scoring?: ScoringListen }): OnlineEndpoints {
  return new OnlineEndpoints({
    root: plane.layout.root,
    store: plane.store,
    secrets: plane.secrets,
    loader: plane.loader,
    resolver: plane.resolver,
    datastores: plane.datastores,
    snapshots: plane.layout.snapshots,
    environments: options.environments,
    containers: { user: options.user },
    ...(options.mlflowImage ? { mlflowImage: options.mlflowImage } : {}),
    ...(options.scoring ? { scoring: options.scoring } : {}),
    onChange: (change) => plane.events.append('', { type: 'endpoint', ...change }),
  });
}
