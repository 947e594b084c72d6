import assert from 'node:assert/strict';
import Docker from 'dockerode';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { DockerDriver } from '../../core/compute/docker';
import { ENV_HASH_LABEL, ENV_NAME_LABEL, ENV_VERSION_LABEL, EnvironmentBuilder } from '../../core/env';
import { BUSYBOX_IMAGE, DockerTestBed, PYTHON_IMAGE, TEST_LABEL } from '../support/docker';

const bed = new DockerTestBed();
const workDir = mkdtempSync(path.join(tmpdir(), 'mlw-env-builder-'));
const builder = new EnvironmentBuilder({ imageLabels: bed.labels });
let contextCount = 0;

/** A build context folder with the given files; the test id in it keeps its hash apart from any other run's. */
function context(files: Record<string, string>): string {
  const dir = path.join(workDir, `context-${++contextCount}`);
  for (const [name, content] of Object.entries({ 'test-id.txt': `${bed.testId}-${contextCount}\n`, ...files })) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

function condaFile(text: string): string {
  const file = path.join(workDir, `conda-${++contextCount}.yml`);
  writeFileSync(file, `name: ${bed.testId}-${contextCount}\n${text}`);
  return file;
}

after(async () => {
  await bed.cleanup();
  rmSync(workDir, { recursive: true, force: true });
});

describe('environment builder', { timeout: 120_000 }, () => {
  it('builds a context on a miss, honours .dockerignore, labels the image, and skips the build on a hit', async (t) => {
    if (!(await bed.ready(t))) return;
    const contextDir = context({
      Dockerfile: `FROM ${BUSYBOX_IMAGE}\nCOPY . /app\nRUN ls /app\n`,
      '.dockerignore': 'secret.txt\n',
      'secret.txt': 'not for the image\n',
      'src/train.py': 'print(1)\n',
    });
    const source = { build: { contextDir }, name: 'trainer', version: '3' };
    const lines: string[] = [];
    const first = await builder.ensure(source, { onLog: (line) => lines.push(line) });
    assert.equal(first.built, true);
    assert.match(first.image, /^mlw-env:[0-9a-f]{24}$/);
    assert.ok(lines.some((line) => line.startsWith('Step 1/')), 'build output streamed line by line');
    assert.ok(lines.includes('src') && lines.includes('test-id.txt'), 'RUN output in the log');
    assert.ok(!lines.includes('secret.txt'), '.dockerignore honoured');
    const labels = (await bed.docker.getImage(first.image).inspect()).Config.Labels;
    assert.equal(labels[ENV_HASH_LABEL], first.hash);
    assert.equal(labels[ENV_NAME_LABEL], 'trainer');
    assert.equal(labels[ENV_VERSION_LABEL], '3');
    assert.equal(labels[TEST_LABEL], bed.testId);

    // (how fast a hit is, is measured by `npm run bench:jobs`)
    const hitLines: string[] = [];
    for (let i = 0; i < 3; i++) {
      const hit = await builder.ensure(source, { onLog: (line) => hitLines.push(line) });
      assert.deepEqual(hit, { ...first, built: false });
    }
    assert.deepEqual(hitLines, [], 'no build on a hit');
  });

  it('hashes every input: context content and mode, Dockerfile path, conda file; ignored files do not count', async (t) => {
    if (!(await bed.ready(t))) return;
    const contextDir = context({ Dockerfile: `FROM ${BUSYBOX_IMAGE}\n`, 'other.Dockerfile': `FROM ${BUSYBOX_IMAGE}\n`, 'a.txt': 'a', '.dockerignore': 'logs/\n', 'logs/x.log': '1' });
    const hash = async (dockerfilePath?: string) => (await builder.hashOf({ build: { contextDir, dockerfilePath } })).hash;
    const initial = await hash();
    assert.equal(await hash(), initial, 'stable');
    writeFileSync(path.join(contextDir, 'logs/x.log'), '2');
    assert.equal(await hash(), initial, 'an ignored file does not change the hash');
    writeFileSync(path.join(contextDir, 'a.txt'), 'b');
    const changedContent = await hash();
    assert.notEqual(changedContent, initial);
    chmodSync(path.join(contextDir, 'a.txt'), 0o755);
    const changedMode = await hash();
    assert.notEqual(changedMode, changedContent);
    assert.notEqual(await hash('other.Dockerfile'), changedMode);

    const conda = condaFile('dependencies:\n  - python\n');
    const condaHash = (await builder.hashOf({ image: PYTHON_IMAGE, condaFile: conda })).hash;
    writeFileSync(conda, 'dependencies:\n  - python=3.11\n');
    assert.notEqual((await builder.hashOf({ image: PYTHON_IMAGE, condaFile: conda })).hash, condaHash);
    assert.notEqual((await builder.hashOf({ image: BUSYBOX_IMAGE, condaFile: conda })).hash, condaHash, 'base image counts');
  });

  it('builds image + conda file offline into an image whose python runs for a non-root user', async (t) => {
    if (!(await bed.ready(t))) return;
    const prepared = await builder.ensure({ image: PYTHON_IMAGE, condaFile: condaFile('dependencies:\n  - python\n  - pip\n') });
    assert.equal(prepared.built, true);
    const logFile = path.join(workDir, 'conda-run.log');
    const run = await new DockerDriver().start({
      runId: `${bed.testId}-conda`, command: 'python -c "import sys; print(sys.prefix)"', workingDir: '/', env: {}, mounts: [],
      image: prepared.image, logFile, stateDir: workDir, labels: bed.labels,
    });
    assert.deepEqual(await run.exited, { exitCode: 0 });
    assert.equal(readFileSync(logFile, 'utf8'), '/opt/mlw/venv\n');
  });

  it('builds an inline conda specification as it builds the same text from a file, once', async (t) => {
    if (!(await bed.ready(t))) return;
    const inline = `name: ${bed.testId}-inline\ndependencies:\n  - python\n  - pip\n`;
    const source = { image: PYTHON_IMAGE, condaInline: inline, name: 'inline', version: '1' };
    const { hash } = await builder.hashOf(source);
    const file = path.join(workDir, 'same-as-inline.yml');
    writeFileSync(file, inline);
    assert.equal((await builder.hashOf({ image: PYTHON_IMAGE, condaFile: file })).hash, hash, 'the same Dockerfile and conda content');
    assert.notEqual((await builder.hashOf({ ...source, condaInline: inline.replace('- pip', '- python=3.11') })).hash, hash, 'the content counts');
    const first = await builder.ensure(source);
    assert.deepEqual([first.built, first.hash], [true, hash]);
    assert.deepEqual(await builder.ensure({ ...source }), { ...first, built: false }, 'unchanged: not rebuilt');
    await assert.rejects(builder.ensure({ build: { contextDir: context({ Dockerfile: `FROM ${BUSYBOX_IMAGE}\n` }) }, condaInline: inline }), /`build` cannot be combined/);
  });

  it('surfaces a failing step with its output and the builder message', async (t) => {
    if (!(await bed.ready(t))) return;
    const contextDir = context({ Dockerfile: `FROM ${BUSYBOX_IMAGE}\nRUN echo preparing data && echo broken dependency >&2 && exit 3\n` });
    await assert.rejects(builder.ensure({ build: { contextDir }, name: 'broken', version: '1' }), (error: Error) => {
      assert.match(error.message, /^environment broken:1 failed to build: The command .* returned a non-zero code: 3/);
      // The engine reads a step's stdout and stderr separately: both are there, their order is not guaranteed.
      assert.match(error.message, /^preparing data$/m);
      assert.match(error.message, /^broken dependency$/m);
      return true;
    });
    const conda = condaFile('dependencies:\n  - numpy\n');
    await assert.rejects(builder.ensure({ image: PYTHON_IMAGE, condaFile: conda }), /needs conda packages \(numpy\) but localtest\/python:3-bookworm has no conda/);
  });

  it('builds once for concurrent requests of the same environment', async (t) => {
    if (!(await bed.ready(t))) return;
    const docker = new Docker();
    let builds = 0;
    const buildImage = docker.buildImage.bind(docker);
    docker.buildImage = ((...args: Parameters<typeof buildImage>) => {
      builds += 1;
      return buildImage(...args);
    }) as typeof docker.buildImage;
    const counting = new EnvironmentBuilder({ docker, imageLabels: bed.labels });
    const contextDir = context({ Dockerfile: `FROM ${BUSYBOX_IMAGE}\nRUN echo once\n` });
    const linesA: string[] = [];
    const linesB: string[] = [];
    const [a, b] = await Promise.all([
      counting.ensure({ build: { contextDir } }, { onLog: (line) => linesA.push(line) }),
      counting.ensure({ build: { contextDir } }, { onLog: (line) => linesB.push(line) }),
    ]);
    assert.equal(builds, 1);
    assert.equal(a.imageId, b.imageId);
    assert.ok(linesA.includes('once') && linesB.includes('once'), 'both callers see the build output');
  });

  it('cancels a build through its AbortSignal', async (t) => {
    if (!(await bed.ready(t))) return;
    const contextDir = context({ Dockerfile: `FROM ${BUSYBOX_IMAGE}\nRUN echo waiting && sleep 60\n` });
    const controller = new AbortController();
    const started = Date.now();
    const building = builder.ensure({ build: { contextDir } }, {
      signal: controller.signal,
      onLog: (line) => line === 'waiting' && controller.abort(),
    });
    await assert.rejects(building, /canceled/);
    assert.ok(Date.now() - started < 20_000);
  });

  it('uses an image alone as it is, and explains a missing one', async (t) => {
    if (!(await bed.ready(t))) return;
    const image = await bed.docker.getImage(BUSYBOX_IMAGE).inspect();
    assert.deepEqual(await builder.ensure({ image: BUSYBOX_IMAGE }), { image: BUSYBOX_IMAGE, imageId: image.Id, hash: image.Id, built: false });
    const missing = /image localtest\/absent:1 is not available locally; build it or load it with docker load/;
    await assert.rejects(builder.ensure({ image: 'localtest/absent:1' }), missing);
    await assert.rejects(builder.ensure({ build: { contextDir: context({ Dockerfile: 'FROM localtest/absent:1\n' }) } }), missing);
  });
});
