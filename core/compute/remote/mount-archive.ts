import type Docker from 'dockerode';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import type { MountCopier } from '../docker';
import type { RunMount } from '../driver';

/**
 * A remote engine cannot bind this machine's folders, so a run's mounts travel as tar archives: all of them go into
 * the created container before it starts (owned by the run's user, so the writable ones are writable), and the
 * writable ones (outputs, and the code folder, as a bind mount would show its changes) come back after it exits, into
 * the same host paths.
 */
export function archiveMountCopier(user: string): MountCopier {
  const [uid, gid] = user.split(':').map(Number);
  const owner = { uid: uid ?? 0, gid: gid ?? uid ?? 0 };
  return {
    async copyIn(container, mounts) {
      if (!mounts.length) return;
      const pack = tar.pack();
      const filled = fillArchive(pack, mounts, owner).then(() => pack.finalize(), (error: unknown) => pack.destroy(error as Error));
      await Promise.all([container.putArchive(pack as unknown as Readable, { path: '/' }), filled]);
    },
    async copyOut(container, mounts) {
      for (const mount of mounts) if (!mount.readOnly) await copyBack(container, mount);
    },
  };
}

async function fillArchive(pack: tar.Pack, mounts: RunMount[], owner: { uid: number; gid: number }): Promise<void> {
  for (const mount of mounts) await addTree(pack, mount.source, mount.target.replace(/^\/+/, ''), owner);
}

async function addTree(pack: tar.Pack, source: string, name: string, owner: { uid: number; gid: number }): Promise<void> {
  const stat = await fs.promises.lstat(source);
  const header = { name, mode: stat.mode & 0o7777, mtime: stat.mtime, ...owner };
  if (stat.isSymbolicLink()) {
    await entry(pack, { ...header, type: 'symlink', linkname: await fs.promises.readlink(source) });
  } else if (stat.isDirectory()) {
    await entry(pack, { ...header, type: 'directory' });
    for (const child of (await fs.promises.readdir(source)).sort()) await addTree(pack, path.join(source, child), `${name}/${child}`, owner);
  } else if (stat.isFile()) {
    const sink = pack.entry({ ...header, type: 'file', size: stat.size });
    await pipeline(fs.createReadStream(source), sink);
  }
  // Sockets, fifos and devices have no meaning on another machine: left out.
}

function entry(pack: tar.Pack, header: Partial<tar.Header> & { name: string }): Promise<void> {
  return new Promise((resolve, reject) => pack.entry(header, (error) => (error ? reject(error) : resolve())));
}

/** The engine answers a path's archive with the path's own name as first component, which is replaced by `source`. */
async function copyBack(container: Docker.Container, mount: RunMount): Promise<void> {
  const archive = (await container.getArchive({ path: mount.target })) as unknown as Readable;
  const root = path.resolve(mount.source);
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      writeEntry(root, header, stream as unknown as Readable).then(() => next(), (error: unknown) => {
        stream.resume();
        next(error as Error);
      });
    });
    extract.once('finish', resolve);
    extract.once('error', reject);
  });
  await Promise.all([pipeline(archive, extract), done]);
}

async function writeEntry(root: string, header: tar.Header, stream: Readable): Promise<void> {
  const relative = header.name.split('/').slice(1).filter((part) => part !== '' && part !== '.');
  if (relative.includes('..')) throw new Error(`the engine's archive holds ${header.name}, which leaves the output folder`);
  const destination = path.join(root, ...relative);
  if (relative.length) await assertInside(root, path.dirname(destination));
  if (header.type === 'directory') {
    await fs.promises.mkdir(destination, { recursive: true });
  } else if (header.type === 'file') {
    await fs.promises.mkdir(path.dirname(destination), { recursive: true });
    // A link left there earlier must not redirect the write.
    await fs.promises.rm(destination, { force: true });
    await pipeline(stream, fs.createWriteStream(destination, { mode: (header.mode ?? 0o644) & 0o777 }));
    return;
  } else if (header.type === 'symlink' && header.linkname) {
    await fs.promises.rm(destination, { force: true, recursive: true });
    await fs.promises.symlink(header.linkname, destination);
  }
  stream.resume();
}

async function assertInside(root: string, folder: string): Promise<void> {
  const realRoot = await fs.promises.realpath(root).catch(() => root);
  const realFolder = await fs.promises.realpath(folder).catch(() => folder);
  if (realFolder !== realRoot && !realFolder.startsWith(realRoot + path.sep)) throw new Error(`the engine's archive writes through a link out of ${root}`);
}
