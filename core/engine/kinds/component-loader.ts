import fs from 'node:fs';
import path from 'node:path';
import { parseReference } from '../../language';
import type { AssetResolver } from '../resolve';
import type { SpecLoader } from '../spec-loader';
import type { ComponentLoader } from './pipeline';

/**
 * A step's or trial's component: a registered (or workspace-defined) one for `azureml:` references, or a component
 * spec file, validated like any spec the control plane is given.
 */
export function componentLoader(resolver: AssetResolver, loader: SpecLoader): ComponentLoader {
  return (reference, specDir) => {
    const ref = parseReference(reference);
    if (ref?.form === 'asset') {
      const found = resolver.find('component', ref.name, ref.version);
      return found && { spec: found.spec, dir: found.baseDir };
    }
    if (ref?.form !== 'file') return undefined;
    const file = path.resolve(specDir, ref.path);
    if (!fs.existsSync(file)) return undefined;
    const loaded = loader.load(path.relative(loader.root, file));
    return { spec: loaded.value, dir: path.dirname(loaded.path) };
  };
}
