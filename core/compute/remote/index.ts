import type { SecretsStore } from '../../secrets/store';
import type { ComputeDriver } from '../driver';
import { RemoteDriver, type RemoteDriverOptions } from './remote-driver';
import { remoteEngineOf } from './remote-engine';

export { RemoteDriver, type RemoteDriverOptions } from './remote-driver';
export { remoteEngineOf } from './remote-engine';

/** Drivers for `type: remote` computes: credentials come from `secrets` or files, relative paths from `baseDir`. */
export function remoteDrivers(secrets: SecretsStore, baseDir: string, options: RemoteDriverOptions = {}): (name: string, spec: Record<string, unknown>) => ComputeDriver {
  return (name, spec) => new RemoteDriver(name, remoteEngineOf(name, spec, secrets, baseDir), options);
}
