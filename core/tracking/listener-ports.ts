import fs from 'node:fs';
import { isNotFound, writePrivateFile } from '../data/fs-util';

/** A port that a listener had before and could not take again. */
export interface PortMove {
  from: number;
  to: number;
}

/**
 * The ports the daemon's listeners had last time (`api`, `loopback`, `bridge`, `address:<ip>`), kept in a private
 * file of the workspace: jobs still running from a previous daemon hold tracking URIs with those ports, so each
 * listener asks for its port again, and takes a free one only when that port is taken.
 */
export class ListenerPorts {
  private readonly ports: Record<string, number>;
  private readonly moves = new Map<string, PortMove>();

  constructor(private readonly file: string, private readonly log: (line: string) => void) {
    this.ports = readPorts(file, log);
  }

  /**
   * Starts `name`'s listener with `listen` on the port it had (else `firstChoice`, else a free one; 0 asks for a free
   * one); a taken port gives a free one. Records where it listens.
   */
  async listen<T>(name: string, what: string, listen: (port: number) => Promise<T>, portOf: (listening: T) => number, firstChoice?: number): Promise<T> {
    const preferred = this.ports[name] ?? firstChoice ?? 0;
    let listening: T;
    try {
      listening = await listen(preferred);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || !preferred) throw error;
      listening = await listen(0);
    }
    this.record(name, what, portOf(listening));
    return listening;
  }

  /** Records where `name` listens now; says so in the log when it had to leave the port it had. */
  private record(name: string, what: string, port: number): void {
    const before = this.ports[name];
    if (before === port) return;
    if (before !== undefined) {
      this.moves.set(name, { from: before, to: port });
      this.log(`mlw serve: port ${before} of ${what} is taken, so it listens on ${port}: jobs still running from before the restart that log to port ${before} lose tracking`);
    }
    this.ports[name] = port;
    try {
      writePrivateFile(this.file, JSON.stringify(this.ports, null, 2));
    } catch (error) {
      this.log(`mlw serve: cannot record the listeners' ports in ${this.file} (the next start takes other ports): ${(error as Error).message}`);
    }
  }

  /** How listener `name` moved when the port it had was taken. */
  moved(name: string): PortMove | undefined {
    return this.moves.get(name);
  }
}

function readPorts(file: string, log: (line: string) => void): Record<string, number> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (!isNotFound(error)) log(`mlw serve: cannot read ${file}, so listeners take free ports: ${(error as Error).message}`);
    return {};
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
    return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, number] => Number.isInteger(entry[1]) && entry[1] > 0 && entry[1] < 65536));
  } catch (error) {
    log(`mlw serve: ${file} is damaged (${(error as Error).message}); listeners take free ports and it is written anew`);
    return {};
  }
}
