import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { startDaemon } from '../../daemon/start-daemon';
import { ApiClient, ApiError } from '../../core/api/client';
import { readServeInfo } from '../../core/api/connect';
import { COMMAND_SCHEMA, logText, startPlane, statuses, workspace, type Plane } from '../support/control-plane';
import { BUSYBOX_IMAGE, DockerTestBed, PYTHON_IMAGE, waitFor } from '../support/docker';

const docker = new DockerTestBed();

function dockerJob(command: string, extra = ''): string {
  return `${COMMAND_SCHEMA}\ntype: command\nexperiment_name: docker\ncommand: ${JSON.stringify(command)}\nenvironment:\n  image: ${BUSYBOX_IMAGE}\ncompute: azureml:box\n${extra}`;
}

const BOX_COMPUTE = 'name: box\ntype: docker\nmax_instances: 2\nresources:\n  cpus: 1\n  memory: 256m\n';

/** Removes whatever containers the workspace's jobs left (each test has its own workspace label). */
async function removeWorkspaceContainers(t: TestContext, root: string): Promise<void> {
  t.after(async () => {
    const left = await docker.docker.listContainers({ all: true, filters: { label: [`mlw.workspace=${root}`] } });
    await Promise.all(left.map((c) => docker.docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  });
}

/** A workspace with the `box` docker compute registered and a daemon; its containers are removed afterwards. */
async function boxWorkspace(t: TestContext, files: Record<string, string>): Promise<Plane> {
  const root = await workspace(t, { 'box.yml': BOX_COMPUTE, ...files });
  await removeWorkspaceContainers(t, root);
  const plane = await startPlane(t, root);
  await plane.client.assets.register('compute', { path: path.join(root, 'box.yml') });
  return plane;
}

async function runContainers(root: string, job: string) {
  return docker.docker.listContainers({ all: true, filters: { label: [`mlw.workspace=${root}`, `mlw.run=${job}`] } });
}

test('a job on a docker compute runs in a locked-down container with its inputs, outputs and limits', async (t) => {
  if (!(await docker.ready(t))) return;
  const plane = await boxWorkspace(t, {
    'job.yml': dockerJob('id -u; grep CapEff /proc/self/status; cat ${{inputs.data}}/a.txt; touch ${{inputs.data}}/x 2>/dev/null || echo read-only; echo written > ${{outputs.out}}/o.txt; pwd; ls', 'code: ./src\ninputs:\n  data:\n    type: uri_folder\n    path: ./data\noutputs:\n  out:\n'),
    'src/main.sh': 'echo code\n',
    'data/a.txt': 'input data\n',
  });
  const root = plane.root;
  const job = await plane.submit('job.yml');
  const events = await plane.events(job.name);
  assert.deepEqual(statuses(events), ['Queued', 'Preparing', 'Running', 'Finalizing', 'Completed'], logText(events));
  const log = logText(events);
  assert.doesNotMatch(log, /^0$/m, 'not root');
  assert.match(log, /CapEff:\s+0000000000000000/);
  assert.match(log, /input data/);
  assert.match(log, /read-only/);
  assert.match(log, /\/mlw\/code\nmain.sh/);
  const detail = await plane.client.jobs.get(job.name);
  assert.equal(detail.image?.startsWith(BUSYBOX_IMAGE) || /^sha256:|^mlw-env:/.test(detail.image ?? ''), true, detail.image);
  assert.equal(fs.readFileSync(path.join(root, '.mlw/datastores/workspaceblobstore/azureml', job.name, 'out/o.txt'), 'utf8'), 'written\n');
  assert.deepEqual(await runContainers(root, job.name), [], 'the container is removed once its exit is collected');
});

test('resource limits and security options are applied to the container', async (t) => {
  if (!(await docker.ready(t))) return;
  // Read from inside the container, as its process gets them (cgroup v2 or v1). Inspecting the container while it runs
  // was not reliable: on a freshly started engine its start once held the container until the process exited.
  const probe = [
    'cat /sys/fs/cgroup/cpu.max 2>/dev/null || echo "$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)"',
    'echo "memory $(cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"',
    'grep -E "CapEff|NoNewPrivs" /proc/self/status',
    'echo "uid $(id -u)"',
    'test -e /var/run/docker.sock && echo docker.sock || echo no docker.sock',
  ].join('; ');
  const plane = await boxWorkspace(t, { 'job.yml': dockerJob(probe) });
  const job = await plane.submit('job.yml');
  const events = await plane.events(job.name);
  const log = logText(events);
  assert.equal(statuses(events).pop(), 'Completed', log);
  assert.match(log, /^100000 100000$/m, 'one CPU');
  assert.match(log, new RegExp(`^memory ${256 * 1024 * 1024}$`, 'm'));
  assert.match(log, /^CapEff:\s+0000000000000000$/m, 'every capability dropped');
  assert.match(log, /^NoNewPrivs:\s+1$/m);
  assert.match(log, /^uid [1-9]\d*$/m, 'not root');
  assert.match(log, /^no docker\.sock$/m);
  assert.deepEqual(await runContainers(plane.root, job.name), []);
});

test('a container killed from outside fails the job with the reason', async (t) => {
  if (!(await docker.ready(t))) return;
  const plane = await boxWorkspace(t, { 'job.yml': dockerJob('echo started; sleep 60') });
  const root = plane.root;
  const job = await plane.submit('job.yml');
  await waitFor('Running', async () => (await plane.client.jobs.get(job.name)).status === 'Running');
  const [container] = await runContainers(root, job.name);
  await docker.docker.getContainer(container!.Id).kill();
  const events = await plane.events(job.name);
  const last = events.filter((e) => e.type === 'status').pop()!;
  assert.equal(last.type === 'status' && last.status, 'Failed');
  assert.match(last.type === 'status' ? last.reason ?? '' : '', /killed/i);
});

test('with the Docker engine down, a submission to a docker compute is refused and nothing is written', async (t) => {
  const root = await workspace(t, { 'box.yml': BOX_COMPUTE, 'job.yml': dockerJob('true') });
  const previous = process.env.DOCKER_HOST;
  process.env.DOCKER_HOST = `unix://${path.join(root, 'no-engine.sock')}`;
  t.after(() => (previous === undefined ? delete process.env.DOCKER_HOST : (process.env.DOCKER_HOST = previous)));
  const daemon = await startDaemon({ root, version: 'test' });
  const client = new ApiClient(daemon.info.port, daemon.info.token);
  t.after(async () => (client.close(), await daemon.stop()));
  await client.assets.register('compute', { path: path.join(root, 'box.yml') });
  const refused = await client.jobs.submit({ path: path.join(root, 'job.yml') }).then(() => undefined, (error: unknown) => error);
  assert.ok(refused instanceof ApiError, String(refused));
  assert.match(refused.message, /Docker engine not reachable/);
  assert.equal(refused.status, 503, 'a dead engine is the service being unavailable, not a bad request or a crash');
  assert.deepEqual(await client.jobs.list(), []);
  assert.equal(fs.existsSync(path.join(root, '.mlw/snapshots')) && fs.readdirSync(path.join(root, '.mlw/snapshots')).length > 0, false);
});

test('after SIGKILL of the daemon, a new one re-attaches to the running container and the job completes', async (t) => {
  if (!(await docker.ready(t))) return;
  const root = await workspace(t, {
    'box.yml': BOX_COMPUTE,
    'job.yml': dockerJob('echo waiting; while [ ! -f ${{inputs.gate}}/go ]; do sleep 0.05; done; echo released', 'inputs:\n  gate:\n    type: uri_folder\n    path: ./gate\n'),
    'gate/.keep': '',
  });
  await removeWorkspaceContainers(t, root);
  const daemonScript = path.resolve(__dirname, '../../out/daemon.js');
  const start = () => {
    const child = spawn(process.execPath, [daemonScript, '--workspace', root, '--idle-timeout', '0'], { stdio: 'ignore' });
    t.after(() => child.exitCode === null && child.kill('SIGKILL'));
    return child;
  };
  const connectTo = async (pid: number) => {
    const info = await waitFor('serve.json', () => (readServeInfo(root)?.pid === pid ? readServeInfo(root) : undefined));
    const client = new ApiClient(info.port, info.token);
    t.after(() => client.close());
    return client;
  };
  const first = start();
  const client = await connectTo(first.pid!);
  await client.assets.register('compute', { path: path.join(root, 'box.yml') });
  const { job } = await client.jobs.submit({ path: path.join(root, 'job.yml') });
  await waitFor('Running', async () => (await client.jobs.get(job.name)).status === 'Running');
  first.kill('SIGKILL');
  await new Promise((resolve) => (first.exitCode !== null ? resolve(null) : first.once('exit', resolve)));
  fs.writeFileSync(path.join(root, 'gate/go'), '');
  const second = start();
  const again = await connectTo(second.pid!);
  const lines: string[] = [];
  let final = '';
  await again.jobs.events(job.name, (event) => (event.type === 'log' ? lines.push(event.text) : event.type === 'status' ? (final = event.status) : undefined));
  assert.equal(final, 'Completed', lines.join(''));
  assert.match(lines.join(''), /^waiting\n[\s\S]*^released\n/m);
  assert.equal(lines.join('').match(/^waiting$/gm)!.length, 1);
  assert.deepEqual(await runContainers(root, job.name), []);
});

test('an environment reports its image: not built, then built by the first job that uses it', async (t) => {
  if (!(await docker.ready(t))) return;
  const plane = await boxWorkspace(t, {
    'env/environment.yml': '$schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json\nname: tiny\nversion: 1\nbuild:\n  path: ./context\n',
    'env/context/Dockerfile': `FROM ${BUSYBOX_IMAGE}\nLABEL mlw.test=${docker.testId}\n`,
    'job.yml': `${COMMAND_SCHEMA}\ntype: command\nexperiment_name: docker\ncommand: echo built\nenvironment: azureml:tiny:1\ncompute: azureml:box\n`,
  });
  t.after(() => docker.cleanup());
  await plane.client.assets.register('environment', { path: path.join(plane.root, 'env/environment.yml') });
  const before = await plane.client.environments.image('tiny', '1');
  assert.match(before.image, /^mlw-env:[0-9a-f]{24}$/);
  assert.deepEqual([before.built, before.building], [false, false]);
  const job = await plane.submit('job.yml');
  const events = await plane.events(job.name);
  assert.equal(statuses(events).pop(), 'Completed', logText(events));
  assert.match(logText(events), /\[environment\] built image mlw-env:/);
  const after = await plane.client.environments.image('tiny');
  assert.deepEqual([after.image, after.built], [before.image, true]);
  const missing = await plane.client.environments.image('nope').then(() => undefined, (error: unknown) => error);
  assert.ok(missing instanceof ApiError && missing.status === 404);
});

test('an inline conda_file runs: built once into an image, registered or in the job, and never rebuilt unchanged', async (t) => {
  if (!(await docker.ready(t))) return;
  const conda = `  conda_file:\n    name: ${docker.testId}\n    channels:\n      - conda-forge\n    dependencies:\n      - python\n      - pip\n`;
  const command = 'python -c "import sys; print(sys.prefix)"';
  const plane = await boxWorkspace(t, {
    'env.yml': `$schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json\nname: inline\nversion: 1\nimage: ${PYTHON_IMAGE}\n${conda.replace(/^  /gm, '')}`,
    'registered.yml': `${COMMAND_SCHEMA}\ntype: command\nexperiment_name: docker\ncommand: ${JSON.stringify(command)}\nenvironment: azureml:inline:1\ncompute: azureml:box\n`,
    'inline.yml': `${COMMAND_SCHEMA}\ntype: command\nexperiment_name: docker\ncommand: ${JSON.stringify(command)}\nenvironment:\n  image: ${PYTHON_IMAGE}\n${conda}compute: azureml:box\n`,
  });
  const images = new Set<string>();
  t.after(async () => {
    for (const image of images) await docker.docker.getImage(image).remove({ force: true }).catch(() => undefined);
  });
  await plane.client.assets.register('environment', { path: path.join(plane.root, 'env.yml') });
  const run = async (file: string) => {
    const job = await plane.submit(file);
    const events = await plane.events(job.name);
    const detail = await plane.client.jobs.get(job.name);
    if (detail.image) images.add(detail.image);
    assert.equal(statuses(events).pop(), 'Completed', `${detail.reason}\n${logText(events)}`);
    assert.match(logText(events), /^\/opt\/mlw\/venv$/m, 'python of the generated environment');
    return { log: logText(events), image: detail.image };
  };
  const first = await run('registered.yml');
  assert.match(first.log, /\[environment\] built image mlw-env:/);
  const again = await run('registered.yml');
  assert.match(again.log, /\[environment\] using cached image mlw-env:/);
  assert.equal(again.image, first.image);
  const inline = await run('inline.yml');
  assert.match(inline.log, /\[environment\] (built|using cached) image mlw-env:/);
});

test('links a container leaves in its output to host files are never served', async (t) => {
  if (!(await docker.ready(t))) return;
  const plane = await boxWorkspace(t, {
    'job.yml': dockerJob('ln -s /etc/shadow ${{outputs.out}}/shadow-link && ln -s / ${{outputs.out}}/root && echo ok > ${{outputs.out}}/real.txt', 'outputs:\n  out:\n    type: uri_folder\n'),
  });
  const job = await plane.submit('job.yml');
  const events = await plane.events(job.name);
  assert.equal(statuses(events).pop(), 'Completed', logText(events));
  const file = (name: string) => plane.client.jobs.outputFile(job.name, 'out', name);
  for (const name of ['shadow-link', `root${plane.root}/.mlw/serve.json`]) {
    const refused = await file(name).then(() => undefined, (error: unknown) => error);
    assert.ok(refused instanceof ApiError && refused.status === 403 && /symbolic link/.test(refused.message), `${name}: ${String(refused)}`);
  }
  assert.equal((await file('real.txt')).toString(), 'ok\n');
});

test("a job's resources.shm_size sets the container's /dev/shm, over the compute's", async (t) => {
  if (!(await docker.ready(t))) return;
  const plane = await boxWorkspace(t, {
    'shmbox.yml': 'name: shmbox\ntype: docker\nmax_instances: 1\nresources:\n  shm_size: 32m\n',
    'job.yml': dockerJob('grep " /dev/shm " /proc/mounts', 'resources:\n  shm_size: 96m\n').replace('azureml:box', 'azureml:shmbox'),
    'plain.yml': dockerJob('grep " /dev/shm " /proc/mounts').replace('azureml:box', 'azureml:shmbox'),
  });
  await plane.client.assets.register('compute', { path: path.join(plane.root, 'shmbox.yml') });
  const job = await plane.submit('job.yml');
  const events = await plane.events(job.name);
  assert.equal(statuses(events).at(-1), 'Completed', logText(events));
  assert.match(logText(events), /\/dev\/shm .*size=98304k/);
  const plain = await plane.submit('plain.yml');
  const plainEvents = await plane.events(plain.name);
  assert.match(logText(plainEvents), /\/dev\/shm .*size=32768k/, 'without its own shm_size a job gets the compute\'s');
});
