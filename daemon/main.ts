import path from 'node:path';
import { Command } from 'commander';
import { DaemonRunningError, startDaemon } from './start-daemon';
import type { TlsRequest } from './tls';

declare const MLW_VERSION: string;

/** Default idle period before an unused daemon exits (no request and no running job). */
const DEFAULT_IDLE_MINUTES = 30;

export async function main(argv: string[]): Promise<void> {
  const program = new Command('mlw serve')
    .description('run the control plane of a workspace folder in the foreground')
    .option('--workspace <folder>', 'workspace folder', process.cwd())
    .option('--port <port>', 'port (default: the one it had last time if free, else a free one)', '0')
    .option('--host <address>', 'address to listen on; any but loopback needs TLS', '127.0.0.1')
    .option('--tls-cert <file>', 'TLS certificate (PEM), with --tls-key')
    .option('--tls-key <file>', 'TLS private key (PEM), with --tls-cert')
    .option('--tls', 'serve HTTPS with a self-signed certificate kept under .mlw/tls/ (the default beyond loopback)')
    .option('--no-tls', 'plain HTTP (loopback only)')
    .option('--idle-timeout <minutes>', 'exit after this many idle minutes with no running job (0: never)', String(process.env.MLW_IDLE_TIMEOUT_MINUTES ?? DEFAULT_IDLE_MINUTES))
    .parse(argv, { from: 'user' });
  const options = program.opts<{ workspace: string; port: string; host: string; idleTimeout: string; tls?: boolean; tlsCert?: string; tlsKey?: string }>();
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  try {
    const tls = tlsRequestOf(options);
    const daemon = await startDaemon({
      root: path.resolve(options.workspace),
      version: typeof MLW_VERSION === 'string' ? MLW_VERSION : '0.0.0-dev',
      port: Number(options.port),
      host: options.host,
      ...(tls ? { tls } : {}),
      idleTimeoutMs: Number(options.idleTimeout) * 60_000,
      log,
    });
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void daemon.stop());
    await daemon.stopped;
    // Runs left active belong to the next daemon; nothing here should keep the process alive.
    process.exit(0);
  } catch (error) {
    log(`mlw serve: ${(error as Error).message}`);
    if (process.env.MLW_DEBUG) log(String((error as Error).stack));
    process.exitCode = error instanceof DaemonRunningError ? 3 : 1;
  }
}

function tlsRequestOf(options: { tls?: boolean; tlsCert?: string; tlsKey?: string }): TlsRequest | undefined {
  if (Boolean(options.tlsCert) !== Boolean(options.tlsKey)) throw new Error('--tls-cert and --tls-key go together: give both');
  if (options.tlsCert && options.tlsKey) {
    if (options.tls === false) throw new Error('--no-tls cannot be combined with --tls-cert and --tls-key');
    return { certFile: path.resolve(options.tlsCert), keyFile: path.resolve(options.tlsKey) };
  }
  if (options.tls === undefined) return undefined;
  return options.tls ? 'self-signed' : 'off';
}

if (require.main === module) void main(process.argv.slice(2));
