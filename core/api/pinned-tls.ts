import type http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';

/** HTTPS to a server whose certificate is known by its SHA-256 fingerprint (a self-signed one, typically). */
export interface PinnedTls {
  /** `AB:CD:…` or plain hex, any case. */
  fingerprint256: string;
}

export class CertificateMismatchError extends Error {
  readonly code = 'MLW_CERT_MISMATCH';
}

/** `ab cd…`, `abcd…` or `AB:CD:…` as `AB:CD:…`; throws for anything that is not 32 bytes of hex. */
export function normalizeFingerprint(text: string): string {
  const hex = text.replace(/^sha256[:=]/i, '').replace(/[\s:]/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) throw new Error(`${JSON.stringify(text)} is not a SHA-256 certificate fingerprint (64 hex digits, as \`mlw serve\` prints it)`);
  return hex.match(/../g)!.join(':');
}

/**
 * An HTTPS agent that hands a connection to a request only once the server presented the pinned certificate, so
 * nothing (the bearer token least of all) is sent to any other server. The certificate chain is not checked: the
 * pin is the trust.
 */
export class PinnedAgent extends https.Agent {
  private readonly expected: string;

  constructor(pin: PinnedTls, options: https.AgentOptions = {}) {
    super({ ...options, rejectUnauthorized: false });
    this.expected = normalizeFingerprint(pin.fingerprint256);
  }

  override createConnection(args: http.ClientRequestArgs, callback?: (error: Error | null, socket: Duplex) => void): undefined {
    const options = args as tls.ConnectionOptions;
    const { servername, ...rest } = options;
    // An address is no server name (TLS SNI takes host names only).
    const socket = tls.connect({ ...rest, ...(servername && !/^[\d.]+$|:/.test(servername) ? { servername } : {}), rejectUnauthorized: false });
    const fail = (error: Error) => callback?.(error, socket);
    socket.once('error', fail);
    socket.once('secureConnect', () => {
      socket.off('error', fail);
      const actual = socket.getPeerCertificate().fingerprint256;
      if (actual === this.expected) return callback?.(null, socket);
      socket.destroy();
      callback?.(new CertificateMismatchError(`the server at ${options.host}:${options.port} presented a TLS certificate with SHA-256 fingerprint ${actual ?? '(none)'}, not the pinned ${this.expected}: refusing to connect (if its certificate was replaced on purpose, update the fingerprint)`), socket);
    });
    // Node's agent waits for the callback when no socket is returned.
    return undefined;
  }
}
