import http from 'node:http';
import type { ApiClient } from '../api/client';
import { DEPLOYMENT_HEADER } from './router';

export interface InvokeAnswer {
  status: number;
  text: string;
  /** The deployment that answered (`azureml-model-deployment`). */
  deployment?: string;
}

/** Sends a request body to an endpoint's scoring URI with its key (or token), as `az ml online-endpoint invoke` does. */
export async function invokeEndpoint(client: ApiClient, endpoint: string, body: Buffer, deployment?: string): Promise<InvokeAnswer> {
  const [detail, credentials] = await Promise.all([client.onlineEndpoints.get(endpoint), client.onlineEndpoints.credentials(endpoint)]);
  const url = new URL(detail.scoring_uri);
  const headers = { 'content-type': 'application/json', 'content-length': body.length, authorization: `Bearer ${credentials.primaryKey ?? credentials.accessToken}`, ...(deployment ? { [DEPLOYMENT_HEADER]: deployment } : {}) };
  return new Promise((resolve, reject) => {
    const request = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const answered = response.headers[DEPLOYMENT_HEADER];
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), ...(typeof answered === 'string' ? { deployment: answered } : {}) });
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** The top-level `name:` of a spec's text (an endpoint's), without parsing the document. */
export function specNameOfText(text: string): string | undefined {
  const match = /^name:[ \t]*(["']?)([^"'#\s]+)\1[ \t]*(?:#.*)?$/m.exec(text);
  return match?.[2];
}
