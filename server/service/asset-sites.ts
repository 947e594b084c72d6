import type { AssetType, SpecDocument } from '../../core/language';
import { childOf, locate, stringValue, type PathSegment } from '../../core/language/yaml/ast';

/** Keys whose string value is a path relative to the spec (completion lists files, links and definition open them). */
export const PATH_KEYS: ReadonlySet<string> = new Set(['code', 'path', 'conda_file', 'component', 'dockerfile_path', 'scoring_script']);

/** The asset kind an `azureml:` reference at `path` names, judged by its key (DESIGN §2 "References"). */
export function expectedAsset(doc: SpecDocument, path: readonly PathSegment[]): AssetType | undefined {
  const key = path[path.length - 1];
  switch (key) {
    case 'environment':
    case 'default_environment':
      return 'environment';
    case 'compute':
    case 'default_compute':
      return 'compute';
    case 'datastore':
    case 'default_datastore':
      return 'datastore';
    case 'component':
      return 'component';
    case 'endpoint_name':
      return 'endpoint';
    case 'model':
      return doc.kind?.asset === 'deployment' ? 'model' : undefined;
    case 'path': {
      if (path.length === 1) return doc.kind?.asset === 'data' || doc.kind?.asset === 'model' ? doc.kind.asset : undefined;
      const section = path[path.length - 3];
      if (section !== 'inputs' && section !== 'outputs') return undefined;
      const type = stringValue(childOf(locate(doc.root, path.slice(0, -1)).node, 'type'));
      return type?.endsWith('_model') ? 'model' : 'data';
    }
    default:
      return undefined;
  }
}

export function isPathKey(path: readonly PathSegment[]): boolean {
  const key = path[path.length - 1];
  return typeof key === 'string' && PATH_KEYS.has(key);
}
