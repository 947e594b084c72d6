import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import Docker from 'dockerode';
import { COMMAND_SCHEMA, logText, refusal, startPlane, statuses, workspace, type Plane } from '../support/control-plane';
import type { JobDetail } from '../../core/vocabulary';
import { ended, kill, reaches, startDaemonProcess, submit } from '../support/daemon-process';
import { DockerTestBed, PYTHON_IMAGE, waitFor } from '../support/docker';
import { EXAMPLES } from '../support/examples';
import { labCompute, startSwarmLab, type SwarmLab } from '../support/swarm-lab';

const docker = new DockerTestBed();

/** The lab's compute, placed on the workers, with labels. */
const workerCompute = (lab: SwarmLab): string => labCompute(lab, ['placement:\n  constraints: ["node.role == worker"]', 'labels:\n  team: vision']);

/** The lab's compute on the workers, asking for more CPUs than any node has. */
const hugeCompute = (lab: SwarmLab): string => labCompute(lab, ['placement:\n  constraints: ["node.role == worker"]']).replace('cpus: 0.5', 'cpus: 64');

function swarmJob(command: string, extra = ''): string {
  return `${COMMAND_SCHEMA}\ntype: command\nexperiment_name: swarm\ncommand: ${JSON.stringify(command)}\nenvironment:\n  image: ${PYTHON_IMAGE}\ncompute: azureml:cluster\n${extra}`;
}

const TRAIN_PY = `import json, os, ssl, sys, time, urllib.request
print('input says', open(os.path.join(sys.argv[1], 'a.txt')).read().strip())
with open(os.path.join(sys.argv[2], 'result.txt'), 'w') as out:
    out.write('trained on the swarm\\n')
context = ssl.create_default_context(cafile=os.environ['MLFLOW_TRACKING_SERVER_CERT_PATH'])
metric = {'run_id': os.environ['MLFLOW_RUN_ID'], 'key': 'acc', 'value': 0.9, 'timestamp': int(time.time() * 1000), 'step': 1}
request = urllib.request.Request(os.environ['MLFLOW_TRACKING_URI'] + '/api/2.0/mlflow/runs/log-metric', data=json.dumps(metric).encode(), method='POST',
    headers={'Authorization': 'Bearer ' + os.environ['MLFLOW_TRACKING_TOKEN'], 'Content-Type': 'application/json'})
print('tracking answered', urllib.request.urlopen(request, context=context).status)
`;

async function clusterPlane(t: TestContext, lab: SwarmLab, files: Record<string, string>): Promise<Plane> {
  const root = await workspace(t, { 'cluster.yml': workerCompute(lab), ...files });
  const plane = await startPlane(t, root);
  await plane.client.assets.register('compute', { path: path.join(root, 'cluster.yml') });
  return plane;
}

async function waitForRunningTask(manager: Docker, job: string): Promise<Docker.Service> {
  return waitFor('the run\'s task to run', async () => {
    const [service] = await runServices(manager, job);
    if (!service) return undefined;
    const tasks = (await manager.listTasks({ filters: { service: [service.ID] } })) as { Status: { State: string } }[];
    return tasks.some((task) => task.Status.State === 'running') ? service : undefined;
  }, 60_000);
}

function runServices(manager: Docker, job: string): Promise<Docker.Service[]> {
  return manager.listServices({ filters: { label: [`mlw.run=${job}`] } });
}

