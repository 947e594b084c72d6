import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

/** What an endpoint's listener routes to: the deployments serving now, by name. */
export interface EndpointRoutes {
  authorize(credential: string | undefined): boolean;
  traffic: Record<string, number>;
  mirrorTraffic: Record<string, number>;
  deployments: ReadonlyMap<string, { upstreams: { host: string; port: number }[]; timeoutMs: number }>;
}

/** The header that sends a request to one deployment, whatever the traffic split. */
export const DEPLOYMENT_HEADER = 'azureml-model-deployment';
const MAX_BODY_BYTES = 100 * 1024 * 1024;
/** How much longer than the deployment's request_timeout_ms the router waits for its scoring container to answer. */
const PROXY_GRACE_MS = 5000;

/**
 * Where the endpoints listen: plain HTTP on loopback, or, when the daemon serves TLS, HTTPS with its certificate on
 * its address (`urlHost`: that address as the scoring URI names it).
 */
export interface ScoringListen {
  host: string;
  urlHost: string;
  tls?: { cert: string; key: string };
}

const LOOPBACK: ScoringListen = { host: '127.0.0.1', urlHost: '127.0.0.1' };

interface Listener {
  server: http.Server | https.Server;
  routes: EndpointRoutes;
  /** Smooth weighted round robin: each deployment's running credit. */
  credit: Map<string, number>;
  /** Mirroring: each mirrored deployment's accumulated share, copied once it reaches 100. */
  mirrorCredit: Map<string, number>;
  nextInstance: Map<string, number>;
}

/**
 * Serves each online endpoint on a listener of its own (`http://127.0.0.1:<port>/score`, or `https://<host>:<port>/score`
 * behind a TLS daemon; Azure ML's URL shape): the listener checks the endpoint's key or token, picks a deployment by the `traffic` weights (smooth
 * weighted round robin: over any 100 requests, exactly the weights) or the `azureml-model-deployment` header, copies
 * the `mirror_traffic` share to a mirrored deployment, and passes the request to one of its containers.
 */
export class EndpointRouter {
  private readonly listeners = new Map<string, Listener>();
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

  constructor(private readonly at: ScoringListen = LOOPBACK) {}

  /** The URL an endpoint listening on `port` is invoked at. */
  scoringUri(port: number): string {
    return `${this.at.tls ? 'https' : 'http'}://${this.at.urlHost}:${port}/score`;
  }

  /** Opens the endpoint's listener on `port` when it is free (its port before a restart), else on a free one. */
  async open(endpoint: string, port: number, routes: EndpointRoutes): Promise<number> {
    const existing = this.listeners.get(endpoint);
    if (existing) {
      this.update(endpoint, routes);
      return (existing.server.address() as AddressInfo).port;
    }
    const server = this.at.tls ? https.createServer({ cert: this.at.tls.cert, key: this.at.tls.key }) : http.createServer();
    const listener: Listener = { server, routes, credit: new Map(), mirrorCredit: new Map(), nextInstance: new Map() };
    listener.server.on('request', (request, response) => this.handle(endpoint, listener, request, response));
    const { host } = this.at;
    const listened = await listen(server, host, port).catch((error: NodeJS.ErrnoException) => (port !== 0 && error.code === 'EADDRINUSE' ? listen(server, host, 0) : Promise.reject(error)));
    this.listeners.set(endpoint, listener);
    return listened;
  }

  update(endpoint: string, routes: EndpointRoutes): void {
    const listener = this.listeners.get(endpoint);
    if (listener) listener.routes = routes;
  }

