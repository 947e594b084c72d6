import type { RegistryAddresses } from '../compute/swarm/images';
import { registryAddress } from '../language/workspace-backing';
import { readRegistryRecord, RegistryServer, type RegistryServerRecord } from './registry-server';
import { readWorkspaceRecord } from './workspace-record';

/** What stands for the workspace's `container_registry`. */
export type WorkspaceRegistryState =
  | { kind: 'own'; server: RegistryServerRecord }
  | { kind: 'external'; address: string }
  | { kind: 'none'; reason: string };

/**
 * The workspace's container registry, as its recorded spec says: without `container_registry`, its own registry
 * (started here, see RegistryServer); with `host:port`, that registry; with an Azure resource ID mlw cannot reach,
 * none. Swarm computes without `registry:` push their run images through it.
 */
export class WorkspaceRegistry {
  private server: RegistryServer | undefined;

  constructor(
    private readonly root: string,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** Starts the own registry when the spec wants it (stops it when the spec no longer does); answers what stands. */
  async ensure(): Promise<WorkspaceRegistryState> {
    const spec = readWorkspaceRecord(this.root)?.spec;
    const given = spec?.container_registry;
    if (spec && !given) {
      this.server ??= new RegistryServer(this.root, this.log);
      await this.server.start();
      const server = readRegistryRecord(this.root);
      if (server) return { kind: 'own', server };
      throw new Error('the workspace registry started but is not recorded');
    }
    await this.close();
    if (!spec) return { kind: 'none', reason: 'no workspace is recorded in this folder (`mlw workspace create`)' };
    const address = registryAddress(given);
    if (address) return { kind: 'external', address };
    return { kind: 'none', reason: `container_registry ${given} is an Azure resource mlw cannot reach` };
  }

  /** The registry as the nodes reaching this machine at `host` pull from it and as this engine pushes; none without one. */
  async addressesFor(host: () => Promise<string>): Promise<RegistryAddresses | undefined> {
    const state = await this.ensure();
    if (state.kind === 'external') return { pull: state.address, push: state.address };
    if (state.kind === 'none' || !this.server) return undefined;
    return { pull: await this.server.addressFor(await host()), push: await this.server.pushAddress() };
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await server?.stop();
  }
}

/** Proves `address` answers as a registry (the Docker Registry HTTP API v2), over HTTPS or else plain HTTP. */
export async function probeRegistry(address: string): Promise<void> {
  const failures: string[] = [];
  for (const scheme of ['https', 'http']) {
    try {
      const response = await fetch(`${scheme}://${address}/v2/`, { signal: AbortSignal.timeout(5_000) });
      if (response.status === 200 || response.status === 401) return;
      failures.push(`${scheme}: HTTP ${response.status}`);
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      failures.push(`${scheme}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
    }
  }
  throw new Error(`container_registry ${address} does not answer as a container registry (GET /v2/: ${failures.join('; ')}); start it, or remove container_registry to use the workspace's own registry`);
}
