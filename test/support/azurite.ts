import { spawn } from 'node:child_process';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { tempDir } from './temp';

const AZURITE = path.resolve(__dirname, '../../node_modules/.bin/azurite-blob');
const STARTUP_MS = 30_000;

/** Azurite's well-known development account (public, documented by Microsoft; not a secret). */
export const DEV_ACCOUNT = 'devstoreaccount1';
export const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  /** `127.0.0.1:<port>`: what a datastore's `endpoint` is set to. */
  endpoint: string;
  /** `http://127.0.0.1:<port>/devstoreaccount1`. */
  serviceUrl: string;
  /** A client with the account key, to set up and inspect containers. */
  service: BlobServiceClient;
  credential: StorageSharedKeyCredential;
}

/** A real Azurite Blob service on a free loopback port, its data in a temp folder; stopped after the test. */
export async function startAzurite(t: TestContext): Promise<Azurite> {
  const location = await tempDir(t, 'mlw-azurite-');
  const child = spawn(AZURITE, ['--blobHost', '127.0.0.1', '--blobPort', '0', '--location', location, '--skipApiVersionCheck', '--loose', '--disableTelemetry', '--silent'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  });
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`Azurite did not start within ${STARTUP_MS} ms: ${output}`)), STARTUP_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listens on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited (${code}): ${output}`));
    });
  });
  const endpoint = `127.0.0.1:${port}`;
  const serviceUrl = `http://${endpoint}/${DEV_ACCOUNT}`;
  const credential = new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_KEY);
  return { endpoint, serviceUrl, service: new BlobServiceClient(serviceUrl, credential), credential };
}

/** A container with the given blobs (`{ 'a/b.txt': 'content' }`); `access: 'container'` makes it public. */
export async function container(azurite: Azurite, name: string, blobs: Record<string, string | Buffer> = {}, access?: 'container' | 'blob'): Promise<void> {
  const client = azurite.service.getContainerClient(name);
  await client.create(access ? { access } : {});
  for (const [blob, content] of Object.entries(blobs)) await client.getBlockBlobClient(blob).upload(content, Buffer.byteLength(content));
}

/** The blobs of a container (or below `prefix`) with their content as text. */
export async function blobTexts(azurite: Azurite, name: string, prefix = ''): Promise<Record<string, string>> {
  const client = azurite.service.getContainerClient(name);
  const result: Record<string, string> = {};
  for await (const blob of client.listBlobsFlat({ prefix })) result[blob.name] = (await client.getBlobClient(blob.name).downloadToBuffer()).toString();
  return result;
}
