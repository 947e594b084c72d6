import assert from 'node:assert/strict';
import fs from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { DataError, DatastoreResolver, prepareOutputs, stageInputs } from '../../core/data';
import { LinkEscapeError, openFileInside, openResolvedFile, realPathInside, regularFilesInside } from '../../core/data/contained-fs';
import { tempDir, writeTree } from '../support/temp';

/**
 * A folder `root` holding what a job could write, and a folder `outside` it with a secret:
 * `secret-link` → a file outside, `dir-link` → a folder outside, `root-link` → `/`, `hop` → `hop2` → `dir-link`
 * (inside, inside, outside), `inside-link` → `data/real.txt` and `data-link` → `data` (both inside).
 */
async function linkTree(t: TestContext, root: string, outside: string): Promise<void> {
  await writeTree(outside, { 'secret.txt': 'secret\n' });
  await writeTree(root, { 'data/real.txt': 'real\n' });
  fs.symlinkSync(join(outside, 'secret.txt'), join(root, 'secret-link'));
  fs.symlinkSync(outside, join(root, 'dir-link'));
  fs.symlinkSync('/', join(root, 'root-link'));
  fs.symlinkSync('dir-link', join(root, 'hop2'));
  fs.symlinkSync('hop2', join(root, 'hop'));
  fs.symlinkSync('data/real.txt', join(root, 'inside-link'));
  fs.symlinkSync(join(root, 'data'), join(root, 'data-link'));
  t.diagnostic(`links under ${root}`);
}

