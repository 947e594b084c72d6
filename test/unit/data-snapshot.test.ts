import assert from 'node:assert/strict';
import { chmod, readdir, readFile, stat, symlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DataError, snapshotCode } from '../../core/data';
import { tempDir, writeTree } from '../support/temp';

/** Every file of a stored snapshot, relative and sorted. */
async function storedFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

describe('snapshotCode', () => {
  it('hashes the same content the same way, whatever the timestamps or the store', async (t) => {
    const root = await tempDir(t);
    const src = join(root, 'src');
    await writeTree(src, { 'train.py': 'print(1)\n', 'lib/util.py': 'X = 1\n' });
    const first = await snapshotCode(src, join(root, 'store-a'));
    await utimes(join(src, 'train.py'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    const second = await snapshotCode(src, join(root, 'store-b'));
    assert.match(first.hash, /^[0-9a-f]{64}$/);
    assert.equal(second.hash, first.hash);
    assert.equal(second.reused, false);
    assert.deepEqual({ files: first.files, bytes: first.bytes }, { files: 2, bytes: 15 });
    assert.equal(first.dir, join(root, 'store-a', first.hash));
    assert.deepEqual(await storedFiles(first.dir), ['lib/util.py', 'train.py']);
    assert.equal(await readFile(join(first.dir, 'lib/util.py'), 'utf8'), 'X = 1\n');
  });

  it('changes the hash when content, a path or the executable bit changes', async (t) => {
    const root = await tempDir(t);
    const src = join(root, 'src');
    const store = join(root, 'store');
    await writeTree(src, { 'run.sh': 'echo hi\n' });
    const base = await snapshotCode(src, store);
    await chmod(join(src, 'run.sh'), 0o755);
    const executable = await snapshotCode(src, store);
    assert.notEqual(executable.hash, base.hash);
    assert.equal((await stat(join(executable.dir, 'run.sh'))).mode & 0o777, 0o555);
    assert.equal((await stat(join(base.dir, 'run.sh'))).mode & 0o777, 0o444);
    await writeTree(src, { 'run.sh': 'echo bye\n' });
    assert.notEqual((await snapshotCode(src, store)).hash, executable.hash);
  });

  it('reuses a stored snapshot without copying again', async (t) => {
    const root = await tempDir(t);
    const src = join(root, 'src');
    const store = join(root, 'store');
    await writeTree(src, { 'train.py': 'print(1)\n' });
    const first = await snapshotCode(src, store);
    const before = await stat(join(first.dir, 'train.py'));
    const again = await snapshotCode(src, store);
    assert.equal(again.reused, true);
    assert.equal(again.hash, first.hash);
    const after = await stat(join(again.dir, 'train.py'));
    assert.equal(after.ino, before.ino);
    assert.equal(after.mtimeMs, before.mtimeMs);
    assert.equal((await stat(first.dir)).mode & 0o777, 0o755);
  });

  it('honours .gitignore at every level, .amlignore over .gitignore, and always skips .git, .mlw and __pycache__', async (t) => {
    const root = await tempDir(t);
    const src = join(root, 'src');
    await writeTree(src, {
      '.gitignore': '*.log\nbuild/\n',
      'train.py': '',
      'debug.log': '',
      'build/out.bin': '',
      'data/.gitignore': '*.csv\n!keep.csv\n',
      'data/big.csv': '',
      'data/keep.csv': '',
      'data/notes.txt': '',
      'model/.amlignore': 'weights/\n',
      'model/.gitignore': 'config.json\n',
      'model/config.json': '',
      'model/weights/w.bin': '',
      'model/nested/app.log': '',
      '.git/HEAD': 'ref: refs/heads/main\n',
      '.mlw/mlw.db': '',
      'pkg/__pycache__/m.cpython-311.pyc': '',
      'pkg/m.py': '',
    });
    const snapshot = await snapshotCode(src, join(root, 'store'));
    assert.deepEqual(await storedFiles(snapshot.dir), [
      '.gitignore',
      'data/.gitignore',
      'data/keep.csv',
      'data/notes.txt',
      'model/.amlignore',
      'model/.gitignore',
      'model/config.json',
      'pkg/m.py',
      'train.py',
    ]);
  });

  it('leaves out a store that lies inside the code folder', async (t) => {
    const src = await tempDir(t);
    await writeTree(src, { 'train.py': 'print(1)\n' });
    const first = await snapshotCode(src, join(src, 'snapshots'));
    const second = await snapshotCode(src, join(src, 'snapshots'));
    assert.equal(second.hash, first.hash);
    assert.deepEqual(await storedFiles(second.dir), ['train.py']);
  });

  it('follows symbolic links inside the code folder and rejects those that escape it', async (t) => {
    const root = await tempDir(t);
    const src = join(root, 'src');
    await writeTree(src, { 'lib/util.py': 'X = 1\n' });
    await writeTree(root, { 'secret.txt': 'password' });
    await symlink('lib/util.py', join(src, 'util.py'));
    await symlink('lib', join(src, 'lib-link'));
    const snapshot = await snapshotCode(src, join(root, 'store'));
    assert.deepEqual(await storedFiles(snapshot.dir), ['lib-link/util.py', 'lib/util.py', 'util.py']);
    assert.equal(await readFile(join(snapshot.dir, 'util.py'), 'utf8'), 'X = 1\n');

    await symlink('../secret.txt', join(src, 'secret.txt'));
    await assert.rejects(snapshotCode(src, join(root, 'store')), (error: unknown) => {
      assert.ok(error instanceof DataError);
      assert.equal(error.field, 'code');
      assert.match(error.message, /symbolic link secret\.txt .*points outside/);
      return true;
    });
    await writeTree(src, { '.amlignore': 'secret.txt\n' });
    await snapshotCode(src, join(root, 'store'));
  });

  it('rejects a symbolic link that loops back to a parent folder', async (t) => {
    const root = await tempDir(t);
    const src = join(root, 'src');
    await writeTree(src, { 'a/file.txt': '' });
    await symlink('..', join(src, 'a', 'up'));
    await assert.rejects(snapshotCode(src, join(root, 'store')), /a\/up .*loops back/);
  });

  it('rejects code over the file or size limit with a clear message', async (t) => {
    const root = await tempDir(t);
    const src = join(root, 'src');
    await writeTree(src, { 'a.txt': '12345', 'b.txt': '12345', 'c.txt': '12345' });
    await assert.rejects(snapshotCode(src, join(root, 'store'), { maxFiles: 2 }), /more than 2 files.*\.amlignore/);
    await assert.rejects(snapshotCode(src, join(root, 'store'), { maxBytes: 12 }), /more than 12 bytes/);
    await assert.rejects(snapshotCode(join(root, 'missing'), join(root, 'store')), /code folder .*missing does not exist/);
    assert.equal((await snapshotCode(src, join(root, 'store'), { maxFiles: 3, maxBytes: 15 })).files, 3);
  });

  it('lets concurrent snapshots of the same folder all succeed with one stored copy', async (t) => {
    const root = await tempDir(t);
    const src = join(root, 'src');
    const store = join(root, 'store');
    const files: Record<string, string> = {};
    for (let i = 0; i < 40; i++) files[`pkg${i % 4}/module${i}.py`] = `VALUE = ${i}\n`.repeat(50);
    await writeTree(src, files);
    const results = await Promise.all(Array.from({ length: 6 }, () => snapshotCode(src, store)));
    assert.equal(new Set(results.map((result) => result.hash)).size, 1);
    assert.deepEqual(await readdir(store), [results[0]!.hash]);
    assert.equal((await storedFiles(results[0]!.dir)).length, 40);
  });
});
