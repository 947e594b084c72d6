import net from 'node:net';
import type { BridgeListener } from './bridge';

/**
 * Tracking listeners started on demand, one per address of this machine (a remote compute's `tracking_address`), and
 * the tracking URI each gives: the address itself, as a remote engine's containers cannot resolve this machine's names.
 */
export class AddressListeners {
  private readonly listeners = new Map<string, Promise<BridgeListener>>();

  constructor(private readonly start: (address: string) => Promise<BridgeListener>) {}

  async url(address: string): Promise<string> {
    let listener = this.listeners.get(address);
    if (!listener) {
      listener = this.start(address);
      this.listeners.set(address, listener);
      // A failed start (an address this machine does not have) is tried again by the next run.
      listener.catch(() => this.listeners.delete(address));
    }
    const { port } = await listener.catch((error: unknown) => {
      throw new Error(`the tracking API cannot listen on ${address} (tracking_address): ${(error as Error).message}`, { cause: error });
    });
    return `http://${net.isIPv6(address) ? `[${address}]` : address}:${port}`;
  }

  async close(): Promise<void> {
    await Promise.all([...this.listeners.values()].map((listener) => listener.then((l) => l.close(), () => undefined)));
    this.listeners.clear();
  }
}