function readAll(root: string, relative: string): string {
  const { fd } = openFileInside(root, relative);
  try {
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** Every path below `folder` (links not followed), `/`-separated, and which of them are links. */
function treeOf(folder: string): { files: string[]; links: string[] } {
  const entries = fs.readdirSync(folder, { recursive: true, withFileTypes: true }) as fs.Dirent[];
  const rel = (e: fs.Dirent) => join(e.parentPath, e.name).slice(folder.length + 1);
  return { files: entries.filter((e) => e.isFile()).map(rel).sort(), links: entries.filter((e) => e.isSymbolicLink()).map(rel).sort() };
}

describe('reading below a root without following links out of it', () => {
  it('refuses links to a file, a folder and / outside, and chains ending outside; follows links that stay inside', async (t) => {
    const root = await tempDir(t);
    const outside = await tempDir(t);
    await linkTree(t, root, outside);
    for (const escaping of ['secret-link', 'dir-link/secret.txt', `root-link${outside}/secret.txt`, 'root-link/etc/passwd', 'hop/secret.txt', '../' + outside.split('/').pop() + '/secret.txt']) {
      assert.throws(() => openFileInside(root, escaping), LinkEscapeError, escaping);
    }
    assert.equal(readAll(root, 'inside-link'), 'real\n');
    assert.equal(readAll(root, 'data-link/real.txt'), 'real\n');
    assert.equal(realPathInside(root, 'data-link'), join(root, 'data'));
    assert.deepEqual(regularFilesInside(root, ''), ['data/real.txt']);
    assert.deepEqual(regularFilesInside(root, 'dir-link'), []);
  });

  it('refuses a path whose folder is replaced by a link between the check and the open', async (t) => {
    const root = await tempDir(t);
    const outside = await tempDir(t);
    await writeTree(root, { 'sub/data.txt': 'mine\n' });
    await writeTree(outside, { 'data.txt': 'secret\n' });
    const checked = realPathInside(root, 'sub/data.txt');
    fs.renameSync(join(root, 'sub'), join(root, 'sub.old'));
    fs.symlinkSync(outside, join(root, 'sub'));
    assert.throws(() => openResolvedFile(root, checked, 'sub/data.txt'), LinkEscapeError);
    // The file itself replaced by a link: O_NOFOLLOW refuses it.
    const again = realPathInside(root, 'sub.old/data.txt');
    fs.rmSync(again);
    fs.symlinkSync(join(outside, 'data.txt'), again);
    assert.throws(() => openResolvedFile(root, again, 'sub.old/data.txt'), LinkEscapeError);
  });
});

describe('staging and uploading what a job wrote', () => {
  async function setUp(t: TestContext) {
    const workspace = await tempDir(t);
    const outside = await tempDir(t);
    const resolver = new DatastoreResolver({ workspaceRoot: workspace, mlwDir: join(workspace, '.mlw'), lookup: () => undefined });
    const produced = join(workspace, '.mlw/datastores/workspaceblobstore/azureml/j1/out');
    fs.mkdirSync(produced, { recursive: true });
    await writeTree(outside, { 'secret.txt': 'secret\n' });
    return { workspace, outside, resolver, produced };
  }

  it('a download input copies links that stay inside the data and skips, with a line each, those that leave it', async (t) => {
    const { workspace, outside, resolver, produced } = await setUp(t);
    await linkTree(t, produced, outside);
    const lines: string[] = [];
    const runDir = join(workspace, '.mlw/runs/r2');
    const staged = await stageInputs(
      { data: { type: 'uri_folder', path: 'azureml://datastores/workspaceblobstore/paths/azureml/j1/out', mode: 'download' } },
      { runDir, containerized: false, specDir: workspace, resolver, dataAsset: () => undefined, log: (line) => lines.push(line) },
    );
    const copied = treeOf(staged.data!.value);
    assert.deepEqual(copied, { files: ['data-link/real.txt', 'data/real.txt', 'inside-link'], links: [] });
    assert.equal(fs.readFileSync(join(staged.data!.value, 'inside-link'), 'utf8'), 'real\n');
    for (const name of ['secret-link', 'dir-link', 'root-link', 'hop', 'hop2']) assert.ok(lines.some((line) => line.includes(`skipped ${name}:`)), `${name}: ${lines.join('\n')}`);
  });

  it('a host read-only input copies links that stay inside the data and skips, with a line each, those that leave it or loop', async (t) => {
    const { workspace, outside, resolver, produced } = await setUp(t);
    await writeTree(produced, { 'data/real.txt': 'real\n' });
    fs.symlinkSync(join(outside, 'secret.txt'), join(produced, 'secret-link'));
    fs.symlinkSync(outside, join(produced, 'dir-link'));
    fs.symlinkSync('/', join(produced, 'root-link'));
    fs.symlinkSync('..', join(produced, 'data/loop'));
    fs.symlinkSync('data/real.txt', join(produced, 'inside-link'));
    const lines: string[] = [];
    const staged = await stageInputs(
      { data: { type: 'uri_folder', path: 'azureml://datastores/workspaceblobstore/paths/azureml/j1/out', mode: 'ro_mount' } },
      { runDir: join(workspace, '.mlw/runs/r4'), containerized: false, specDir: workspace, resolver, dataAsset: () => undefined, log: (line) => lines.push(line) },
    );
    const copy = staged.data!.value;
    assert.equal(copy, join(workspace, '.mlw/runs/r4/inputs/data'));
    assert.deepEqual(treeOf(copy), { files: ['data/real.txt', 'inside-link'], links: [] });
    assert.equal(fs.statSync(join(copy, 'inside-link')).mode & 0o777, 0o444);
    for (const name of ['secret-link', 'dir-link', 'root-link', 'data/loop']) assert.ok(lines.some((line) => line.includes(`skipped ${name}:`)), `${name}: ${lines.join('\n')}`);
  });

  it('a host read-only input removes partial copies a stopped daemon left, whatever its process id', async (t) => {
    const { workspace, resolver, produced } = await setUp(t);
    await writeTree(produced, { 'real.txt': 'real\n' });
    const inputs = join(workspace, '.mlw/runs/r5/inputs');
    const partial = join(inputs, 'data.incoming-999999');
    await writeTree(partial, { 'sub/half.txt': 'half' });
    fs.chmodSync(join(partial, 'sub'), 0o555);
    fs.chmodSync(partial, 0o555);
    await stageInputs(
      { data: { type: 'uri_folder', path: 'azureml://datastores/workspaceblobstore/paths/azureml/j1/out', mode: 'ro_mount' } },
      { runDir: join(workspace, '.mlw/runs/r5'), containerized: false, specDir: workspace, resolver, dataAsset: () => undefined },
    );
    assert.deepEqual(fs.readdirSync(inputs), ['data']);
  });

  it('an input whose path is a link out of its datastore is refused', async (t) => {
    const { workspace, outside, resolver, produced } = await setUp(t);
    fs.symlinkSync(outside, join(produced, 'escape'));
    for (const mode of ['download', 'ro_mount'] as const) {
      await assert.rejects(
        stageInputs({ data: { type: 'uri_folder', path: 'azureml://datastores/workspaceblobstore/paths/azureml/j1/out/escape', mode } }, { runDir: join(workspace, '.mlw/runs/r3'), containerized: true, specDir: workspace, resolver, dataAsset: () => undefined }),
        (error: unknown) => error instanceof DataError && /symbolic link outside datastore "workspaceblobstore"/.test(error.message),
      );
    }
  });

  it('an upload output copies what the run wrote and skips links leading out of it', async (t) => {
    const { workspace, outside, resolver } = await setUp(t);
    const lines: string[] = [];
    const runDir = join(workspace, '.mlw/runs/j2');
    const outputs = await prepareOutputs({ out: { type: 'uri_folder', mode: 'upload' } }, { runDir, containerized: false, jobName: 'j2', defaultDatastore: 'workspaceblobstore', resolver, log: (line) => lines.push(line) });
    const written = outputs.out!.hostDir;
    await writeTree(written, { 'model/w.bin': 'weights\n' });
    fs.symlinkSync(join(outside, 'secret.txt'), join(written, 'secret-link'));
    fs.symlinkSync('/', join(written, 'root-link'));
    fs.symlinkSync('model/w.bin', join(written, 'inside-link'));
    await outputs.out!.finalize();
    const stored = join(workspace, '.mlw/datastores/workspaceblobstore/azureml/j2/out');
    assert.deepEqual(treeOf(stored), { files: ['inside-link', 'model/w.bin'], links: [] });
    assert.ok(lines.some((line) => line.includes('skipped secret-link:')) && lines.some((line) => line.includes('skipped root-link:')), lines.join('\n'));
  });

  it('an output path that leads through a link out of its datastore is refused before anything is written there', async (t) => {
    const { workspace, outside, resolver } = await setUp(t);
    fs.symlinkSync(outside, join(workspace, '.mlw/datastores/workspaceblobstore/shared'));
    await assert.rejects(
      prepareOutputs({ out: { type: 'uri_folder', path: 'azureml://datastores/workspaceblobstore/paths/shared/run1' } }, { runDir: join(workspace, '.mlw/runs/j3'), containerized: true, jobName: 'j3', defaultDatastore: 'workspaceblobstore', resolver }),
      (error: unknown) => error instanceof DataError && /symbolic link outside its datastore/.test(error.message),
    );
    assert.deepEqual(fs.readdirSync(outside), ['secret.txt']);
  });
});
