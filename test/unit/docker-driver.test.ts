import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { DockerDriver } from '../../core/compute/docker';
import { RUN_LABEL, type RunPlan } from '../../core/compute/driver';
import { BUSYBOX_IMAGE, DockerTestBed, PYTHON_IMAGE, waitFor, waitForText } from '../support/docker';

const bed = new DockerTestBed();
const workDir = mkdtempSync(path.join(tmpdir(), 'mlw-docker-driver-'));
const driver = new DockerDriver({ stopGraceSeconds: 2 });
let runCount = 0;

function plan(command: string, overrides: Partial<RunPlan> = {}): RunPlan {
  const runId = `${bed.testId}-${++runCount}`;
  return {
    runId,
    command,
    workingDir: '/',
    env: {},
    mounts: [],
    image: BUSYBOX_IMAGE,
    logFile: path.join(workDir, runId, 'user_logs', 'std_log.txt'),
    stateDir: path.join(workDir, runId, 'state'),
    labels: bed.labels,
    ...overrides,
  };
}

async function containerGone(ref: string): Promise<boolean> {
  return bed.docker.getContainer(ref).inspect().then(() => false, () => true);
}

/** Starts a run from a separate Node process that exits right away, as a daemon that crashed would leave it. */
async function startFromAnotherProcess(runPlan: RunPlan): Promise<string> {
  const script = `
    const { DockerDriver } = require(${JSON.stringify(path.resolve(__dirname, '../../core/compute/docker.ts'))});
    new DockerDriver().start(JSON.parse(process.argv[1])).then((h) => { process.stdout.write(h.ref); process.exit(0); },
      (e) => { console.error(e); process.exit(1); });`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '-e', script, JSON.stringify(runPlan)]);
  return stdout.trim();
}

after(async () => {
  await bed.cleanup();
  rmSync(workDir, { recursive: true, force: true });
});