test('swarm computes', { timeout: 600_000 }, async (t) => {
  if (!(await docker.ready(t))) return;
  const lab = await startSwarmLab(t);
  if (!lab) return;
  const manager = new Docker({ socketPath: lab.managerSocket });

  await t.test('a job with code and an input runs on a worker; its output folder and metrics come back', async (t) => {
    const plane = await clusterPlane(t, lab, {
      'job.yml': swarmJob('python3 train.py ${{inputs.data}} ${{outputs.model}}', 'code: ./src\ninputs:\n  data:\n    type: uri_folder\n    path: ./data\noutputs:\n  model:\n'),
      'src/train.py': TRAIN_PY,
      'data/a.txt': 'hello from the host\n',
    });
    const job = await plane.submit('job.yml');
    const events = await plane.events(job.name);
    const log = logText(events);
    assert.deepEqual(statuses(events), ['Queued', 'Preparing', 'Running', 'Finalizing', 'Completed'], log);
    assert.match(log, /input says hello from the host/);
    assert.match(log, /tracking answered 200/);
    assert.ok(events.some((e) => e.type === 'metric' && e.key === 'acc'), 'the metric logged on the node reached the workspace');
    const result = path.join(plane.root, '.mlw/datastores/workspaceblobstore/azureml', job.name, 'model/result.txt');
    assert.equal(fs.readFileSync(result, 'utf8'), 'trained on the swarm\n');
    const detail = await plane.client.jobs.get(job.name);
    assert.equal(detail.status, 'Completed');
    assert.deepEqual(await runServices(manager, job.name), [], 'the service is removed once its exit is collected');
    assert.deepEqual(await manager.listSecrets({ filters: { label: [`mlw.run=${job.name}`] } }), [], 'so is its token');
  });

  await t.test('a failing command ends Failed with its exit code and its log', async (t) => {
    const plane = await clusterPlane(t, lab, { 'job.yml': swarmJob('echo about to fail; echo on stderr >&2; exit 7') });
    const job = await plane.submit('job.yml');
    const events = await plane.events(job.name);
    const log = logText(events);
    assert.equal(statuses(events).at(-1), 'Failed', log);
    assert.match(log, /about to fail\non stderr\n/);
    const detail = await plane.client.jobs.get(job.name);
    assert.match(detail.reason ?? '', /\b7\b/, detail.reason);
    assert.deepEqual(await runServices(manager, job.name), []);
  });

  await t.test('cancel removes the service, which ran as one replica never restarted, placed and limited as the compute says', async (t) => {
    const plane = await clusterPlane(t, lab, { 'job.yml': swarmJob('echo started; sleep 300') });
    const job = await plane.submit('job.yml');
    const service = await waitForRunningTask(manager, job.name);
    const spec = service.Spec!;
    assert.deepEqual(spec.Mode, { Replicated: { Replicas: 1 } });
    const template = spec.TaskTemplate as Docker.ContainerTaskSpec;
    assert.equal(template.RestartPolicy?.Condition, 'none');
    assert.deepEqual(template.Placement?.Constraints, ['node.role == worker']);
    assert.equal(template.Resources?.Limits?.NanoCPUs, 0.5e9);
    assert.equal(template.Resources?.Reservations?.MemoryBytes, 256 * 1024 * 1024);
    assert.equal(spec.Labels?.team, 'vision');
    await plane.client.jobs.cancel(job.name);
    const events = await plane.events(job.name);
    assert.equal(statuses(events).at(-1), 'Canceled', logText(events));
    assert.deepEqual(await runServices(manager, job.name), [], 'the service is gone');
  });

  await t.test('a daemon restarted while the task runs finds the service again, and the output still comes back', async (t) => {
    const root = await workspace(t, {
      'cluster.yml': workerCompute(lab),
      // Long enough for a second daemon to start before the command ends.
      'job.yml': swarmJob('echo started; sleep 20; echo after the restart > ${{outputs.out}}/r.txt; echo finished', 'outputs:\n  out:\n'),
    });
    const first = await startDaemonProcess(t, root);
    await first.client.assets.register('compute', { path: path.join(root, 'cluster.yml') });
    const job = await submit(first.client, root, 'job.yml');
    await waitForRunningTask(manager, job);
    await kill(first);
    const second = await startDaemonProcess(t, root);
    const done = await reaches(second.client, job, ended, 120_000);
    assert.equal(done.status, 'Completed', done.reason);
    assert.equal(fs.readFileSync(path.join(root, '.mlw/datastores/workspaceblobstore/azureml', job, 'out/r.txt'), 'utf8'), 'after the restart\n');
    const log = fs.readFileSync(path.join(root, '.mlw/runs', job, 'user_logs/std_log.txt'), 'utf8');
    assert.equal(log.match(/^started$/gm)?.length, 1, log);
    assert.match(log, /finished/);
    assert.deepEqual(await runServices(manager, job), []);
  });

  await t.test('a job whose node goes down ends Failed and says which node', async (t) => {
    const plane = await clusterPlane(t, lab, { 'job.yml': swarmJob('echo started; sleep 300') });
    const job = await plane.submit('job.yml');
    const service = await waitForRunningTask(manager, job.name);
    const [task] = (await manager.listTasks({ filters: { service: [service.ID] } })) as { NodeID: string }[];
    const node = (await manager.getNode(task!.NodeID).inspect()) as { Description: { Hostname: string } };
    // A frozen dockerd stops its node's heartbeats, as a dead machine would; thawed, it removes the container.
    const dockerd = Number(fs.readFileSync(lab.pidFile(node.Description.Hostname), 'utf8'));
    process.kill(dockerd, 'SIGSTOP');
    t.after(() => process.kill(dockerd, 'SIGCONT'));
    const events = await plane.events(job.name);
    assert.equal(statuses(events).at(-1), 'Failed', logText(events));
    const detail = await plane.client.jobs.get(job.name);
    assert.match(detail.reason ?? '', new RegExp(`Swarm node ${node.Description.Hostname} that ran the job went down`), detail.reason);
    assert.deepEqual(await runServices(manager, job.name), []);
  });

  await t.test('a run no node has room for waits Preparing, and its reason and log say why in the manager\'s words; cancel removes it', async (t) => {
    const plane = await clusterPlane(t, lab, { 'job.yml': swarmJob('echo never'), 'cluster.yml': hugeCompute(lab) });
    await plane.client.assets.register('compute', { path: path.join(plane.root, 'cluster.yml') });
    const job = await plane.submit('job.yml');
    const lifecycle = path.join(plane.root, '.mlw/runs', job.name, 'system_logs/lifecycle.txt');
    const said = await waitFor('the wait\'s reason in the job\'s log', () => fs.existsSync(lifecycle) && /\[mlw\] waiting for a Swarm node: .*insufficient resources on \d+ node/.exec(fs.readFileSync(lifecycle, 'utf8'))?.[0], 60_000);
    assert.equal(fs.readFileSync(lifecycle, 'utf8').split(said).length, 2, 'said once while the reason stays the same');
    const waiting = await plane.client.jobs.get(job.name);
    assert.equal(waiting.status, 'Preparing', 'not Running while no node runs its task');
    assert.match(waiting.reason ?? '', /^waiting for a Swarm node: no suitable node \(insufficient resources on \d+ nodes?\)/, waiting.reason);
    assert.equal((await runServices(manager, job.name)).length, 1, 'its service exists');
    await plane.client.jobs.cancel(job.name);
    const events = await plane.events(job.name);
    assert.equal(statuses(events).at(-1), 'Canceled', logText(events));
    assert.ok(!statuses(events).includes('Running'), statuses(events).join(' '));
    assert.match(logText(events), /waiting for a Swarm node: no suitable node \(insufficient resources on \d+ nodes?\)/);
    assert.deepEqual(await runServices(manager, job.name), [], 'the service is gone');
  });

  await t.test('a daemon restarted while the run waits for a node finds it still waiting, Preparing; cancel then removes it', async (t) => {
    const root = await workspace(t, { 'cluster.yml': hugeCompute(lab), 'job.yml': swarmJob('echo never') });
    const first = await startDaemonProcess(t, root);
    await first.client.assets.register('compute', { path: path.join(root, 'cluster.yml') });
    const job = await submit(first.client, root, 'job.yml');
    const waitsForNode = (d: JobDetail) => d.status === 'Preparing' && /insufficient resources/.test(d.reason ?? '');
    const waiting = await reaches(first.client, job, waitsForNode, 60_000);
    assert.equal(waiting.startedAt, undefined);
    const [service] = await runServices(manager, job);
    await kill(first);
    const second = await startDaemonProcess(t, root);
    const lifecycle = path.join(root, '.mlw/runs', job, 'system_logs/lifecycle.txt');
    await waitFor('the re-attached run to say again why it waits', () => fs.readFileSync(lifecycle, 'utf8').split('waiting for a Swarm node').length === 3, 60_000);
    assert.ok(waitsForNode(await second.client.jobs.get(job)));
    assert.deepEqual((await runServices(manager, job)).map((s) => s.ID), [service!.ID], 'the same service, not a second run');
    await second.client.jobs.cancel(job);
    const done = await reaches(second.client, job, ended, 60_000);
    assert.equal(done.status, 'Canceled', done.reason);
    assert.ok(!done.events.some((e) => e.type === 'status' && e.status === 'Running'), 'never Running');
    assert.deepEqual(await runServices(manager, job), []);
  });

  await t.test('examples/compute/swarm-cluster.yml, pointed at the lab, runs examples/swarm on a worker', async (t) => {
    let cluster = fs.readFileSync(path.join(EXAMPLES, 'compute/swarm-cluster.yml'), 'utf8');
    for (const [from, to] of [['unix:///run/mlw-lab/mlwlab/n1.sock', `unix://${lab.managerSocket}`], ['registry: 10.81.0.1:5081', `registry: ${lab.registry}`], ['registry_push: 127.0.0.1:5081', `registry_push: ${lab.registryPush}`]] as const) {
      assert.ok(cluster.includes(from), `swarm-cluster.yml has ${from}`);
      cluster = cluster.replace(from, to);
    }
    const root = await workspace(t, { 'compute/swarm-cluster.yml': cluster });
    for (const example of ['swarm', 'data']) fs.cpSync(path.join(EXAMPLES, example), path.join(root, example), { recursive: true });
    const plane = await startPlane(t, root);
    await plane.client.assets.register('compute', { path: path.join(root, 'compute/swarm-cluster.yml') });
    const job = await plane.submit('swarm/job.yml');
    const events = await plane.events(job.name);
    assert.deepEqual(statuses(events), ['Queued', 'Preparing', 'Running', 'Finalizing', 'Completed'], logText(events));
    const counts = JSON.parse(fs.readFileSync(path.join(root, '.mlw/datastores/workspaceblobstore/azureml', job.name, 'summary/counts.json'), 'utf8'));
    assert.deepEqual(Object.keys(counts).sort(), ['setosa', 'versicolor', 'virginica'], 'the output folder came back');
    assert.deepEqual(await runServices(manager, job.name), []);
  });

  await t.test('a compute whose manager does not answer is a clear error at submit', async (t) => {
    const root = await workspace(t, {
      'cluster.yml': 'name: cluster\ntype: swarm\ndocker_host: unix:///nonexistent/mlw-manager.sock\n',
      'job.yml': swarmJob('echo never'),
    });
    const plane = await startPlane(t, root);
    await plane.client.assets.register('compute', { path: path.join(root, 'cluster.yml') });
    const error = await refusal(plane.submit('job.yml'));
    assert.match(error.message, /Swarm manager not reachable at \/nonexistent\/mlw-manager\.sock/);
    assert.equal(error.status, 503);
  });
});
