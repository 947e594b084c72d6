import os from 'node:os';
import Docker from 'dockerode';
import Fastify from 'fastify';
import { MAX_BODY_BYTES } from '../api/contracts';
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
export async function startBridgeListener(tracking: TrackingService, options: { preferredPort?: number; onRequest?: () => void; docker?: Docker } = {}): Promise<BridgeListener> {
  const address = await bridgeGateway(options.docker ?? new Docker());
  const app = Fastify({ bodyLimit: MAX_BODY_BYTES, logger: false, forceCloseConnections: true });
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

/**
 * The gateway of Docker's default bridge network (what `host-gateway` resolves to), else docker0's address, else the
 * first address of the bridge's subnet (Docker's default gateway: newer engines leave `Gateway` out of the inspect
 * answer, and Node lists no address for docker0 while no container is attached).
 */
export async function bridgeGateway(docker: Docker): Promise<string> {
  let subnet: string | undefined;
  try {
    const network = (await docker.getNetwork('bridge').inspect()) as { IPAM?: { Config?: { Gateway?: string; Subnet?: string }[] } };
    const gateway = network.IPAM?.Config?.find((config) => config.Gateway && !config.Gateway.includes(':'))?.Gateway;
    if (gateway) return gateway;
    subnet = network.IPAM?.Config?.find((config) => config.Subnet && !config.Subnet.includes(':'))?.Subnet;
  } catch {
    // fall back to the interface
  }
  const docker0 = os.networkInterfaces().docker0?.find((entry) => entry.family === 'IPv4');
  if (docker0) return docker0.address;
  const first = subnet ? firstHostOf(subnet) : undefined;
  if (first) return first;
  throw new Error('cannot find the Docker bridge address for the tracking API (no "bridge" network, no docker0 interface)');
}

/** `172.17.0.0/16` → `172.17.0.1`. */
function firstHostOf(cidr: string): string | undefined {
  const match = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!match || Number(match[5]) > 30) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const bits = Number(match[5]);
  const address = octets.reduce((value, octet) => value * 256 + octet, 0);
  const network = bits === 0 ? 0 : address - (address % 2 ** (32 - bits));
  const host = network + 1;
  return [24, 16, 8, 0].map((shift) => Math.floor(host / 2 ** shift) % 256).join('.');
}
