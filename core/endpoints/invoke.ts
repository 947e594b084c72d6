import http from 'node:http';
import https from 'node:https';
import type { ApiClient } from '../api/client';
import { isLoopback } from '../api/loopback';
import { PinnedAgent } from '../api/pinned-tls';
import { DEPLOYMENT_HEADER } from './router';

export interface InvokeAnswer {
  status: number;
  text: string;
  /** The deployment that answered (`azureml-model-deployment`). */
  deployment?: string;
}

/**
 * Sends a request body to an endpoint's scoring URI with its key (or token), as `az ml online-endpoint invoke` does.
 * An `https://` scoring URI (a TLS daemon's) is reached pinned to the certificate the client pins for the daemon's
 * API, so the key goes to no other server.
 */
export async function invokeEndpoint(client: ApiClient, endpoint: string, body: Buffer, deployment?: string): Promise<InvokeAnswer> {
  const [detail, credentials] = await Promise.all([client.onlineEndpoints.get(endpoint), client.onlineEndpoints.credentials(endpoint)]);
  const url = new URL(detail.scoring_uri);
  const secure = url.protocol === 'https:';
  if (secure && !client.tls) throw new Error(`endpoint ${endpoint} answers over HTTPS at ${detail.scoring_uri}: connect to its mlw serve over https:// with the fingerprint of its certificate`);
  const headers = { 'content-type': 'application/json', 'content-length': body.length, authorization: `Bearer ${credentials.primaryKey ?? credentials.accessToken}`, ...(deployment ? { [DEPLOYMENT_HEADER]: deployment } : {}) };
  const agent = secure && client.tls ? new PinnedAgent(client.tls) : undefined;
  const options = { host: scoringHost(url, client.host), port: url.port, path: url.pathname, method: 'POST', headers, ...(agent ? { agent } : {}) };
  return new Promise<InvokeAnswer>((resolve, reject) => {
    const request = (secure ? https.request : http.request)(options, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const answered = response.headers[DEPLOYMENT_HEADER];
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), ...(typeof answered === 'string' ? { deployment: answered } : {}) });
      });
    });
    request.on('error', reject);
    request.end(body);
  }).finally(() => agent?.destroy());
}

/**
 * The scoring URI's host, except that a daemon listening on every address names loopback there: a client that
 * reaches the daemon at another address reaches its endpoints at that address too.
 */
export function scoringHost(url: URL, daemonHost: string): string {
  const named = url.hostname.replace(/^\[|\]$/g, '');
  return isLoopback(named) && !isLoopback(daemonHost) ? daemonHost : named;
}

/** The top-level `name:` of a spec's text (an endpoint's), without parsing the document. */
export function specNameOfText(text: string): string | undefined {
  const match = /^name:[ \t]*(["']?)([^"'#\s]+)\1[ \t]*(?:#.*)?$/m.exec(text);
  return match?.[2];
}
