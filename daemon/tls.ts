import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { generate } from 'selfsigned';
import { isLoopback } from '../core/api/loopback';
import { writePrivateFile } from '../core/data/fs-util';
import type { WorkspaceLayout } from '../core/engine/layout';
import { AddressListeners } from '../core/tracking/address-listeners';
import { startBridgeListener } from '../core/tracking/bridge';
import type { ListenerPorts } from '../core/tracking/listener-ports';
import type { TrackingService } from '../core/tracking/service';

/** How `mlw serve` is asked to secure its listener: a certificate and key (files), one it makes, or none. */
export type TlsRequest = { certFile: string; keyFile: string } | 'self-signed' | 'off';

/** The certificate the daemon serves, in PEM, with its SHA-256 fingerprint (`AB:CD:…`, as clients pin it). */
export interface ServedCertificate {
  cert: string;
  key: string;
  fingerprint256: string;
  /** Where the certificate is (the given file, or the one mlw made under `.mlw/tls/`). */
  certFile: string;
}

export class PlainHttpRefusedError extends Error {
  constructor(host: string) {
    super(`mlw serve listens beyond loopback only with TLS: ${host} is not a loopback address; give --tls-cert and --tls-key, or leave out --no-tls to let mlw make a self-signed certificate`);
  }
}


/**
 * Loopback stays plain HTTP unless TLS is asked for; any other address needs TLS, a self-signed certificate when
 * none is given. Plain HTTP beyond loopback is refused here, before anything listens.
 */
export function tlsFor(host: string, requested: TlsRequest | undefined): TlsRequest {
  if (requested === 'off' && !isLoopback(host)) throw new PlainHttpRefusedError(host);
  return requested ?? (isLoopback(host) ? 'off' : 'self-signed');
}

/** Reads the given certificate and key, or the workspace's self-signed one (made on first use, reused after). */
export async function servedCertificate(request: Exclude<TlsRequest, 'off'>, layout: WorkspaceLayout, host: string): Promise<ServedCertificate> {
  if (request !== 'self-signed') {
    const read = (file: string, what: string) => {
      try {
        return fs.readFileSync(file, 'utf8');
      } catch (error) {
        throw new Error(`cannot read the TLS ${what} ${file}: ${(error as Error).message}`);
      }
    };
    const cert = read(request.certFile, 'certificate');
    const key = read(request.keyFile, 'key');
    return { cert, key, fingerprint256: fingerprintOf(cert, request.certFile), certFile: path.resolve(request.certFile) };
  }
  return selfSignedCertificate(path.join(layout.mlwDir, 'tls'), `mlw serve ${os.hostname()}`, alternativeNames(host));
}

/**
 * The certificate of the tracking listener on `address` (a remote compute's `tracking_address`): self-signed for that
 * IP address, under `.mlw/tls/tracking-<address>/`, made once and reused after, so that containers still running
 * after a restart of the daemon keep trusting it.
 */
export function trackingCertificate(layout: WorkspaceLayout, address: string): Promise<ServedCertificate> {
  const dir = path.join(layout.mlwDir, 'tls', `tracking-${address.replace(/[^0-9A-Za-z.]/g, '_')}`);
  return selfSignedCertificate(dir, `mlw tracking ${address}`, [{ type: 7, ip: address }]);
}

/**
 * The tracking listeners on remote computes' `tracking_address`es: run tokens and metrics cross the network there, so
 * each serves HTTPS with its address's certificate, on the port it had last time when `ports` knows it.
 */
export function remoteTrackingListeners(layout: WorkspaceLayout, tracking: () => TrackingService | undefined, ports?: ListenerPorts): AddressListeners {
  return new AddressListeners(async (address) => {
    const service = tracking();
    if (!service) throw new Error('the tracking API is not up yet');
    const certificate = await trackingCertificate(layout, address);
    const start = (port: number) => startBridgeListener(service, { address, port, tls: { cert: certificate.cert, key: certificate.key } });
    const listener = ports ? await ports.listen(`address:${address}`, `the tracking listener on ${address}`, start, (started) => started.port) : await start(0);
    return { ...listener, certificateFile: certificate.certFile };
  });
}

type AlternativeName = { type: 2 | 7; value?: string; ip?: string };

/** The certificate and key in `dir`, reused while they cover `names` and are not about to expire; made (0600) otherwise. */
async function selfSignedCertificate(dir: string, commonName: string, names: AlternativeName[]): Promise<ServedCertificate> {
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  if (fs.existsSync(certFile) && fs.existsSync(keyFile)) {
    const cert = fs.readFileSync(certFile, 'utf8');
    // Reused while it covers these names and is not about to expire, so clients keep their pinned fingerprint.
    const x509 = new crypto.X509Certificate(cert);
    const covered = names.every((name) => (name.ip ? x509.checkIP(name.ip) : x509.checkHost(name.value!)) !== undefined);
    if (covered && Date.parse(x509.validTo) > Date.now() + 7 * 86_400_000) return { cert, key: fs.readFileSync(keyFile, 'utf8'), fingerprint256: x509.fingerprint256, certFile };
  }
  const made = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 825 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: names },
    ],
  });
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  writePrivateFile(keyFile, made.private);
  writePrivateFile(certFile, made.cert);
  return { cert: made.cert, key: made.private, fingerprint256: fingerprintOf(made.cert, certFile), certFile };
}

function fingerprintOf(cert: string, file: string): string {
  try {
    return new crypto.X509Certificate(cert).fingerprint256;
  } catch (error) {
    throw new Error(`${file} is not a PEM certificate: ${(error as Error).message}`);
  }
}

/** Loopback names, this machine's name, and the listening address when it is a specific one. */
function alternativeNames(host: string): AlternativeName[] {
  const names: AlternativeName[] = [
    { type: 2, value: 'localhost' },
    { type: 2, value: os.hostname() },
    { type: 7, ip: '127.0.0.1' },
    { type: 7, ip: '::1' },
  ];
  const bare = host.replace(/^\[|\]$/g, '');
  const unspecified = bare === '0.0.0.0' || bare === '::';
  if (net.isIP(bare) && !unspecified && !names.some((n) => n.ip === bare)) names.push({ type: 7, ip: bare });
  else if (!net.isIP(bare) && !names.some((n) => n.value === bare)) names.push({ type: 2, value: bare });
  return names;
}
