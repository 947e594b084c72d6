import http from 'node:http';
import https from 'node:https';
import { PinnedAgent } from '../../core/api/pinned-tls';

export interface HttpReply {
  status: number;
  /** The reply parsed as JSON; `{}` when it is not JSON (a download, an empty reply). */
  body: Record<string, any>;
  text: string;
}

/** One HTTP request on loopback (or `host`), sent as given: no headers are added. */
export function httpRequest(port: number, method: string, path: string, headers: http.OutgoingHttpHeaders = {}, body?: string | Buffer, host = '127.0.0.1'): Promise<HttpReply> {
  return requestWith(http.request, { host, port, method, path, headers }, body);
}

/** One HTTPS request, accepting only the server certificate with this SHA-256 fingerprint. */
export function httpsRequest(url: string, fingerprint256: string, method: string, headers: http.OutgoingHttpHeaders = {}, body?: string | Buffer): Promise<HttpReply> {
  const { hostname, port, pathname } = new URL(url);
  const agent = new PinnedAgent({ fingerprint256 });
  return requestWith(https.request, { host: hostname, port, method, path: pathname, headers, agent }, body).finally(() => agent.destroy());
}

function requestWith(send: typeof http.request, options: http.RequestOptions, body?: string | Buffer): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const request = send(options, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: Record<string, any> = {};
        try {
          parsed = JSON.parse(text) as Record<string, any>;
        } catch {
          // not JSON
        }
        resolve({ status: response.statusCode ?? 0, body: parsed, text });
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** The workspace's event stream from the start until `done` holds of what arrived. */
export function eventsUntil(port: number, token: string, done: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/api/events', headers: { authorization: `Bearer ${token}`, 'last-event-id': '0' } }, (response) => {
      let text = '';
      response.on('data', (chunk) => {
        text += chunk;
        if (done(text)) (request.destroy(), resolve(text));
      });
    });
    request.on('error', (error) => (request.destroyed ? undefined : reject(error)));
  });
}
