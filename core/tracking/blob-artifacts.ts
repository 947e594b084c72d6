import { Transform, type Readable } from 'node:stream';
import { RestError, type ContainerClient } from '@azure/storage-blob';
import { blobError, type BlobDatastore, containerClient } from '../data/blob';
import { type Artifacts, type FileInfoJson, MAX_ARTIFACT_BYTES, safeRelativePath } from './artifacts';
import { forbidden, invalid, MlflowError, notFound } from './errors';

const BLOCK_SIZE = 8 * 1024 * 1024;
const BLOCK_CONCURRENCY = 4;

/**
 * Proxied artifacts in the Blob container of `workspaceartifactstore` (a workspace on a storage account): the artifact
 * `<experiment>/<run>/artifacts/<file>` is the blob of that name. Folders are blob name prefixes, as MLflow's own
 * Azure Blob artifact repository lays them out.
 */
export class BlobArtifactStore implements Artifacts {
  private readonly container: ContainerClient;

  constructor(readonly datastore: BlobDatastore) {
    this.container = containerClient(datastore);
  }

  async write(relative: string, body: Readable, limit = MAX_ARTIFACT_BYTES): Promise<void> {
    const name = safeRelativePath(relative);
    if (!name) throw invalid('An artifact path is required');
    if (await this.isFolder(name)) throw invalid(`Artifact path ${relative} is a directory`);
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        done(size > limit ? new MlflowError('REQUEST_LIMIT_EXCEEDED', `Artifact ${relative} is larger than the limit of ${limit} bytes`) : null, chunk);
      },
    });
    body.on('error', (error) => counter.destroy(error));
    await this.azure(name, 'writing', () => this.container.getBlockBlobClient(name).uploadStream(body.pipe(counter), BLOCK_SIZE, BLOCK_CONCURRENCY));
  }

  async open(relative: string, within = ''): Promise<{ stream: Readable; name: string }> {
    const name = this.inside(relative, within);
    try {
      const download = await this.container.getBlobClient(name).download();
      if (!download.readableStreamBody) throw notFound(`No such file or directory: '${relative}'`);
      return { stream: download.readableStreamBody as Readable, name: name.split('/').pop()! };
    } catch (error) {
      if (isMissing(error)) throw notFound(`No such file or directory: '${relative}'`);
      throw this.failure(name, error, 'reading');
    }
  }

  async list(relative: string, prefix?: string, within = ''): Promise<FileInfoJson[]> {
    const folder = this.inside(relative, within);
    const entries: FileInfoJson[] = [];
    const below = folder ? `${folder}/` : '';
    await this.azure(folder, 'listing', async () => {
      for await (const item of this.container.listBlobsByHierarchy('/', { prefix: below })) {
        const child = item.name.slice(below.length).replace(/\/$/, '');
        if (!child) continue;
        const entryPath = prefix ? `${prefix}/${child}` : child;
        entries.push(item.kind === 'prefix' ? { path: entryPath, is_dir: true } : { path: entryPath, is_dir: false, file_size: item.properties.contentLength ?? 0 });
      }
    });
    return entries.sort((a, b) => (a.path < b.path ? -1 : 1));
  }

  async delete(relative: string): Promise<void> {
    const name = safeRelativePath(relative);
    if (!name) throw invalid('Refusing to delete the artifact root');
    await this.azure(name, 'deleting', async () => {
      for await (const blob of this.container.listBlobsFlat({ prefix: `${name}/` })) await this.container.deleteBlob(blob.name);
      await this.container.deleteBlob(name).catch((error: unknown) => {
        if (!isMissing(error)) throw error;
      });
    });
  }

  /** Blob names have no links to follow: every path stays in the container. */
  requireContained(relative: string): void {
    safeRelativePath(relative);
  }

  private inside(relative: string, within: string): string {
    const name = safeRelativePath(relative);
    const folder = safeRelativePath(within);
    if (folder && name !== folder && !name.startsWith(`${folder}/`)) throw forbidden(`Artifact path ${relative} is outside ${within}`);
    return name;
  }

  private async isFolder(name: string): Promise<boolean> {
    const page = await this.azure(name, 'listing', () => this.container.listBlobsFlat({ prefix: `${name}/` }).byPage({ maxPageSize: 1 }).next());
    return (page.value?.segment.blobItems.length ?? 0) > 0;
  }

  private async azure<T>(name: string, what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw this.failure(name, error, what);
    }
  }

  /** An Azure failure as an MLflow error naming the datastore and Azure's code; MLflow errors pass unchanged. */
  private failure(name: string, error: unknown, what: string): unknown {
    if (error instanceof MlflowError) return error;
    const described = blobError({ datastore: this.datastore, path: name }, error, what);
    return new MlflowError('INTERNAL_ERROR', described instanceof Error ? described.message : String(described));
  }
}

function isMissing(error: unknown): boolean {
  return (error instanceof RestError || (error as { name?: string })?.name === 'RestError') && (error as RestError).statusCode === 404;
}
