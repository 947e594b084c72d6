// Blob datastore transfers against Azurite: mlw's upload and download into the content cache vs the SDK's own
// `uploadFile`/`downloadToFile` of the same data, side by side; and a cache hit for an unchanged input.
// Run: node --import tsx bench/blob.bench.ts [--runs=5] [--files=10000] [--large-mb=256] (0 leaves a data set out)
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { ContainerClient } from '@azure/storage-blob';
import { type BlobDatastore } from '../core/data/blob';
import { FILE_CONCURRENCY, fetchToCache, uploadFolderToBlob } from '../core/data/blob-transfer';
import { mapLimit } from '../core/data/fs-util';
import { DEV_ACCOUNT, DEV_KEY, startAzurite } from '../test/support/azurite';
import { tempDir } from '../test/support/temp';
import { argument, median, ms, printTable } from './harness';

const runs = argument('runs', 5);
const fileCount = argument('files', 10_000);
const largeMb = argument('large-mb', 256);

async function main(): Promise<void> {
  const cleanups: Array<() => unknown> = [];
  const t = { after: (fn: () => unknown) => cleanups.push(fn) } as unknown as TestContext;
  try {
    const azurite = await startAzurite(t);
    const work = await tempDir(t, 'mlw-blob-bench-');
    const store = (container_name: string): BlobDatastore => ({ name: container_name, account_name: DEV_ACCOUNT, container_name, endpoint: azurite.endpoint, credentials: { account_key: DEV_KEY } });
    const small = join(work, 'small');
    await mkdir(small);
    for (let i = 0; i < fileCount; i++) {
      const dir = join(small, `part-${Math.floor(i / 1000)}`);
      if (i % 1000 === 0) await mkdir(dir, { recursive: true });
      await writeFile(join(dir, `file-${i}.bin`), randomBytes(1024));
    }
    const large = join(work, 'large');
    await mkdir(large);
    if (largeMb > 0) await writeFile(join(large, 'big.bin'), randomBytes(largeMb * 1024 * 1024));
    const sets = ([[`${fileCount} × 1 KiB`, small, fileCount], [`1 × ${largeMb} MiB`, large, largeMb]] as const).filter(([, , size]) => size > 0);

    const rows = [['data', 'operation', 'mlw', 'SDK alone', 'mlw / SDK throughput']];
    for (const [label, folder] of sets) {
      const times = { mlwUp: [] as number[], sdkUp: [] as number[], mlwDown: [] as number[], sdkDown: [] as number[], hit: [] as number[] };
      const files = await listFiles(folder);
      for (let run = 0; run < runs; run++) {
        // Fresh containers each run: deleting a container is one call, deleting its blobs one call each.
        const [mlwName, sdkName] = [`mlw-${run}`, `sdk-${run}`];
        for (const name of [mlwName, sdkName]) await azurite.service.getContainerClient(name).create();
        const mlwStore = store(mlwName);
        const sdk = azurite.service.getContainerClient(sdkName);
        // Alternate which goes first, so neither always meets a warmer server.
        const order = run % 2 === 0 ? ['mlw', 'sdk'] : ['sdk', 'mlw'];
        for (const who of order) {
          if (who === 'mlw') times.mlwUp.push(await timed(() => uploadFolderToBlob(folder, { datastore: mlwStore, path: 'data' })));
          else times.sdkUp.push(await timed(() => mapLimit(files, FILE_CONCURRENCY, (file) => sdk.getBlockBlobClient(`data/${file}`).uploadFile(join(folder, file)))));
        }
        const cache = join(work, 'cache');
        const sdkTarget = join(work, 'sdk-download');
        for (const who of order) {
          if (who === 'mlw') times.mlwDown.push(await timed(() => fetchToCache({ datastore: mlwStore, path: 'data' }, cache, false)));
          else times.sdkDown.push(await timed(() => sdkDownload(sdk, 'data/', sdkTarget)));
        }
        times.hit.push(await timed(async () => {
          if (!(await fetchToCache({ datastore: mlwStore, path: 'data' }, cache, false)).hit) throw new Error('expected a cache hit');
        }));
        await rm(cache, { recursive: true, force: true });
        await rm(sdkTarget, { recursive: true, force: true });
        for (const name of [mlwName, sdkName]) await azurite.service.getContainerClient(name).delete();
      }
      const ratio = (ours: number[], theirs: number[]) => `${(median(theirs) / median(ours)).toFixed(2)}×`;
      rows.push([label, 'upload', ms(median(times.mlwUp)), ms(median(times.sdkUp)), ratio(times.mlwUp, times.sdkUp)]);
      rows.push([label, 'download into the cache', ms(median(times.mlwDown)), ms(median(times.sdkDown)), ratio(times.mlwDown, times.sdkDown)]);
      rows.push([label, 'cache hit (unchanged)', ms(median(times.hit)), '', '']);
      console.log(`${label}: ${JSON.stringify(times)}`);
    }
    printTable('Blob datastore transfers (Azurite 3.35.0 on loopback)', runs, rows);
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

async function listFiles(root: string, prefix = ''): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(join(root, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...(await listFiles(root, rel)));
    else files.push(rel);
  }
  return files;
}

async function sdkDownload(container: ContainerClient, prefix: string, target: string): Promise<void> {
  const names: string[] = [];
  for await (const blob of container.listBlobsFlat({ prefix })) names.push(blob.name);
  await Promise.all([...new Set(names.map((name) => join(target, name, '..')))].map((dir) => mkdir(dir, { recursive: true })));
  await mapLimit(names, FILE_CONCURRENCY, (name) => container.getBlobClient(name).downloadToFile(join(target, name)));
}

void main();
