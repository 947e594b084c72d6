/**
 * The messages between this client and the mlw language server beyond standard LSP, typed in one place.
 * Today: the initialization options and the settings pushed through `workspace/didChangeConfiguration`
 * (server/README.md, "Coexistence with Red Hat YAML").
 */
import type { YamlFeature } from './config';

export interface ServerSettings {
  mlw: { yaml: { leaveToYamlExtension: YamlFeature[] } };
}

export interface InitializationOptions extends ServerSettings {
  /** Delay between the last edit and diagnostics (the server caps it at 50 ms). */
  diagnosticsDelayMs?: number;
}

/** V8 flag for the server process: a small young generation lowers its peak memory (server/README.md). */
export const SERVER_EXEC_ARGV = ['--max-semi-space-size=1'];