describe('docker driver', { timeout: 60_000 }, () => {
  it('runs a command to exit code 0, writes its log and removes the container', async (t) => {
    if (!(await bed.ready(t))) return;
    const run = plan('echo hello');
    const handle = await driver.start(run);
    assert.deepEqual(await handle.exited, { exitCode: 0 });
    assert.equal(readFileSync(run.logFile, 'utf8'), 'hello\n');
    assert.ok(await containerGone(handle.ref), 'container removed after its exit was collected');
  });

  it('still collects the exit and removes the container when recording the exit fails', async (t) => {
    if (!(await bed.ready(t))) return;
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    t.after(() => process.off('warning', onWarning));
    for (const command of ['exit 0', 'exit 4']) {
      const handle = await driver.start(plan(command, { onExit: () => { throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }); } }));
      assert.equal((await handle.exited).exitCode, command === 'exit 0' ? 0 : 4);
      assert.ok(await containerGone(handle.ref), `${command}: container removed although its exit could not be recorded`);
    }
    await waitFor('a warning for each unrecorded exit', () => warnings.filter((w) => /could not be recorded: ENOSPC/.test(w)).length === 2, 5_000);
  });

  it('reports a non-zero exit code and keeps stdout and stderr in the order written', async (t) => {
    if (!(await bed.ready(t))) return;
    const run = plan('for i in 1 2 3; do echo out$i; echo err$i >&2; done; exit 3');
    const handle = await driver.start(run);
    assert.deepEqual(await handle.exited, { exitCode: 3 });
    assert.equal(readFileSync(run.logFile, 'utf8'), 'out1\nerr1\nout2\nerr2\nout3\nerr3\n');
  });

  it('appends to an existing log file', async (t) => {
    if (!(await bed.ready(t))) return;
    const run = plan('echo second');
    mkdirSync(path.dirname(run.logFile), { recursive: true });
    writeFileSync(run.logFile, 'first\n');
    await (await driver.start(run)).exited;
    assert.equal(readFileSync(run.logFile, 'utf8'), 'first\nsecond\n');
  });

  it('passes env, working dir and mounts; a read-only mount is not writable', async (t) => {
    if (!(await bed.ready(t))) return;
    const inputs = mkdtempSync(path.join(workDir, 'in-'));
    const outputs = mkdtempSync(path.join(workDir, 'out-'));
    chmodSync(inputs, 0o755);
    chmodSync(outputs, 0o777);
    writeFileSync(path.join(inputs, 'data.txt'), 'input data\n');
    const run = plan(
      'echo "greeting=$GREETING"; pwd; cat /mlw/inputs/data.txt; echo result > /mlw/outputs/result.txt; ' +
        'if touch /mlw/inputs/new 2>/dev/null; then echo ro-writable; else echo ro-refused; fi',
      {
        env: { GREETING: 'hi there' },
        workingDir: '/mlw/outputs',
        mounts: [
          { source: inputs, target: '/mlw/inputs', readOnly: true },
          { source: outputs, target: '/mlw/outputs', readOnly: false },
        ],
      },
    );
    assert.deepEqual(await (await driver.start(run)).exited, { exitCode: 0 });
    assert.equal(readFileSync(run.logFile, 'utf8'), 'greeting=hi there\n/mlw/outputs\ninput data\nro-refused\n');
    assert.equal(readFileSync(path.join(outputs, 'result.txt'), 'utf8'), 'result\n');
    assert.ok(!existsSync(path.join(inputs, 'new')));
  });

  it('runs as a non-root user without capabilities', async (t) => {
    if (!(await bed.ready(t))) return;
    const run = plan('id -u; grep -E "^Cap(Eff|Prm|Bnd):" /proc/self/status; echo "HOME=$HOME"');
    await (await driver.start(run)).exited;
    const log = readFileSync(run.logFile, 'utf8');
    assert.match(log, /^1000\n/);
    assert.match(log, /CapEff:\s+0000000000000000/);
    assert.match(log, /CapBnd:\s+0000000000000000/);
    assert.match(log, /HOME=\/tmp/);
  });

  it('applies resource limits, security options, labels and the host gateway', async (t) => {
    if (!(await bed.ready(t))) return;
    const run = plan('cat /etc/hosts; sleep 30', { resources: { cpus: 0.5, memoryBytes: 64 << 20, shmBytes: 16 << 20 } });
    const handle = await driver.start(run);
    const info = await bed.docker.getContainer(handle.ref).inspect();
    assert.equal(info.HostConfig.NanoCpus, 500_000_000);
    assert.equal(info.HostConfig.Memory, 64 << 20);
    assert.equal(info.HostConfig.ShmSize, 16 << 20);
    assert.deepEqual(info.HostConfig.CapDrop, ['ALL']);
    assert.deepEqual(info.HostConfig.SecurityOpt, ['no-new-privileges']);
    assert.deepEqual(info.HostConfig.ExtraHosts, ['host.docker.internal:host-gateway']);
    assert.equal(info.Config.User, '1000:1000');
    assert.equal(info.Config.Labels[RUN_LABEL], run.runId);
    assert.equal(info.Config.Labels['mlw.test'], bed.testId);
    await waitForText(run.logFile, 'host.docker.internal');
    await handle.stop();
  });

  it('stops a run within the grace period', async (t) => {
    if (!(await bed.ready(t))) return;
    const run = plan('echo started; sleep 60');
    const handle = await driver.start(run);
    await waitForText(run.logFile, 'started\n');
    const before = Date.now();
    await handle.stop();
    const exit = await handle.exited;
    assert.equal(exit.reason, 'stopped');
    assert.ok(Date.now() - before < 2_000, 'SIGTERM reaches the command without waiting for SIGKILL');
    assert.ok(await containerGone(handle.ref));
  });

  it('tells a kill from outside and a removal from outside', async (t) => {
    if (!(await bed.ready(t))) return;
    const killedRun = plan('echo up; sleep 60');
    const killed = await driver.start(killedRun);
    const removedRun = plan('echo up; sleep 60');
    const removed = await driver.start(removedRun);
    await Promise.all([waitForText(killedRun.logFile, 'up'), waitForText(removedRun.logFile, 'up')]);
    await bed.docker.getContainer(killed.ref).kill();
    await bed.docker.getContainer(removed.ref).remove({ force: true });
    const killedExit = await killed.exited;
    assert.equal(killedExit.exitCode, 137);
    assert.match(killedExit.reason ?? '', /killed from outside mlw \(SIGKILL\)/);
    assert.match((await removed.exited).reason ?? '', /removed from outside/);
  });

  it('reports an out-of-memory kill', async (t) => {
    if (!(await bed.ready(t))) return;
    const run = plan('python3 -c "b = bytearray(512 * 1024 * 1024); print(len(b))"', {
      image: PYTHON_IMAGE,
      resources: { memoryBytes: 48 << 20 },
    });
    const exit = await (await driver.start(run)).exited;
    assert.equal(exit.exitCode, 137);
    assert.match(exit.reason ?? '', /out of memory \(limit 48 MiB\)/);
  });

  it('re-attaches to a running container with a fresh driver and continues the log where the crashed daemon left it', async (t) => {
    if (!(await bed.ready(t))) return;
    const gateDir = mkdtempSync(path.join(workDir, 'gate-'));
    chmodSync(gateDir, 0o755);
    const run = plan('echo first; echo warn >&2; while [ ! -e /gate/open ]; do sleep 0.02; done; echo second; exit 4', {
      mounts: [{ source: gateDir, target: '/gate', readOnly: true }],
    });
    const ref = await startFromAnotherProcess(run);
    // What the crashed daemon had written: a prefix of the container's output, which readers may be reading.
    writeFileSync(run.logFile, 'fir');
    const before = statSync(run.logFile).ino;
    const handle = await new DockerDriver().reattach(run.runId, ref, run);
    assert.ok(handle);
    assert.equal(handle.ref, ref);
    await waitForText(run.logFile, 'first\nwarn\n');
    writeFileSync(path.join(gateDir, 'open'), '');
    assert.deepEqual(await handle.exited, { exitCode: 4 });
    assert.equal(readFileSync(run.logFile, 'utf8'), 'first\nwarn\nsecond\n');
    assert.equal(statSync(run.logFile).ino, before, 'appended to, never replaced');
    assert.ok(await containerGone(ref));
  });

  it('re-attaches to an exited container: exit code and log collected, container removed', async (t) => {
    if (!(await bed.ready(t))) return;
    const run = plan('echo done; exit 7');
    const ref = await startFromAnotherProcess(run);
    await waitFor('the container to exit', async () => !(await bed.docker.getContainer(ref).inspect()).State.Running);
    rmSync(run.logFile);
    const handle = await new DockerDriver().reattach(run.runId, 'stale-ref', run);
    assert.ok(handle, 'found by its run label');
    assert.deepEqual(await handle.exited, { exitCode: 7 });
    assert.equal(readFileSync(run.logFile, 'utf8'), 'done\n');
    assert.ok(await containerGone(ref));
    assert.equal(await new DockerDriver().reattach(run.runId, ref, run), undefined, 'gone: undefined');
  });

  it('reports a container that was created but never started', async (t) => {
    if (!(await bed.ready(t))) return;
    const run = plan('true');
    const created = await bed.docker.createContainer({ Image: BUSYBOX_IMAGE, Cmd: ['true'], Labels: { ...bed.labels, [RUN_LABEL]: run.runId } });
    const handle = await new DockerDriver().reattach(run.runId, created.id, run);
    assert.match((await handle!.exited).reason ?? '', /never started/);
    assert.ok(await containerGone(created.id));
  });

  it('refuses to mount the engine socket and explains a missing image', async (t) => {
    if (!(await bed.ready(t))) return;
    const socketMount = plan('true', { mounts: [{ source: '/var/run', target: '/host-run', readOnly: true }] });
    await assert.rejects(driver.start(socketMount), /would expose the Docker engine socket/);
    const missing = plan('true', { image: 'localtest/not-there:1' });
    await assert.rejects(driver.start(missing), /image localtest\/not-there:1 is not available locally/);
  });
});

describe('docker driver without an engine', () => {
  const socketPath = path.join(workDir, 'no-engine.sock');
  const down = new DockerDriver({ socketPath });

  it('ping and start fail with where it looked and what to do', async () => {
    const expected = new RegExp(`Docker engine not reachable at ${socketPath}: .*ENOENT.*; start Docker or set DOCKER_HOST`);
    await assert.rejects(down.ping(), expected);
    await assert.rejects(down.start(plan('true')), expected);
  });
});
