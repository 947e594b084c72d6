import os from 'node:os';
import Docker from 'dockerode';
import Fastify from 'fastify';
import { MAX_BODY_BYTES } from '../api/contracts';
import { useBoundedJsonParser } from '../api/json-body';
import { isTrackingRoute, trackingPlugin } from './plugin';
import type { TrackingService } from './service';

/** How containers name the host: the Docker driver maps it to the bridge gateway (`host-gateway`). */
export const CONTAINER_HOST = 'host.docker.internal';

export interface BridgeListener {
  /** The tracking URI as containers see it. */
  url: string;
  address: string;
  port: number;
  close(): Promise<void>;
}

/**
 * A second listener on the Docker bridge's gateway address, so containers reach the tracking API. It serves the
 * tracking routes only and accepts per-run tokens only: the workspace token never enters a container.
 */
export async function startBridgeListener(tracking: TrackingService, options: { preferredPort?: number; onRequest?: () => void; docker?: Docker; address?: string } = {}): Promise<BridgeListener> {
  const address = options.address ?? (await bridgeGateway(options.docker ?? new Docker()));
  const app = Fastify({ bodyLimit: MAX_BODY_BYTES, logger: false, forceCloseConnections: true });
  useBoundedJsonParser(app);
  app.addHook('onRequest', async (request, reply) => {
    options.onRequest?.();
    if (!isTrackingRoute(request.url)) return reply.code(404).send({ error_code: 'ENDPOINT_NOT_FOUND', message: 'only the tracking API is served on this address' });
    const header = request.headers.authorization ?? '';
    if (!header.startsWith('Bearer ') || !tracking.acceptRunToken(request, header.slice(7))) {
      return reply.code(401).send({ error_code: 'UNAUTHENTICATED', message: 'a run token is required (MLFLOW_TRACKING_TOKEN)' });
    }
  });
  trackingPlugin(tracking)(app);
  try {
    await app.listen({ host: address, port: options.preferredPort ?? 0 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || !options.preferredPort) throw error;
    await app.listen({ host: address, port: 0 });
  }
  const bound = app.server.address();
  const port = typeof bound === 'object' && bound ? bound.port : 0;
  return { url: `http://${CONTAINER_HOST}:${port}`, address, port, close: () => app.close() };
}

/** The gateway of Docker's default bridge network (what `host-gateway` resolves to), else docker0's address. */
export async function bridgeGateway(docker: Docker): Promise<string> {
  try {
    const network = (await docker.getNetwork('bridge').inspect()) as { IPAM?: { Config?: { Gateway?: string }[] } };
    const gateway = network.IPAM?.Config?.find((config) => config.Gateway && !config.Gateway.includes(':'))?.Gateway;
    if (gateway) return gateway;
  } catch {
    // fall back to the interface
  }
  const docker0 = os.networkInterfaces().docker0?.find((entry) => entry.family === 'IPv4');
  if (docker0) return docker0.address;
  throw new Error('cannot find the Docker bridge address for the tracking API (no "bridge" network, no docker0 interface)');
}
