import type { Diagnostic } from 'vscode-languageserver';

/** Longest wait after an edit before diagnostics are computed (keystrokes typed faster than this are coalesced). */
export const MAX_DIAGNOSTICS_DELAY_MS = 50;

export interface DiagnosticsTarget {
  version(uri: string): number | undefined;
  compute(uri: string): Diagnostic[];
  publish(uri: string, version: number, diagnostics: Diagnostic[]): void;
  error(uri: string, error: unknown): void;
}

/** Computes and publishes a document's diagnostics: at once after an open, debounced after edits, never for a stale version. */
export class DiagnosticsScheduler {
  private readonly timers = new Map<string, NodeJS.Timeout | NodeJS.Immediate>();

  constructor(
    private readonly target: DiagnosticsTarget,
    private readonly delayMs: number,
  ) {}

  now(uri: string): void {
    this.cancel(uri);
    this.timers.set(uri, setImmediate(() => this.run(uri)));
  }

  later(uri: string): void {
    this.cancel(uri);
    this.timers.set(uri, setTimeout(() => this.run(uri), Math.min(this.delayMs, MAX_DIAGNOSTICS_DELAY_MS)));
  }

  cancel(uri: string): void {
    const timer = this.timers.get(uri);
    if (!timer) return;
    clearTimeout(timer as NodeJS.Timeout);
    clearImmediate(timer as NodeJS.Immediate);
    this.timers.delete(uri);
  }

  dispose(): void {
    for (const uri of [...this.timers.keys()]) this.cancel(uri);
  }

  private run(uri: string): void {
    this.timers.delete(uri);
    const version = this.target.version(uri);
    if (version === undefined) return;
    let diagnostics: Diagnostic[];
    try {
      diagnostics = this.target.compute(uri);
    } catch (e) {
      this.target.error(uri, e);
      return;
    }
    // an edit that arrived meanwhile gets its own run
    if (this.target.version(uri) === version) this.target.publish(uri, version, diagnostics);
  }
}
