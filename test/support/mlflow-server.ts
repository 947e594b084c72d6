import { execFile } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import { tempDir } from './temp';
import { SHARED_MLFLOW_SCRIPTS } from './mlflow';

const run = promisify(execFile);

/** A free loopback port (the real server needs one given on its command line). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** The real `mlflow server` (sqlite, proxied artifacts) on loopback, stopped after the test. */
export async function startRealMlflowServer(t: TestContext, options: string[] = ['--workers', '1']): Promise<{ url: string; port: number }> {
  const dir = await tempDir(t, 'mlflow-ref-');
  const port = await freePort();
  const { stdout } = await run('bash', [path.join(SHARED_MLFLOW_SCRIPTS, 'serve-mlflow.sh'), String(port), dir, ...options], { encoding: 'utf8', timeout: 180_000 });
  const pid = stdout.trim().split('\n').pop()!;
  t.after(() => run('bash', [path.join(SHARED_MLFLOW_SCRIPTS, 'stop-mlflow.sh'), pid]).then(() => undefined, () => undefined));
  return { url: `http://127.0.0.1:${port}`, port };
}
