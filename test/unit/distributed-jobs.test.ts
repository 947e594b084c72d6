import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import type { JobEvent } from '../../core/vocabulary';
import { validateFiles } from '../../core/language';
import { COMMAND_SCHEMA, logText, refusal, startPlane, statuses, workspace, type Plane } from '../support/control-plane';
import { startDaemonProcess, kill } from '../support/daemon-process';
import { BUSYBOX_IMAGE, DockerTestBed, waitFor } from '../support/docker';
import { docker as examplesDocker, examplesWorkspace, register } from '../support/examples';

const docker = new DockerTestBed();

const BOX_COMPUTE = 'name: box\ntype: docker\nmax_instances: 4\nresources:\n  cpus: 1\n  memory: 256m\n';
const RANK_VARIABLES = 'MASTER_ADDR|MASTER_PORT|WORLD_SIZE|NODE_RANK|RANK|LOCAL_RANK|TF_CONFIG|AZ_BATCH_[A-Z_]+|OMPI_COMM_WORLD_[A-Z_]+';

/** Whether a rank reaches the tracking API from the job's network (with its run's token, as MLflow would). */
const TRACKING_CHECK = 'wget -q -O /dev/null --header "Authorization: Bearer $MLFLOW_TRACKING_TOKEN" "$MLFLOW_TRACKING_URI/api/2.0/mlflow/runs/get?run_id=$MLFLOW_RUN_ID" && echo TRACKING_REACHED=yes';

function distributedJob(command: string, distribution: string, instances: number): string {
  return [
    COMMAND_SCHEMA,
    'type: command',
    'experiment_name: distributed',
    `command: ${JSON.stringify(command)}`,
    `environment:\n  image: ${BUSYBOX_IMAGE}`,
    'compute: azureml:box',
    distribution ? `distribution:\n${distribution}` : '',
    `resources:\n  instance_count: ${instances}`,
    '',
  ].join('\n');
}

/** A workspace with the `box` docker compute registered; what its jobs leave on the engine is removed afterwards. */
async function boxWorkspace(t: TestContext, files: Record<string, string>): Promise<Plane> {
  const root = await workspace(t, { 'box.yml': BOX_COMPUTE, ...files });
  t.after(() => removeLeftovers(root));
  const plane = await startPlane(t, root);
  await plane.client.assets.register('compute', { path: path.join(root, 'box.yml') });
  return plane;
}

