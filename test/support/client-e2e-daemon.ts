// The control plane of the end-to-end test's workspace in the dev run: the real daemon, started before VS Code,
// so the extension finds a running one through .mlw/serve.json (the vsix run lets the extension start its own).
// Usage: node --import tsx test/support/client-e2e-daemon.ts <workspace>; prints "ready <port>", stops on SIGTERM.
import { startDaemon } from '../../daemon/start-daemon';

async function main(root: string | undefined): Promise<void> {
  if (!root) throw new Error('usage: client-e2e-daemon.ts <workspace>');
  const daemon = await startDaemon({ root, version: 'e2e' });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void daemon.stop({ cancelJobs: true }).then(() => process.exit(0)));
  process.stdout.write(`ready ${daemon.info.port}\n`);
}

main(process.argv[2]).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
