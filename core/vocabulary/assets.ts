/** The workspace's asset kinds and how a registered asset is described. */

/** The compute every workspace has: host processes, one per core. */
export const BUILTIN_LOCAL = 'local';

/** Asset kinds the control plane registers (`mlw <kind> create`). */
export const ASSET_KINDS = ['compute', 'datastore', 'data', 'environment', 'model', 'component'] as const;
export type AssetKind = (typeof ASSET_KINDS)[number];

export interface AssetSummary {
  kind: AssetKind;
  name: string;
  /** '' for unversioned kinds (compute, datastore). */
  version: string;
  createdAt: string;
  archived: boolean;
  sourcePath?: string;
  /** The job whose output this asset is. */
  job?: string;
}

export interface AssetDetail extends AssetSummary {
  spec: Record<string, unknown>;
  contentHash: string;
  /** A data or model version registered from a local path: that path, and the datastore copy `spec.path` names. */
  upload?: AssetUpload;
}

export interface AssetUpload {
  /** The local file or folder as it was when registered (absolute). */
  localPath: string;
  /** `azureml://datastores/workspaceblobstore/paths/LocalUpload/<hash>/<name>`. */
  uri: string;
  files: number;
  bytes: number;
}
