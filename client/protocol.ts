/**
 * The messages between this client and the mlw language server beyond standard LSP, typed in one place.
 * Today: the initialization options, the settings pushed through `workspace/didChangeConfiguration`
 * (server/README.md, "Coexistence with Red Hat YAML") and the workspace-trust notification.
 */
import type { YamlFeature } from './config';

export interface ServerSettings {
  mlw: { yaml: { leaveToYamlExtension: YamlFeature[] } };
}

export interface InitializationOptions extends ServerSettings {
  /** Delay between the last edit and diagnostics (the server caps it at 50 ms). */
  diagnosticsDelayMs?: number;
  /**
   * Whether the user trusts the workspace. Only then does the server read `.mlw/serve.json` and connect to the
   * daemon it names (for the registered assets); absent means not trusted.
   */
  workspaceTrusted?: boolean;
}

/** Sent when the user grants the workspace trust after the server started: it then connects to the daemon. */
export const WORKSPACE_TRUSTED_NOTIFICATION = 'mlw/workspaceTrusted';

/** V8 flag for the server process: a small young generation lowers its peak memory (server/README.md). */
export const SERVER_EXEC_ARGV = ['--max-semi-space-size=1'];

/**
 * The client command behind the `secret-in-spec` quick fix: it sends the credential to the workspace's daemon (the
 * secrets store) and replaces it in the file by the reference the daemon answers. The server stays offline.
 */
export const MOVE_SECRET_COMMAND = 'mlw.secret.moveToStore';

export interface MoveSecretArguments {
  uri: string;
  /** The credential's value as written in the file (quotes included) and where. */
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  written: string;
  /** The credential as parsed. */
  value: string;
  datastore: string;
  key: string;
}
