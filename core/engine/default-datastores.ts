import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { BUILTIN_DATASTORES } from '../data/datastores';
import type { AssetRepository } from '../store/assets';
import type { WorkspaceLayout } from './layout';

const PURPOSE: Record<(typeof BUILTIN_DATASTORES)[number], string> = {
  workspaceblobstore: 'default datastore: uploaded data and models, job outputs',
  workspacefilestore: 'file share datastore',
  workspaceartifactstore: 'MLflow artifacts and logged models',
  workspaceworkingdirectory: 'working directory datastore',
};

/**
 * Registers the four datastores every workspace has as local-folder datastores under `.mlw/datastores/<name>/` and
 * keeps them from being archived. Idempotent: a datastore already registered under one of these names (the
 * workspace's own definition, or an earlier start) is left as it is.
 */
export function ensureDefaultDatastores(assets: AssetRepository, layout: WorkspaceLayout): void {
  for (const name of BUILTIN_DATASTORES) {
    const folder = path.join(layout.mlwDir, 'datastores', name);
    fs.mkdirSync(folder, { recursive: true });
    assets.protect('datastore', name, `${name} is one of the workspace's default datastores; it cannot be archived`);
    if (assets.list('datastore', name, true).length > 0) continue;
    // Relative to the workspace folder (registered assets without a spec file resolve against it), so a moved
    // workspace keeps working.
    const spec = { name, type: 'local', path: path.relative(layout.root, folder).split(path.sep).join('/'), description: `${PURPOSE[name]} (built in)` };
    assets.register({ kind: 'datastore', name, version: '', spec, contentHash: crypto.createHash('sha256').update(JSON.stringify(spec)).digest('hex') });
  }
}
