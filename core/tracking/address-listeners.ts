import net from 'node:net';
import type { BridgeListener } from './bridge';

/** A tracking listener on one address, serving HTTPS with the certificate in `certificateFile`. */
export interface AddressListener extends BridgeListener {
  certificateFile: string;
}

/**
 * Tracking listeners started on demand, one per address of this machine (a remote compute's `tracking_address`), and
 * where runs reach each: an HTTPS URI at the address itself (a remote engine's containers cannot resolve this
 * machine's names) and the certificate to trust there.
 */
export class AddressListeners {
  private readonly listeners = new Map<string, Promise<AddressListener>>();

  constructor(private readonly start: (address: string) => Promise<AddressListener>) {}

  async at(address: string): Promise<{ uri: string; certificateFile: string }> {
    let listener = this.listeners.get(address);
    if (!listener) {
      listener = this.start(address);
      this.listeners.set(address, listener);
      // A failed start (an address this machine does not have) is tried again by the next run.
      listener.catch(() => this.listeners.delete(address));
    }
    const { port, certificateFile } = await listener.catch((error: unknown) => {
      throw new Error(`the tracking API cannot listen on ${address} (tracking_address): ${(error as Error).message}`, { cause: error });
    });
    return { uri: `https://${net.isIPv6(address) ? `[${address}]` : address}:${port}`, certificateFile };
  }

  async close(): Promise<void> {
    await Promise.all([...this.listeners.values()].map((listener) => listener.then((l) => l.close(), () => undefined)));
    this.listeners.clear();
  }
}
