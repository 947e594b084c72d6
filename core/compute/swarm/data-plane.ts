import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { generate } from 'selfsigned';
import type { RunMount } from '../driver';

/** What a run's task may fetch (read-only mounts) and send back (writable mounts), by index in `mounts`. */
interface RunAccess {
  token: string;
  mounts: RunMount[];
}

/**
 * The cluster's way to the run folders on this host: over HTTPS on an address the nodes route to, a run's task
 * downloads its read-only mounts (a folder as a tar stream, a file as it is) and uploads its writable ones (a tar
 * stream unpacked into the host folder), authenticated by its run's token. Any other request is passed on to the
 * tracking API, so that tasks log to MLflow through the same address and certificate.
 */
export class RunDataServer {
  private readonly runs = new Map<string, RunAccess>();
  private trackingTarget: URL | undefined;

  private constructor(
    private readonly server: https.Server,
    /** The server's certificate in PEM: tasks trust it (and only it) for this address. */
    readonly certificate: string,
    /** `https://address:port`, as the nodes reach it. */
    readonly url: string,
  ) {}

  static async start(address: string): Promise<RunDataServer> {
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
    let self: RunDataServer | undefined;
    const server = https.createServer({ cert: made.cert, key: made.private }, (request, response) => {
      self!.handle(request, response).catch((error: unknown) => fail(response, 500, (error as Error).message));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, address, () => resolve());
    });
    // Serving run files never keeps the daemon alive by itself.
    server.unref();
    const port = (server.address() as AddressInfo).port;
    self = new RunDataServer(server, made.cert, `https://${address}:${port}`);
    return self;
  }

  /** Opens the run's mounts to the holder of `token` until `forget`. */
  allow(runId: string, token: string, mounts: RunMount[]): void {
    this.runs.set(runId, { token, mounts });
  }

  forget(runId: string): void {
    this.runs.delete(runId);
  }

  /** Where requests other than run data go: the tracking API as this host reaches it. */
  forwardTrackingTo(target: URL): void {
    this.trackingTarget = target;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const match = /^\/mlw\/runs\/([^/]+)\/mounts\/(\d+)$/.exec(request.url ?? '');
    if (!match) return this.forward(request, response);
    const access = this.runs.get(decodeURIComponent(match[1]!));
    const presented = Buffer.from((request.headers.authorization ?? '').replace(/^Bearer /, ''));
    const expected = Buffer.from(access?.token ?? '');
    if (!access || presented.length !== expected.length || !crypto.timingSafeEqual(presented, expected)) return fail(response, 401, 'unknown run or wrong token');
    const mount = access.mounts[Number(match[2])];
    if (!mount) return fail(response, 404, 'no such mount');
    if (request.method === 'GET') return sendMount(mount, response);
    if (request.method === 'PUT' && !mount.readOnly) return receiveMount(mount, request, response);
    return fail(response, 405, `${request.method} is not allowed on this mount`);
  }

  private forward(request: http.IncomingMessage, response: http.ServerResponse): void {
    const target = this.trackingTarget;
    if (!target) return fail(response, 404, 'not found');
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
