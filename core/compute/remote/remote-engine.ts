import Docker from 'dockerode';
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { SpecRejected } from '../../errors';
import { isConnectionError } from '../docker-engine';
import { readComputeCredential } from '../../secrets/compute-credentials';
import type { SecretsStore } from '../../secrets/store';

/** Where a remote engine is and how mlw proves who it is; the credentials in clear, read for this connection only. */
export type RemoteEngine = (
  | { endpoint: string; protocol: 'tls'; host: string; port: number; ca: string; cert: string; key: string }
  | { endpoint: string; protocol: 'ssh'; host: string; port: number; username: string; privateKey: string; hostKeyFingerprint: string }
) & {
  /** This machine's address the engine's containers reach the tracking API at (`tracking_address`). */
  trackingAddress?: string;
};

interface RemoteComputeFields {
  endpoint?: unknown;
  tls?: { ca?: unknown; cert?: unknown; key?: unknown };
  ssh?: { private_key?: unknown; host_key_fingerprint?: unknown };
  tracking_address?: unknown;
}

const TCP_ENDPOINT = /^tcp:\/\/([^\s/:@]+):(\d{1,5})$/;
const SSH_ENDPOINT = /^ssh:\/\/([^\s/:@]+)@([^\s/:@]+)(?::(\d{1,5}))?$/;
const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

/** Reads a `type: remote` compute spec (as the schema describes it) into a connection, its credentials resolved. */
export function remoteEngineOf(compute: string, spec: Record<string, unknown>, store: SecretsStore, baseDir: string): RemoteEngine {
  const fields = spec as RemoteComputeFields;
  const endpoint = typeof fields.endpoint === 'string' ? fields.endpoint : '';
  const credential = (section: string, field: string, value: unknown, secret: boolean): string => {
    if (typeof value !== 'string' || !value) throw new SpecRejected(`compute ${compute}: ${section}.${field} is required for ${endpoint}`);
    return readComputeCredential({ compute, field: `${section}.${field}`, value, secret, store, baseDir });
  };
  const tracking = fields.tracking_address;
  if (tracking !== undefined && (typeof tracking !== 'string' || !isIP(tracking))) {
    throw new SpecRejected(`compute ${compute}: tracking_address must be an IP address of this machine, not ${JSON.stringify(tracking)}`);
  }
  const trackingAddress = tracking ? { trackingAddress: tracking } : {};
  const tcp = TCP_ENDPOINT.exec(endpoint);
  if (tcp) {
    const tls = fields.tls ?? {};
    return {
      ...trackingAddress, endpoint, protocol: 'tls', host: tcp[1]!, port: Number(tcp[2]),
      ca: credential('tls', 'ca', tls.ca, false), cert: credential('tls', 'cert', tls.cert, false), key: credential('tls', 'key', tls.key, true),
    };
  }
  const ssh = SSH_ENDPOINT.exec(endpoint);
  if (ssh) {
    const options = fields.ssh ?? {};
    const fingerprint = options.host_key_fingerprint;
    if (typeof fingerprint !== 'string' || !FINGERPRINT.test(fingerprint)) {
      throw new SpecRejected(`compute ${compute}: ssh.host_key_fingerprint must pin the server's host key as SHA256:<43 characters> (ssh-keygen -lf <host key>.pub)`);
    }
    return {
      ...trackingAddress, endpoint, protocol: 'ssh', username: ssh[1]!, host: ssh[2]!, port: Number(ssh[3] ?? 22),
      privateKey: credential('ssh', 'private_key', options.private_key, true), hostKeyFingerprint: fingerprint,
    };
  }
  throw new SpecRejected(`compute ${compute}: endpoint ${JSON.stringify(endpoint)} is neither tcp://<host>:<port> nor ssh://<user>@<host>[:<port>]`);
}

/** What the SSH server showed when it was refused for its host key. */
export interface HostKeyCheck {
  refused?: string;
}

/** A dockerode client to the remote engine: HTTPS with mlw's client certificate, or docker-modem's SSH transport. */
export function connectRemoteEngine(engine: RemoteEngine, hostKey: HostKeyCheck = {}): Docker {
  return new Docker(remoteEngineOptions(engine, hostKey));
}

/** dockerode's options for the remote engine; a refused SSH host key is noted in `hostKey`. */
export function remoteEngineOptions(engine: RemoteEngine, hostKey: HostKeyCheck = {}): Docker.DockerOptions {
  if (engine.protocol === 'tls') {
    return { protocol: 'https', host: engine.host, port: engine.port, ca: engine.ca, cert: engine.cert, key: engine.key };
  }
  return {
    protocol: 'ssh', host: engine.host, port: engine.port, username: engine.username,
    sshOptions: {
      privateKey: engine.privateKey,
      readyTimeout: 15_000,
      hostVerifier: (key: Buffer) => {
        const shown = `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
        if (shown === engine.hostKeyFingerprint) return true;
        hostKey.refused = shown;
        return false;
      },
    },
  } as Docker.DockerOptions;
}

/**
 * Why the engine refused mlw or could not be reached, in words that name what to check in the spec (`refused
 * mlw's client certificate (tls.cert, tls.key): …`); undefined for any other failure.
 */
export function remoteEngineRefusal(error: unknown, engine: RemoteEngine, hostKey: HostKeyCheck): string | undefined {
  const root = rootCause(error);
  const code = (root as { code?: unknown }).code;
  const message = root instanceof Error ? root.message : String(root);
  if (hostKey.refused) {
    return `showed the SSH host key ${hostKey.refused}, not the pinned ${engine.protocol === 'ssh' ? engine.hostKeyFingerprint : ''} (ssh.host_key_fingerprint); refused`;
  }
  // Node's codes for a server certificate it does not trust: UNABLE_TO_VERIFY_LEAF_SIGNATURE, SELF_SIGNED_CERT_IN_CHAIN, ...
  if (typeof code === 'string' && /CERT|SSL|TLS|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|SELF_SIGNED/i.test(code)) {
    const side = /ALERT|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_REQUIRED/i.test(code)
      ? "refused mlw's client certificate (tls.cert, tls.key)"
      : 'presented a certificate that tls.ca does not vouch for';
    return `${side}: ${message}`;
  }
  if (/authentication methods failed/i.test(message)) return `refused mlw's SSH key (ssh.private_key): ${message}`;
  if (isConnectionError(root) || /timed out|handshake/i.test(message)) return `cannot be reached: ${message}`;
  return undefined;
}

function rootCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 5 && current instanceof Error && current.cause; depth++) current = current.cause;
  return current;
}
