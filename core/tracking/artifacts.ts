import fs from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LinkEscapeError, listInside, NotAFileError, readStreamInside, realPathInside, staysInside } from '../data/contained-fs';
import { isMissingPath } from '../data/fs-util';
import { forbidden, invalid, MlflowError, notFound } from './errors';

export interface FileInfoJson {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

/** Largest single artifact accepted through the proxy. */
export const MAX_ARTIFACT_BYTES = 8 * 1024 ** 3;

/**
 * Where proxied artifacts are kept: the local folder of `workspaceartifactstore`, or its Blob container. Paths are
 * relative to the store, e.g. `<experiment>/<run>/artifacts/<file>`; `within` limits a read to that folder.
 */
export interface Artifacts {
  write(relative: string, body: Readable, limit?: number): Promise<void>;
  open(relative: string, within?: string): Promise<{ stream: Readable; name: string }>;
  list(relative: string, prefix?: string, within?: string): Promise<FileInfoJson[]>;
  delete(relative: string): Promise<void>;
  /** Refuses a path a write would follow out of the store. */
  requireContained(relative: string): void;
}

/**
 * Proxied artifacts in the workspace artifact datastore (`.mlw/datastores/workspaceartifactstore/`): the path of
 * `mlflow-artifacts:/<experiment>/<run>/artifacts/<file>` below that folder is `<experiment>/<run>/artifacts/<file>`.
 */
export class ArtifactStore implements Artifacts {
  constructor(readonly root: string) {}

  /** A relative artifact path made absolute; `..`, absolute paths and NUL are refused as MLflow does. */
  resolve(relative: string): string {
    const clean = safeRelativePath(relative);
    return clean === '' ? this.root : path.join(this.root, ...clean.split('/'));
  }

  async write(relative: string, body: Readable, limit = MAX_ARTIFACT_BYTES): Promise<void> {
    const target = this.resolve(relative);
    if (target === this.root) throw invalid('An artifact path is required');
    this.requireContainedFolder(relative);
    if (fs.existsSync(target) && fs.statSync(target).isDirectory()) throw invalid(`Artifact path ${relative} is a directory`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const temp = `${target}.${process.pid}.${Date.now()}.upload`;
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        done(size > limit ? new MlflowError('REQUEST_LIMIT_EXCEEDED', `Artifact ${relative} is larger than the limit of ${limit} bytes`) : null, chunk);
      },
    });
    try {
      await pipeline(body, counter, fs.createWriteStream(temp));
      fs.renameSync(temp, target);
    } catch (error) {
      fs.rmSync(temp, { force: true });
      throw error;
    }
  }

  /**
   * A file to send for a download, opened so that a symbolic link leading outside the artifact store (which a job
   * writing into the datastore could leave), or outside the folder `within` (a relative folder of the store), is
   * refused rather than followed.
   */
  async open(relative: string, within = ''): Promise<{ stream: fs.ReadStream; name: string }> {
    try {
      const { root, inside } = this.containment(relative, within);
      return { stream: readStreamInside(root, inside).stream, name: path.posix.basename(relative) };
    } catch (error) {
      if (error instanceof LinkEscapeError) throw forbidden(`Artifact ${error.message}`);
      if (error instanceof NotAFileError || isMissingPath(error)) throw notFound(`No such file or directory: '${relative}'`);
      throw error;
    }
  }

  /**
   * Direct children of a folder; paths are `prefix/name` (or just the name without prefix). Symbolic links are
   * listed as what they point to while that stays inside the store (and the folder `within`), and left out otherwise.
   */
  async list(relative: string, prefix?: string, within = ''): Promise<FileInfoJson[]> {
    let entries;
    try {
      const { root, inside } = this.containment(relative, within);
      entries = listInside(root, inside);
    } catch (error) {
      if (error instanceof MlflowError) throw error;
      if (error instanceof LinkEscapeError) throw forbidden(`Artifact ${error.message}`);
      return [];
    }
    return entries
      .filter((entry) => !entry.relative.endsWith('.upload'))
      .sort((a, b) => (a.relative < b.relative ? -1 : 1))
      .map((entry) => {
        const entryPath = prefix ? `${prefix}/${entry.relative}` : entry.relative;
        if (entry.isDirectory) return { path: entryPath, is_dir: true };
        return { path: entryPath, is_dir: false, file_size: entry.size };
      });
  }

  async delete(relative: string): Promise<void> {
    const target = this.resolve(relative);
    if (target === this.root) throw invalid('Refusing to delete the artifact root');
    this.requireContainedFolder(relative);
    fs.rmSync(target, { recursive: true, force: true });
  }

  /** Refuses a path whose folder leads through a symbolic link out of the store (a write or delete would land there). */
  requireContained(relative: string): void {
    if (!staysInside(this.root, safeRelativePath(relative))) throw forbidden(`Artifact path ${relative} leads through a symbolic link outside the artifact store; mlw does not follow it`);
  }

  /**
   * The real folder links must stay inside (`within` resolved in the store, itself without leaving it) and the path
   * below it; a path outside `within` is refused.
   */
  private containment(relative: string, within: string): { root: string; inside: string } {
    const clean = safeRelativePath(relative);
    const folder = safeRelativePath(within);
    if (!folder) return { root: this.root, inside: clean };
    if (clean !== folder && !clean.startsWith(`${folder}/`)) throw forbidden(`Artifact path ${relative} is outside ${within}`);
    return { root: realPathInside(this.root, folder), inside: clean.slice(folder.length + 1) };
  }

  private requireContainedFolder(relative: string): void {
    this.requireContained(path.posix.dirname(safeRelativePath(relative)));
  }
}

/** Normalizes a relative artifact path; refuses anything that could leave the folder it is relative to. */
export function safeRelativePath(relative: string): string {
  const decoded = relative.replace(/\\/g, '/');
  if (decoded.includes('\0') || decoded.startsWith('/') || /^[A-Za-z]:/.test(decoded) || decoded.split('/').some((part) => part === '..')) {
    throw invalid('Invalid path');
  }
  return decoded.split('/').filter((part) => part !== '' && part !== '.').join('/');
}

/** `mlflow-artifacts:/<experiment>/<run>/artifacts` → `<experiment>/<run>/artifacts`. */
export function proxiedPath(artifactUri: string): string {
  const match = /^mlflow-artifacts:(?:\/\/[^/]*)?\/(.*)$/.exec(artifactUri);
  if (!match) throw invalid(`Artifact URI ${artifactUri} is not served by this server`);
  return safeRelativePath(match[1]!);
}
