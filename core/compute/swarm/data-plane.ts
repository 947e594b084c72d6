import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { generate } from 'selfsigned';
import type { RunMount } from '../driver';

/**
 * What a run's data server is: where it listens, the certificate the task trusts, the run's token and mounts, and
 * where tracking requests go. Kept in the run's state folder (mode 0600), so that a daemon restarted while the task
 * runs serves it again on the same address, with the same certificate and token.
 */
export interface RunDataIdentity {
  port: number;
  certificate: string;
  key: string;
  token: string;
  mounts: RunMount[];
  /** The tracking API as this host reaches it. */
  tracking?: string;
}

/**
 * The cluster's way to one run's folder on this host: over HTTPS on an address the nodes route to, the run's task
 * downloads its read-only mounts (a folder as a tar stream, a file as it is) and uploads its writable ones (a tar
 * stream unpacked into the host folder), authenticated by the run's token. Any other request is passed on to the
 * tracking API, so that the task logs to MLflow through the same address and certificate.
 */
export class RunDataServer {
  /** The address of each instance of a multi-instance run by its hostname, once the Swarm gave every one an address. */
  private hosts: Record<string, string> | undefined;

  private constructor(
    private readonly server: https.Server,
    readonly identity: RunDataIdentity,
    /** `https://address:port`, as the nodes reach it. */
    readonly url: string,
  ) {}

  /** A new identity (a free port, a fresh certificate and token) for a run about to start. */
  static async newIdentity(address: string, mounts: RunMount[], tracking: URL | undefined): Promise<RunDataIdentity> {
    const made = await generate([{ name: 'commonName', value: `mlw run data ${address}` }], {
      keyType: 'ec',
      algorithm: 'sha256',
      notAfterDate: new Date(Date.now() + 825 * 86_400_000),
      extensions: [
        { name: 'basicConstraints', cA: true },
        { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: [{ type: 7, ip: address }] },
      ],
    });
    const token = crypto.randomBytes(32).toString('hex');
    return { port: 0, certificate: made.cert, key: made.private, token, mounts, ...(tracking ? { tracking: tracking.href } : {}) };
  }

  /** Serves `identity` on `address` (its port, or a free one when 0: the identity then holds the one taken). */
  static async start(address: string, identity: RunDataIdentity): Promise<RunDataServer> {
    let self: RunDataServer | undefined;
    const server = https.createServer({ cert: identity.certificate, key: identity.key }, (request, response) => {
      self!.handle(request, response).catch((error: unknown) => fail(response, 500, (error as Error).message));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(identity.port, address, () => resolve());
    });
    // Serving run files never keeps the daemon alive by itself.
    server.unref();
    const port = (server.address() as AddressInfo).port;
    self = new RunDataServer(server, { ...identity, port }, `https://${address}:${port}`);
    return self;
  }

  /** Answers `GET /mlw/hosts` from now on (503 before: the instances ask again). */
  setHosts(hosts: Record<string, string>): void {
    this.hosts = hosts;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const match = /^\/mlw\/mounts\/(\d+)$/.exec(request.url ?? '');
    const hosts = request.url === '/mlw/hosts';
    if (!match && !hosts) return this.forward(request, response);
    const presented = Buffer.from((request.headers.authorization ?? '').replace(/^Bearer /, ''));
    const expected = Buffer.from(this.identity.token);
    if (presented.length !== expected.length || !crypto.timingSafeEqual(presented, expected)) return fail(response, 401, 'wrong run token');
    if (hosts) return this.hosts ? void response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.hosts)) : fail(response, 503, 'not every instance has an address yet');
    if (!match) return;
    const mount = this.identity.mounts[Number(match[1])];
    if (!mount) return fail(response, 404, 'no such mount');
    if (request.method === 'GET') return sendMount(mount, response);
    if (request.method === 'PUT' && !mount.readOnly) return receiveMount(mount, request, response);
    return fail(response, 405, `${request.method} is not allowed on this mount`);
  }

  private forward(request: http.IncomingMessage, response: http.ServerResponse): void {
    if (!this.identity.tracking) return fail(response, 404, 'not found');
    const target = new URL(this.identity.tracking);
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: request.method, path: request.url, headers: { ...request.headers, host: target.host } },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', (error) => fail(response, 502, `tracking API not reachable: ${error.message}`));
    request.pipe(upstream);
  }
}

function sendMount(mount: RunMount, response: http.ServerResponse): Promise<void> {
  const stat = fs.statSync(mount.source, { throwIfNoEntry: false });
  if (!stat) return Promise.resolve(fail(response, 404, `${mount.source} does not exist`));
  if (stat.isFile()) {
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'x-mlw-kind': 'file', 'content-length': stat.size });
    return pipeline(fs.createReadStream(mount.source), response);
  }
  response.writeHead(200, { 'content-type': 'application/x-tar', 'x-mlw-kind': 'folder' });
  const tar = spawn('tar', ['-C', mount.source, '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'ignore'] });
  return pipeline(tar.stdout, response);
}

/** Unpacks an uploaded folder; GNU tar keeps members inside the folder (no absolute or `..` names, symlinks last). */
async function receiveMount(mount: RunMount, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  fs.mkdirSync(mount.source, { recursive: true });
  const tar = spawn('tar', ['-x', '--no-same-owner', '--no-same-permissions', '-C', mount.source, '-f', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
  let errors = '';
  tar.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise<number>((resolve) => tar.once('close', (code) => resolve(code ?? -1)));
  await pipeline(request, tar.stdin).catch(() => undefined);
  const code = await exited;
  if (code !== 0) return fail(response, 400, `the upload could not be unpacked into ${mount.source}: ${errors.trim() || `tar exited ${code}`}`);
  response.writeHead(204).end();
}

function fail(response: http.ServerResponse, status: number, message: string): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response.writeHead(status, { 'content-type': 'text/plain' }).end(message);
}
