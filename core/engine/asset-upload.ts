import type { AssetKind, AssetUpload } from '../vocabulary';
import { DEFAULT_DATASTORE, type DatastoreResolver } from '../data/datastores';
import { DataError } from '../data/errors';
import { uploadToDatastore } from '../data/upload';
import { uploadToBlobDatastore } from '../data/blob-transfer';
import { parseReference } from '../language/refs';

/**
 * A data or model spec whose `path` is local gets its content uploaded once (content-addressed) into its `datastore`
 * (default `workspaceblobstore`; a local folder or a Blob container), and `path` becomes the `azureml://datastores/…`
 * URI of the copy: a registered version is a snapshot, not a reference to the user's folder. Other specs and paths are returned as they are.
 */
export async function uploadLocalPath(kind: AssetKind, spec: Record<string, unknown>, specDir: string, datastores: DatastoreResolver): Promise<{ spec: Record<string, unknown>; upload?: AssetUpload; reused?: boolean }> {
  const given = spec.path;
  if ((kind !== 'data' && kind !== 'model') || typeof given !== 'string' || parseReference(given)?.form !== 'file') return { spec };
  try {
    const location = datastores.resolve(given, specDir);
    if (location.kind !== 'local') return { spec };
    // Azure ML writes the data's datastore as `azureml:<name>`.
    const datastore = typeof spec.datastore === 'string' && spec.datastore ? spec.datastore.replace(/^azureml:/, '') : DEFAULT_DATASTORE;
    const blob = datastores.blobDatastore(datastore);
    const uploaded = blob ? await uploadToBlobDatastore(location.path, { datastore: blob, path: '' }) : await uploadToDatastore(location.path, datastores.root(datastore));
    const uri = `azureml://datastores/${datastore}/paths/${uploaded.relativePath}`;
    return { spec: { ...spec, path: uri }, upload: { localPath: location.path, uri, files: uploaded.files, bytes: uploaded.bytes }, reused: uploaded.reused };
  } catch (error) {
    if (error instanceof DataError) throw DataError.at('path', 'path', error);
    throw error;
  }
}
