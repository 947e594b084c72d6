import fs from 'node:fs';
import { WorkspaceLayout } from '../engine/layout';
import type { AssetSource, IndexedAsset } from '../language/workspace-index';
import { ApiClient } from './client';
import { readServeInfo } from './connect';
import type { ServeInfo } from './contracts';
import type { AssetSummary } from '../vocabulary';

/** How long `mlw validate` and the language server wait for a daemon's answer: offline is normal, not an error. */
export const REGISTERED_ASSETS_TIMEOUT_MS = 500;

/** A registered asset as the workspace index holds it; `path` is the spec file it was registered from, '' if not given. */
export function toIndexedAsset(asset: AssetSummary, path = ''): IndexedAsset {
  return { asset: asset.kind, name: asset.name, ...(asset.version ? { version: asset.version } : {}), path, start: 0, end: 0, origin: 'registered' };
}

/** The assets a workspace's control plane has registered, as a source of the workspace index. */
export class RegisteredAssets implements AssetSource {
  private indexed: IndexedAsset[] = [];

  constructor(summaries: readonly AssetSummary[] = []) {
    this.set(summaries);
  }

  set(summaries: readonly AssetSummary[]): void {
    this.indexed = summaries.map((a) => toIndexedAsset(a));
  }

  assets(): Iterable<IndexedAsset> {
    return this.indexed;
  }
}

/**
 * The registered assets of the workspace's running `mlw serve` (found through `.mlw/serve.json`); undefined when
 * none runs or it does not answer in time. Never starts a daemon.
 */
export async function fetchRegisteredAssets(root: string, timeoutMs = REGISTERED_ASSETS_TIMEOUT_MS): Promise<AssetSummary[] | undefined> {
  const info = readServeInfo(root);
  if (!info) return undefined;
  const client = new ApiClient(info.port, info.token);
  try {
    return await client.assets.list({}, { timeoutMs });
  } catch {
    return undefined;
  } finally {
    client.close();
  }
}

export interface RegisteredAssetsFeedOptions {
  timeoutMs?: number;
  /** How often `.mlw/serve.json` is checked while no daemon answers. */
  pollMs?: number;
}

/**
 * Follows the registered assets of a workspace for an editor: reads them whenever a connection to the workspace's
 * event stream opens and again after every asset event, and waits for a daemon (a new `.mlw/serve.json`) while none
 * answers. It never starts one. The last list read stays in effect while no daemon runs.
 */
export class RegisteredAssetsFeed {
  private readonly abort = new AbortController();
  private fetching = false;
  private fetchAgain = false;

  constructor(
    private readonly root: string,
    private readonly onAssets: (assets: AssetSummary[]) => void,
    private readonly options: RegisteredAssetsFeedOptions = {},
  ) {}

  start(): void {
    void this.run();
  }

  stop(): void {
    this.abort.abort();
  }

  private async run(): Promise<void> {
    const { signal } = this.abort;
    while (!signal.aborted) {
      const info = readServeInfo(this.root);
      if (info) {
        const client = new ApiClient(info.port, info.token);
        try {
          await client.events((event) => event.type === 'asset' && this.refresh(client), { after: 'latest', signal, onOpen: () => this.refresh(client) });
        } catch {
          // The daemon went away or refused: wait for the next one.
        } finally {
          client.close();
        }
      }
      if (!signal.aborted) await this.serveInfoChange(info);
    }
  }

  /** Reads the list once; an event during a read asks for one more read after it. */
  private refresh(client: ApiClient): void {
    if (this.fetching) {
      this.fetchAgain = true;
      return;
    }
    this.fetching = true;
    void (async () => {
      do {
        this.fetchAgain = false;
        try {
          const assets = await client.assets.list({}, { timeoutMs: this.options.timeoutMs ?? REGISTERED_ASSETS_TIMEOUT_MS * 4 });
          if (!this.abort.signal.aborted) this.onAssets(assets);
        } catch {
          // Gone meanwhile; the event stream ends too and the feed waits for the next daemon.
        }
      } while (this.fetchAgain && !this.abort.signal.aborted);
      this.fetching = false;
    })();
  }

  /** Resolves once `.mlw/serve.json` names another daemon than `previous` (or the feed stops). */
  private serveInfoChange(previous: ServeInfo | undefined): Promise<void> {
    const file = new WorkspaceLayout(this.root).serveInfo;
    const { signal } = this.abort;
    return new Promise((resolve) => {
      const done = (): void => {
        fs.unwatchFile(file, check);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const check = (): void => {
        const current = readServeInfo(this.root);
        if (current && (current.pid !== previous?.pid || current.port !== previous?.port || current.token !== previous?.token)) done();
      };
      signal.addEventListener('abort', done);
      fs.watchFile(file, { interval: this.options.pollMs ?? 1000, persistent: false }, check);
      check();
    });
  }
}