async function removeLeftovers(root: string): Promise<void> {
  const filters = { label: [`mlw.workspace=${root}`] };
  const containers = await docker.docker.listContainers({ all: true, filters });
  await Promise.all(containers.map((c) => docker.docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  const networks = await docker.docker.listNetworks({ filters });
  await Promise.all(networks.map((n) => docker.docker.getNetwork(n.Id).remove().catch(() => undefined)));
}

/** Containers and networks the job left on the engine (none, once it ended). */
async function leftOnEngine(root: string, job: string): Promise<string[]> {
  const filters = { label: [`mlw.workspace=${root}`, `mlw.run=${job}`] };
  const containers = await docker.docker.listContainers({ all: true, filters });
  const networks = await docker.docker.listNetworks({ filters });
  return [...containers.map((c) => `container ${c.Names.join(',')}`), ...networks.map((n) => `network ${n.Name}`)];
}

function finalStatus(events: JobEvent[]): { status: string; reason: string } {
  const last = events.filter((e) => e.type === 'status').pop();
  return last?.type === 'status' ? { status: last.status, reason: last.reason ?? '' } : { status: '', reason: '' };
}

function assertCompleted(events: JobEvent[]): void {
  const { status, reason } = finalStatus(events);
  assert.equal(status, 'Completed', `${reason}\n${logText(events)}`);
}

/** `NAME=value` lines each rank printed, by the rank prefix of the job's log. */
function variablesByRank(log: string): Map<string, Record<string, string>> {
  const ranks = new Map<string, Record<string, string>>();
  for (const match of log.matchAll(/^\[(rank|node) (\d+)\] ([A-Z_]+)=(.*)$/gm)) {
    const key = `${match[1]} ${match[2]}`;
    ranks.set(key, { ...ranks.get(key), [match[3]!]: match[4]! });
  }
  return ranks;
}

test('instance_count 3 with a pytorch distribution runs 3 containers that get Azure ML\'s rendezvous variables', async (t) => {
  if (!(await docker.ready(t))) return;
  const plane = await boxWorkspace(t, {
    'job.yml': distributedJob(`env | grep -E '^(${RANK_VARIABLES})=' | sort; if [ $RANK = 0 ] && nslookup $MASTER_ADDR 127.0.0.11 >/dev/null; then echo MASTER_RESOLVED=yes; fi; ${TRACKING_CHECK}`, '  type: pytorch', 3),
  });
  const job = await plane.submit('job.yml');
  const events = await plane.events(job.name);
  const log = logText(events);
  assertCompleted(events);
  const ranks = variablesByRank(log);
  assert.deepEqual([...ranks.keys()].sort(), ['rank 0', 'rank 1', 'rank 2'], log);
  const master = ranks.get('rank 0')!.MASTER_ADDR!;
  assert.equal(ranks.get('rank 0')!.MASTER_RESOLVED, 'yes', 'the name resolves on the job\'s network');
  delete ranks.get('rank 0')!.MASTER_RESOLVED;
  for (const rank of ranks.values()) {
    assert.equal(rank.TRACKING_REACHED, 'yes', 'each rank reaches the tracking API');
    delete rank.TRACKING_REACHED;
  }
  assert.match(master, /^distributed-[0-9a-f]+-0$/);
  for (const rank of [0, 1, 2]) {
    assert.deepEqual(ranks.get(`rank ${rank}`), {
      LOCAL_RANK: '0', MASTER_ADDR: master, MASTER_PORT: '29500', NODE_RANK: String(rank), RANK: String(rank), WORLD_SIZE: '3',
    });
    const own = fs.readFileSync(path.join(plane.root, '.mlw/runs', job.name, 'user_logs', `std_log_process_${rank}.txt`), 'utf8');
    assert.match(own, new RegExp(`^RANK=${rank}$`, 'm'), 'each rank also has its own log, unprefixed');
    assert.doesNotMatch(own, /\[rank/);
  }
  assert.deepEqual(await leftOnEngine(plane.root, job.name), [], 'containers and the network are removed');
});

test('process_count_per_instance starts that many processes per container, each with its global and local rank', async (t) => {
  if (!(await docker.ready(t))) return;
  const plane = await boxWorkspace(t, {
    'job.yml': distributedJob('echo "R=$RANK L=$LOCAL_RANK N=$NODE_RANK W=$WORLD_SIZE"', '  type: pytorch\n  process_count_per_instance: 2', 2),
  });
  const job = await plane.submit('job.yml');
  const events = await plane.events(job.name);
  const log = logText(events);
  assertCompleted(events);
  const lines = log.split('\n').filter((line) => line.includes(' R=')).sort();
  assert.deepEqual(lines, ['[node 0] R=0 L=0 N=0 W=4', '[node 0] R=1 L=1 N=0 W=4', '[node 1] R=2 L=0 N=1 W=4', '[node 1] R=3 L=1 N=1 W=4']);
});

test('tensorflow gets TF_CONFIG and mpi the host list and Open MPI ranks', async (t) => {
  if (!(await docker.ready(t))) return;
  const plane = await boxWorkspace(t, {
    'tf.yml': distributedJob('echo "TF_CONFIG=$TF_CONFIG"', '  type: tensorflow\n  worker_count: 1\n  parameter_server_count: 1', 2),
    'mpi.yml': distributedJob(`env | grep -E '^(${RANK_VARIABLES})=' | sort`, '  type: mpi', 2),
  });
  const [tf, mpi] = [await plane.submit('tf.yml'), await plane.submit('mpi.yml')];
  const tfLog = logText(await plane.events(tf.name));
  const configs = [...variablesByRank(tfLog).values()].map((v) => JSON.parse(v.TF_CONFIG!) as { cluster: Record<string, string[]>; task: unknown });
  assert.equal(configs.length, 2, tfLog);
  const hosts = configs[0]!.cluster;
  assert.equal(hosts.worker!.length, 1);
  assert.equal(hosts.ps!.length, 1);
  assert.match(hosts.worker![0]!, /-0:2222$/);
  assert.deepEqual(configs.map((c) => c.task), [{ type: 'worker', index: 0 }, { type: 'ps', index: 0 }]);

  const mpiEvents = await plane.events(mpi.name);
  const ranks = variablesByRank(logText(mpiEvents));
  assertCompleted(mpiEvents);
  const first = ranks.get('rank 0')!;
  const hostList = first.AZ_BATCH_HOST_LIST!.split(',');
  assert.equal(hostList.length, 2);
  assert.equal(first.AZ_BATCH_MASTER_NODE, `${hostList[0]}:6105`);
  assert.deepEqual(
    [0, 1].map((r) => [ranks.get(`rank ${r}`)!.OMPI_COMM_WORLD_RANK, ranks.get(`rank ${r}`)!.OMPI_COMM_WORLD_SIZE, ranks.get(`rank ${r}`)!.OMPI_COMM_WORLD_LOCAL_RANK]),
    [['0', '2', '0'], ['1', '2', '0']],
  );
});

test('the first failing rank fails the job with its exit code and its own last lines; the other ranks are stopped', async (t) => {
  if (!(await docker.ready(t))) return;
  const plane = await boxWorkspace(t, {
    'job.yml': distributedJob('if [ "$RANK" = 1 ]; then echo "rank one gives up"; exit 3; fi; echo "rank $RANK waits"; sleep 300', '  type: pytorch', 3),
  });
  const started = Date.now();
  const job = await plane.submit('job.yml');
  const events = await plane.events(job.name);
  const { status, reason } = finalStatus(events);
  assert.equal(status, 'Failed', logText(events));
  assert.match(reason, /^instance 1 of 3 \(\S+-1\) failed; the others were stopped \(exit code 3\); last log lines:\nrank one gives up$/);
  assert.ok(Date.now() - started < 60_000, 'the waiting ranks did not run to their end');
  assert.match(logText(events), /^\[rank 0\] rank 0 waits$/m);
  assert.deepEqual(await leftOnEngine(plane.root, job.name), []);
});

test('cancel stops every rank and removes the network', async (t) => {
  if (!(await docker.ready(t))) return;
  const plane = await boxWorkspace(t, { 'job.yml': distributedJob('echo "rank $RANK up"; sleep 300', '  type: pytorch', 3) });
  const job = await plane.submit('job.yml');
  await waitFor('all ranks running', async () => (await leftOnEngine(plane.root, job.name)).filter((what) => what.startsWith('container')).length === 3 && (await plane.client.jobs.get(job.name)).status === 'Running', 30_000);
  const canceled = await plane.client.jobs.cancel(job.name);
  assert.equal(canceled.status, 'Canceled');
  assert.deepEqual(await leftOnEngine(plane.root, job.name), []);
  assert.deepEqual(statuses(await plane.events(job.name)).slice(-1), ['Canceled']);
});

test('a sweep trial with a distribution runs distributed too', async (t) => {
  if (!(await docker.ready(t))) return;
  const plane = await boxWorkspace(t, {
    'sweep.yml': [
      '$schema: https://azuremlschemas.azureedge.net/latest/sweepJob.schema.json',
      'type: sweep',
      'experiment_name: distributed',
      'compute: azureml:box',
      'trial:',
      '  command: echo "x=${{search_space.x}} RANK=$RANK WORLD_SIZE=$WORLD_SIZE"',
      `  environment:\n    image: ${BUSYBOX_IMAGE}`,
      '  distribution:\n    type: pytorch',
      '  resources:\n    instance_count: 2',
      'sampling_algorithm: grid',
      'search_space:\n  x:\n    type: choice\n    values: [1]',
      'objective:\n  primary_metric: score\n  goal: maximize',
      'limits:\n  max_total_trials: 1',
      '',
    ].join('\n'),
  });
  const sweep = await plane.submit('sweep.yml');
  await plane.events(sweep.name);
  const [trial] = await plane.client.jobs.list({ parent: sweep.name });
  const log = logText(await plane.events(trial!.name));
  assert.match(log, /^\[rank 0\] x=1 RANK=0 WORLD_SIZE=2$/m, log);
  assert.match(log, /^\[rank 1\] x=1 RANK=1 WORLD_SIZE=2$/m, log);
});

test('a pipeline step with a distribution runs distributed; on the pipeline\'s local default compute it is refused', async (t) => {
  if (!(await docker.ready(t))) return;
  const pipeline = (compute: string) => [
    '$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json',
    'type: pipeline',
    'experiment_name: distributed',
    `settings:\n  default_compute: azureml:${compute}`,
    'jobs:',
    '  train:',
    '    type: command',
    '    command: echo "RANK=$RANK WORLD_SIZE=$WORLD_SIZE"',
    `    environment:\n      image: ${BUSYBOX_IMAGE}`,
    '    distribution:\n      type: pytorch',
    '    resources:\n      instance_count: 2',
    '',
  ].join('\n');
  const plane = await boxWorkspace(t, { 'on-box.yml': pipeline('box'), 'on-local.yml': pipeline('local') });
  const job = await plane.submit('on-box.yml');
  await plane.events(job.name);
  const [step] = await plane.client.jobs.list({ parent: job.name });
  const events = await plane.events(step!.name);
  assertCompleted(events);
  assert.match(logText(events), /^\[rank 1\] RANK=1 WORLD_SIZE=2$/m);
  const refused = await refusal(plane.submit('on-local.yml'));
  assert.match((refused.body.findings ?? []).map((f) => f.message).join('\n'), /`instance_count: 2`: the `local` compute runs the command as one process/);
});

test('a distributed run the daemon lost (SIGKILL) is stopped by the next daemon, which removes its containers and network', async (t) => {
  if (!(await docker.ready(t))) return;
  const root = await workspace(t, { 'box.yml': BOX_COMPUTE, 'job.yml': distributedJob('echo "rank $RANK up"; sleep 300', '  type: pytorch', 2) });
  t.after(() => removeLeftovers(root));
  const first = await startDaemonProcess(t, root);
  const client = first.client;
  await client.assets.register('compute', { path: path.join(root, 'box.yml') });
  const { job } = await client.jobs.submit({ path: path.join(root, 'job.yml') });
  await waitFor('Running', async () => (await client.jobs.get(job.name)).status === 'Running', 30_000);
  await kill(first);
  const again = (await startDaemonProcess(t, root)).client;
  let final: JobEvent | undefined;
  await again.jobs.events(job.name, (event) => (event.type === 'status' ? (final = event) : undefined));
  assert.equal(final?.type === 'status' && final.status, 'Failed');
  assert.match(final?.type === 'status' ? final.reason ?? '' : '', /the control plane stopped while the run's 2 instances ran; a multi-instance run is not re-attached/);
  assert.deepEqual(await leftOnEngine(root, job.name), []);
});

test('a distributed job on the host-process local compute is refused on submit, at its fields', async (t) => {
  const root = await workspace(t, { 'job.yml': distributedJob('echo $RANK', '  type: pytorch', 2).replace('azureml:box', 'azureml:local') });
  const plane = await startPlane(t, root);
  const error = await refusal(plane.submit('job.yml'));
  const findings = (error.body.findings ?? []).map((f) => `${f.line}:${f.column} ${f.severity} ${f.rule} ${f.message}`);
  assert.equal(findings.length, 2, findings.join('\n'));
  assert.match(findings[0]!, /^8:1 error distributed-not-supported `distribution`: the `local` compute runs the command as one process/);
  assert.match(findings[1]!, /^11:19 error distributed-not-supported `instance_count: 2`: the `local` compute runs the command as one process/);
  assert.deepEqual(await plane.client.jobs.list(), []);
});

test('the editor tells a workspace compute of type docker from one of type local (both are local compute specs)', async (t) => {
  const job = (compute: string) => distributedJob('echo $RANK', '  type: pytorch', 2).replace('azureml:box', `azureml:${compute}`);
  const root = await workspace(t, { 'box.yml': BOX_COMPUTE, 'here.yml': 'name: here\ntype: local\n', 'on-box.yml': job('box'), 'on-here.yml': job('here') });
  const found = (file: string) => {
    const result = validateFiles([path.join(root, file)], root)[0]!;
    return result.diagnostics.filter((d) => d.rule !== 'missing-experiment-name').map((d) => `${d.line} ${d.rule}`);
  };
  assert.deepEqual(found('on-box.yml'), [], 'the image is used and the job runs distributed on a docker compute');
  assert.deepEqual(found('on-here.yml'), ['6 not-run-locally', '8 distributed-not-supported', '11 distributed-not-supported']);
});

test('examples/distributed: a torch.distributed all-reduce (gloo) across 3 containers', async (t) => {
  if (!(await examplesDocker.ready(t))) return;
  const plane = await examplesWorkspace(t);
  t.after(() => removeLeftovers(plane.root));
  await register(plane, 'compute', 'compute/cpu-cluster.yml');
  await register(plane, 'environment', 'distributed/environment.yml');
  const job = await plane.submit('distributed/job.yml');
  const events = await plane.events(job.name);
  const log = logText(events);
  assertCompleted(events);
  for (const rank of [0, 1, 2]) assert.match(log, new RegExp(`^\\[rank ${rank}\\] rank ${rank} of 3: all_reduce sum = 6\\.0 \\(expected 6\\.0\\)$`, 'm'), log);
  assert.deepEqual(await leftOnEngine(plane.root, job.name), []);
});