  async close(endpoint: string): Promise<void> {
    const listener = this.listeners.get(endpoint);
    if (!listener) return;
    this.listeners.delete(endpoint);
    listener.server.closeAllConnections();
    await new Promise<void>((resolve) => listener.server.close(() => resolve()));
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.listeners.keys()].map((endpoint) => this.close(endpoint)));
    this.agent.destroy();
  }

  private handle(endpoint: string, listener: Listener, request: http.IncomingMessage, response: http.ServerResponse): void {
    const route = (request.url ?? '/').split('?')[0];
    if (route !== '/score') return refuse(response, 404, `no route ${request.method} ${route}; the scoring route is POST /score`);
    if (request.method !== 'POST') return refuse(response, 405, `${request.method} /score: use POST`);
    const { routes } = listener;
    const authorization = request.headers.authorization;
    const credential = authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length).trim() : undefined;
    if (!credential || !routes.authorize(credential)) {
      response.setHeader('WWW-Authenticate', 'Bearer');
      return refuse(response, 401, `endpoint ${endpoint} needs ${credential ? 'a valid' : 'its'} key or token in Authorization: Bearer <key>; see mlw online-endpoint get-credentials ${endpoint}`);
    }
    const asked = request.headers[DEPLOYMENT_HEADER];
    const named = typeof asked === 'string' && asked !== '' ? asked : undefined;
    if (named !== undefined && !routes.deployments.has(named)) return refuse(response, 404, `endpoint ${endpoint} has no deployment ${named} serving`);
    const deployment = named ?? this.pick(listener);
    if (!deployment) return refuse(response, 503, `endpoint ${endpoint} has no deployment taking traffic; set its traffic (mlw online-endpoint update --traffic "<deployment>=100") or name one in the ${DEPLOYMENT_HEADER} header`);
    readBody(request).then(
      (body) => {
        if (body === undefined) return refuse(response, 413, `request body over ${MAX_BODY_BYTES} bytes`);
        if (named === undefined) for (const mirrored of this.mirrorsFor(listener, deployment)) this.forward(listener, mirrored, request, body);
        this.forward(listener, deployment, request, body, response);
      },
      () => response.destroy(),
    );
  }

  private pick(listener: Listener): string | undefined {
    const weighted = Object.entries(listener.routes.traffic).filter(([name, weight]) => weight > 0 && listener.routes.deployments.has(name));
    if (weighted.length === 0) return undefined;
    const total = weighted.reduce((sum, [, weight]) => sum + weight, 0);
    let best: string | undefined;
    let bestCredit = -Infinity;
    for (const [name, weight] of weighted) {
      const credit = (listener.credit.get(name) ?? 0) + weight;
      listener.credit.set(name, credit);
      if (credit > bestCredit) [best, bestCredit] = [name, credit];
    }
    listener.credit.set(best!, bestCredit - total);
    return best;
  }

  private mirrorsFor(listener: Listener, live: string): string[] {
    const mirrored: string[] = [];
    for (const [name, share] of Object.entries(listener.routes.mirrorTraffic)) {
      if (name === live || share <= 0 || !listener.routes.deployments.has(name)) continue;
      const credit = (listener.mirrorCredit.get(name) ?? 0) + share;
      listener.mirrorCredit.set(name, credit >= 100 ? credit - 100 : credit);
      if (credit >= 100) mirrored.push(name);
    }
    return mirrored;
  }

  /** Sends the request to one container of `deployment`; without `response` (a mirrored copy) its answer is dropped. */
  private forward(listener: Listener, deployment: string, request: http.IncomingMessage, body: Buffer, response?: http.ServerResponse): void {
    const target = listener.routes.deployments.get(deployment)!;
    const turn = listener.nextInstance.get(deployment) ?? 0;
    listener.nextInstance.set(deployment, turn + 1);
    const { host, port } = target.upstreams[turn % target.upstreams.length]!;
    const headers: http.OutgoingHttpHeaders = { 'content-type': request.headers['content-type'] ?? 'application/json', 'content-length': body.length };
    const upstream = http.request({ host, port, method: 'POST', path: '/score', headers, agent: this.agent }, (answer) => {
      if (!response) return void answer.resume();
      response.writeHead(answer.statusCode ?? 502, { 'content-type': answer.headers['content-type'] ?? 'application/json', [DEPLOYMENT_HEADER]: deployment, ...(answer.headers['content-length'] ? { 'content-length': answer.headers['content-length'] } : {}) });
      answer.pipe(response);
    });
    // One timer for the whole exchange: cheaper than the socket's idle timeout, re-armed on every request.
    const timer = setTimeout(() => upstream.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })), target.timeoutMs + PROXY_GRACE_MS);
    upstream.on('close', () => clearTimeout(timer));
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      if (!response || response.headersSent) return void response?.destroy();
      response.setHeader(DEPLOYMENT_HEADER, deployment);
      if (error.code === 'ETIMEDOUT') refuse(response, 504, `deployment ${deployment} did not answer within ${target.timeoutMs + PROXY_GRACE_MS} ms`);
      else refuse(response, 502, `deployment ${deployment} is not reachable: ${error.message}`);
    });
    upstream.end(body);
  }
}

function refuse(response: http.ServerResponse, status: number, message: string): void {
  const body = JSON.stringify({ error: message });
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

/** The whole request body, or undefined past the size limit. */
function readBody(request: http.IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) return void (request.pause(), resolve(undefined));
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function listen(server: http.Server | https.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const failed = (error: Error) => reject(error);
    server.once('error', failed);
    server.listen({ host, port }, () => {
      server.off('error', failed);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
