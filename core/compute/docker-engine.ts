import Docker from 'dockerode';
import http from 'node:http';
import https from 'node:https';
import { Unavailable } from '../errors';

/** Connection settings; without any, dockerode follows `DOCKER_HOST` or uses `/var/run/docker.sock`. */
export interface DockerConnection {
  /** A ready client (wins over `socketPath`). */
  docker?: Docker;
  /** Unix socket of the engine. */
  socketPath?: string;
}

export function connectDocker(connection: DockerConnection = {}): Docker {
  if (connection.docker) return connection.docker;
  return connection.socketPath ? new Docker({ socketPath: connection.socketPath }) : new Docker();
}

interface ModemAddress {
  socketPath?: unknown;
  host?: string;
  port?: number | string;
  protocol?: string;
}

/**
 * A client to the same engine that opens a new connection for every request. An engine shutting down has closed its
 * listener but still answers on connections kept alive from before, so only a new connection tells that it is going.
 */
export function freshConnectionClient(docker: Docker): Docker {
  const modem = docker.modem as ModemAddress & { ca?: string; cert?: string; key?: string };
  if (modem.protocol === 'ssh') return docker;
  const tls = { ca: modem.ca, cert: modem.cert, key: modem.key };
  const agent = modem.protocol === 'https' ? new https.Agent({ keepAlive: false, ...tls }) : new http.Agent({ keepAlive: false });
  // docker-modem takes an `agent` its typings do not declare.
  const withAgent = (options: Docker.DockerOptions) => new Docker({ ...options, agent } as Docker.DockerOptions);
  if (typeof modem.socketPath === 'string') return withAgent({ socketPath: modem.socketPath });
  if (modem.host) return withAgent({ host: modem.host, port: modem.port, protocol: modem.protocol as 'http' | 'https', ...tls });
  // The default connection (DOCKER_HOST or the default socket) is found again the same way.
  return withAgent({});
}

/** Where the client talks to, for messages: a socket path or `tcp://host:port`. */
export function engineAddress(docker: Docker): string {
  const modem = docker.modem as ModemAddress;
  if (typeof modem.socketPath === 'string') return modem.socketPath;
  if (modem.host) return `${modem.protocol ?? 'http'}://${modem.host}${modem.port ? `:${modem.port}` : ''}`;
  return '/var/run/docker.sock';
}

/** The Unix socket path of the engine when it is local, to keep it out of runs. */
export function engineSocketPath(docker: Docker): string | undefined {
  const socketPath = (docker.modem as ModemAddress).socketPath;
  return typeof socketPath === 'string' ? socketPath : undefined;
}

const CONNECTION_ERROR_CODES = new Set([
  'ENOENT', 'ECONNREFUSED', 'EACCES', 'EPERM', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'ECONNRESET', 'EPIPE',
]);

export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && CONNECTION_ERROR_CODES.has(code);
}

/** Replaces a socket-level failure by a message that says what to do; other errors pass through. */
export function explainEngineError(error: unknown, docker: Docker): unknown {
  if (!isConnectionError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new Unavailable(`Docker engine not reachable at ${engineAddress(docker)}: ${message}; start Docker or set DOCKER_HOST`, {
    cause: error,
  });
}

export function httpStatusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** Runs an engine request whose 404 means "not there" (an inspect): `undefined` then, a clear error otherwise. */
export async function unlessAbsent<T>(docker: Docker, request: () => Promise<T>): Promise<T | undefined> {
  try {
    return await request();
  } catch (error) {
    if (httpStatusOf(error) === 404) return undefined;
    throw explainEngineError(error, docker);
  }
}

/** The engine's own words from a dockerode error (`(HTTP code 404) no such container - No such container: x`). */
export function engineMessage(error: unknown): string {
  const json = (error as { json?: { message?: unknown } } | undefined)?.json;
  if (json && typeof json.message === 'string') return json.message;
  return error instanceof Error ? error.message : String(error);
}

export async function pingEngine(docker: Docker): Promise<void> {
  try {
    await docker.ping();
  } catch (error) {
    throw explainEngineError(error, docker);
  }
}
