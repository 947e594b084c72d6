import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import Docker from 'dockerode';
import Fastify from 'fastify';
import { MAX_BODY_BYTES } from '../api/contracts';
import { engineMessage } from '../compute/docker-engine';
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
 * tracking routes only and accepts per-run tokens only: the workspace token never enters a container. With `tls` it
 * serves HTTPS only.
 */
export async function startBridgeListener(tracking: TrackingService, options: { port?: number; onRequest?: () => void; docker?: Docker; address?: string; tls?: { cert: string; key: string } } = {}): Promise<BridgeListener> {
  const address = options.address ?? (await bridgeGateway(options.docker ?? new Docker()));
  const app = Fastify({ bodyLimit: MAX_BODY_BYTES, logger: false, forceCloseConnections: true, ...(options.tls ? { https: options.tls } : {}) });
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
    await app.listen({ host: address, port: options.port ?? 0 });
  } catch (error) {
    await app.close();
    throw error;
  }
  const bound = app.server.address();
  const port = typeof bound === 'object' && bound ? bound.port : 0;
  return { url: `${options.tls ? 'https' : 'http'}://${CONTAINER_HOST}:${port}`, address, port, close: () => app.close() };
}

interface BridgeNetwork {
  IPAM?: { Config?: { Subnet?: string; Gateway?: string }[] };
  Options?: Record<string, string>;
}

/**
 * The host's address on Docker's default bridge network, which `host-gateway` resolves to: the network's IPAM gateway;
 * else the bridge interface's address; else (a fresh engine: Docker 20.10 gives no gateway and its bridge stays down,
 * so Node lists no such interface, until a container runs) an address of this host inside the network's subnet, from
 * /proc/net/fib_trie, which lists down interfaces too; else, where the host's addresses cannot be read, the subnet's
 * first host address (what Docker gives its bridge by default).
 */
export async function bridgeGateway(docker: Docker): Promise<string> {
  const looked: string[] = [];
  let network: BridgeNetwork | undefined;
  try {
    network = (await docker.getNetwork('bridge').inspect()) as BridgeNetwork;
  } catch (error) {
    looked.push(`the "bridge" network (${engineMessage(error)})`);
  }
  const configs = network?.IPAM?.Config ?? [];
  const gateway = configs.find((config) => config.Gateway && net.isIPv4(config.Gateway))?.Gateway;
  if (gateway) return gateway;
  const subnets = configs.flatMap((config) => (config.Subnet && net.isIPv4(config.Subnet.split('/')[0]) ? [config.Subnet] : []));
  if (network) looked.push(`the "bridge" network's IPAM (no gateway; subnet ${subnets.join(', ') || 'none'})`);

  const name = network?.Options?.['com.docker.network.bridge.name'] ?? 'docker0';
  const up = os.networkInterfaces()[name]?.find((entry) => entry.family === 'IPv4');
  if (up) return up.address;
  looked.push(`interface ${name} (absent or down)`);
  if (subnets.length === 0) throw noBridgeAddress(looked);

  const local = localIPv4Addresses();
  const inSubnet = local?.find((address) => subnets.some((subnet) => inside(subnet, address)));
  if (inSubnet) return inSubnet;
  if (local) {
    looked.push(`this host's addresses in ${LOCAL_ADDRESSES} (none in ${subnets.join(', ')})`);
    throw noBridgeAddress(looked);
  }
  return firstHost(subnets[0]);
}

function noBridgeAddress(looked: string[]): Error {
  return new Error(`cannot find the Docker bridge address for the tracking API (looked at ${looked.join('; ')})`);
}

/** Linux's routing tables, including the local addresses of interfaces that are down. */
const LOCAL_ADDRESSES = '/proc/net/fib_trie';

/** This host's IPv4 addresses (`|-- <address>` followed by `/32 host LOCAL`), or undefined where there is no such file. */
function localIPv4Addresses(): string[] | undefined {
  let text: string;
  try {
    text = fs.readFileSync(LOCAL_ADDRESSES, 'utf8');
  } catch {
    return undefined;
  }
  const addresses = new Set<string>();
  let last: string | undefined;
  for (const line of text.split('\n')) {
    const leaf = /\|-- (\d+\.\d+\.\d+\.\d+)$/.exec(line.trim());
    if (leaf) last = leaf[1];
    else if (last && /^\/32 host LOCAL$/.test(line.trim())) addresses.add(last);
  }
  return [...addresses];
}

function inside(subnet: string, address: string): boolean {
  const [base, bits] = subnet.split('/');
  const list = new net.BlockList();
  list.addSubnet(base, Number(bits ?? 32), 'ipv4');
  return list.check(address, 'ipv4');
}

/** The subnet's first host address: 172.17.0.0/16 -> 172.17.0.1. */
function firstHost(subnet: string): string {
  const [base, bits] = subnet.split('/');
  const mask = Number(bits) >= 32 ? 0xffffffff : ~(0xffffffff >>> Number(bits)) >>> 0;
  const value = (base.split('.').reduce((sum, part) => sum * 256 + Number(part), 0) & mask) >>> 0;
  const first = value + (Number(bits) >= 31 ? 0 : 1);
  return [24, 16, 8, 0].map((shift) => (first >>> shift) & 255).join('.');
}
