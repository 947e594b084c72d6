import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { instanceHostname, MPI_MASTER_PORT, PYTORCH_MASTER_PORT, TENSORFLOW_PORT } from '../../core/engine/distribution';
import { COMMAND_SCHEMA, logText, statuses, type Plane } from './control-plane';
import { PYTHON_IMAGE } from './docker';

/** Where a test's distributed jobs run: their experiment and compute. */
export interface JobPlace {
  experiment: string;
  compute: string;
}

/** Retries a connection or a name lookup for up to 2 minutes: the other instances start in their own time. */
const PATIENTLY_PY = `import os, socket, sys, time

def patiently(attempt):
    deadline = time.monotonic() + 120
    while True:
        try:
            return attempt()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)
`;

/**
 * A pytorch rank's rendezvous without torch: every rank prints its variables, resolves every instance by name (their
 * count is the second argument) and writes `rank<r>.txt` to the folder given as its first; the others report to rank
 * 0 at MASTER_ADDR:MASTER_PORT and stay until rank 0 heard them all, so no instance is gone while another still looks
 * its name up. With several processes per instance, each line starts with `rank <r>: `.
 */
export const RENDEZVOUS_PY = `${PATIENTLY_PY}
rank, world = int(os.environ['RANK']), int(os.environ['WORLD_SIZE'])
master, port = os.environ['MASTER_ADDR'], int(os.environ['MASTER_PORT'])
instances = int(sys.argv[2])
tag = '' if world == instances else 'rank %d: ' % rank

def say(*parts):
    print(tag + ' '.join(str(part) for part in parts), flush=True)

say('vars rank=%d node_rank=%s local_rank=%s world=%d master=%s:%d' % (rank, os.environ['NODE_RANK'], os.environ['LOCAL_RANK'], world, master, port))
say('hostname', socket.gethostname())
stem = master.rsplit('-', 1)[0]
listed = open('/etc/hosts').read().split()
say('all in /etc/hosts:', all('%s-%d' % (stem, index) in listed for index in range(instances)))
for index in range(instances):
    patiently(lambda: socket.gethostbyname('%s-%d' % (stem, index)))
    say('resolves %s-%d' % (stem, index))
with open(os.path.join(sys.argv[1], 'rank%d.txt' % rank), 'w') as out:
    out.write('written by rank %d\\n' % rank)
if rank == 0:
    server = socket.create_server(('', port))
    server.settimeout(120)
    peers = []
    for _ in range(world - 1):
        connection, _ = server.accept()
        peers.append(connection)
        say('heard:', connection.makefile().readline().strip())
    for connection in peers:
        with connection:
            connection.sendall(b'all heard\\n')
else:
    with patiently(lambda: socket.create_connection((master, port), timeout=5)) as connection:
        connection.sendall(('rank %d from %s\\n' % (rank, socket.gethostname())).encode())
        connection.settimeout(120)
        connection.makefile().readline()
`;

/**
 * A TensorFlow task that proves its cluster is reachable: it prints its TF_CONFIG, listens on its own address's port,
 * connects to every other task's address and stays until every other task connected to it.
 */
export const TENSORFLOW_PY = `${PATIENTLY_PY}
import json, threading
config = json.loads(os.environ['TF_CONFIG'])
cluster, task = config['cluster'], config['task']
own = cluster[task['type']][task['index']]
others = [address for addresses in cluster.values() for address in addresses if address != own]
print('task %s %d at %s of %s' % (task['type'], task['index'], own, json.dumps(cluster, sort_keys=True, separators=(',', ':'))), flush=True)
server = socket.create_server(('', int(own.rsplit(':', 1)[1])))
server.settimeout(120)
heard = []

def listen():
    for _ in others:
        connection, _ = server.accept()
        with connection:
            heard.append(connection.makefile().readline().strip())

listener = threading.Thread(target=listen)
listener.start()
for address in others:
    host, port = address.rsplit(':', 1)
    with patiently(lambda: socket.create_connection((host, int(port)), timeout=5)) as connection:
        connection.sendall((own + '\\n').encode())
    print('reached', address, flush=True)
listener.join()
print('heard from', ','.join(sorted(heard)), flush=True)
`;

/** An MPI process that prints its Open MPI ranks, the master node, its host and the address each listed host resolves to. */
export const MPI_PY = `${PATIENTLY_PY}
env = os.environ
hosts = env['AZ_BATCH_HOST_LIST'].split(',')
resolved = ','.join('%s=%s' % (host, patiently(lambda: socket.gethostbyname(host))) for host in hosts)
print('mpi rank=%s local_rank=%s size=%s local_size=%s master=%s on %s resolves %s' % (
    env['OMPI_COMM_WORLD_RANK'], env['OMPI_COMM_WORLD_LOCAL_RANK'], env['OMPI_COMM_WORLD_SIZE'],
    env['OMPI_COMM_WORLD_LOCAL_SIZE'], env['AZ_BATCH_MASTER_NODE'], socket.gethostname(), resolved), flush=True)
`;

/** A job of `instances` instances on the place's compute with a `distribution` of these fields, running `command` in the Python test image. */
export function distributedJob(where: JobPlace, distribution: Record<string, string | number>, command: string, instances: number, extra = ''): string {
  return [
    COMMAND_SCHEMA,
    'type: command',
    `experiment_name: ${where.experiment}`,
    `command: ${JSON.stringify(command)}`,
    `environment:\n  image: ${PYTHON_IMAGE}`,
    `compute: azureml:${where.compute}`,
    `distribution:\n${Object.entries(distribution).map(([key, value]) => `  ${key}: ${value}`).join('\n')}`,
    `resources:\n  instance_count: ${instances}`,
    extra,
  ].join('\n');
}

/** A pytorch job of `instances` instances (of `processes` processes each) on the place's compute, running `command`. */
export function pytorchJob(where: JobPlace, command: string, instances: number, extra = '', processes = 1): string {
  return distributedJob(where, { type: 'pytorch', ...(processes > 1 ? { process_count_per_instance: processes } : {}) }, command, instances, extra);
}

/** The rendezvous as a job's code: `job.yml` runs it on 3 instances of `processes` processes (from `job`) and writes to the output `out`. */
export function rendezvousFiles(job: (command: string, instances: number, extra: string, processes: number) => string, processes = 1): Record<string, string> {
  return { 'job.yml': job('python3 rendezvous.py ${{outputs.out}} 3', 3, 'code: ./src\noutputs:\n  out:\n', processes), 'src/rendezvous.py': RENDEZVOUS_PY };
}

/** A rank's line of the job's log: `[rank <r>] <text>`, or `[node <i>] rank <r>: <text>` with several processes per instance. */
export function rankLine(rank: number, processes: number, text: string): RegExp {
  return new RegExp(`^${escape(rankPrefix(rank, processes) + text)}$`, 'm');
}

function rankPrefix(rank: number, processes: number): string {
  return processes === 1 ? `[rank ${rank}] ` : `[node ${Math.floor(rank / processes)}] rank ${rank}: `;
}

/**
 * Waits for the rendezvous job to end and checks what any compute that runs instances must show: it completed, each
 * rank (once each, on the instance its ranks say) got Azure ML's variables, resolved every instance by name and has
 * a log of its instance's own, rank 0 heard the others, and only instance 0's outputs came back. Answers the log and
 * the instances' names for the compute's own checks.
 */
export async function checkRendezvous(plane: Plane, job: string, processes = 1): Promise<{ log: string; hosts: string[] }> {
  const events = await plane.events(job);
  const log = logText(events);
  assert.deepEqual(statuses(events), ['Queued', 'Preparing', 'Running', 'Finalizing', 'Completed'], log);
  const hosts = [0, 1, 2].map((index) => instanceHostname(job, index));
  const ranks = Array.from({ length: hosts.length * processes }, (_, rank) => rank);
  assert.equal([...log.matchAll(/ vars rank=/g)].length, ranks.length, `each of the ${ranks.length} ranks once\n${log}`);
  for (const rank of ranks) {
    const node = Math.floor(rank / processes);
    const vars = `vars rank=${rank} node_rank=${node} local_rank=${rank % processes} world=${ranks.length} master=${hosts[0]}:${PYTORCH_MASTER_PORT}`;
    assert.match(log, rankLine(rank, processes, vars), log);
    for (const other of hosts) assert.match(log, rankLine(rank, processes, `resolves ${other}`));
    const ownLog = processes === 1 ? `std_log_process_${rank}.txt` : `std_log_node_${node}.txt`;
    const own = fs.readFileSync(path.join(plane.root, '.mlw/runs', job, 'user_logs', ownLog), 'utf8');
    assert.match(own, new RegExp(`^${processes === 1 ? '' : `rank ${rank}: `}${escape(vars)}$`, 'm'), 'each instance has its own log, unprefixed');
    if (rank > 0) assert.match(log, new RegExp(`^${escape(`${rankPrefix(0, processes)}heard: rank ${rank} from `)}`, 'm'));
  }
  const out = path.join(plane.root, '.mlw/datastores/workspaceblobstore/azureml', job, 'out');
  assert.deepEqual(fs.readdirSync(out).sort(), ranks.slice(0, processes).map((rank) => `rank${rank}.txt`), "the outputs are instance 0's");
  return { log, hosts };
}

/** Which rank of which job's shape failed first, with what exit code and what last line of its own (as it printed it). */
export interface FailingRank {
  rank: number;
  instances: number;
  processes?: number;
  exitCode: number;
  lastLine: string;
}

/**
 * Waits for the job to end and checks it failed because of that rank: its reason names the rank (and with one
 * process per instance, its instance) and its exit code, and shows the rank's last line; the job's log has that
 * line behind the rank's prefix. Answers the job's log.
 */
export async function checkFailingRank(plane: Plane, job: string, failing: FailingRank): Promise<string> {
  const processes = failing.processes ?? 1;
  const events = await plane.events(job);
  const log = logText(events);
  assert.equal(statuses(events).at(-1), 'Failed', log);
  const node = Math.floor(failing.rank / processes);
  const instance = `instance ${node} of ${failing.instances} (${instanceHostname(job, node)})`;
  const who = processes === 1 ? instance : `rank ${failing.rank} on ${instance}`;
  const ownLine = `${processes === 1 ? '' : `rank ${failing.rank}: `}${failing.lastLine}`;
  const { reason } = await plane.client.jobs.get(job);
  assert.match(reason ?? '', new RegExp(`^${escape(`${who} failed; the others were stopped (exit code ${failing.exitCode}); last log lines:`)}\n`), reason);
  assert.match(reason ?? '', new RegExp(`^${escape(ownLine)}$`, 'm'), `the rank's last line is among the reason's lines\n${reason}`);
  assert.match(log, rankLine(failing.rank, processes, failing.lastLine), log);
  return log;
}

/** A tensorflow job of `workers` workers and `ps` parameter servers whose tasks connect to each other (TENSORFLOW_PY). */
export function tensorflowFiles(where: JobPlace, shape: { workers: number; ps: number }): Record<string, string> {
  const distribution = { type: 'tensorflow', worker_count: shape.workers, parameter_server_count: shape.ps };
  return { 'job.yml': distributedJob(where, distribution, 'python3 tensorflow_task.py', shape.workers + shape.ps, 'code: ./src\n'), 'src/tensorflow_task.py': TENSORFLOW_PY };
}

/** Checks that the tensorflow job completed, each task's TF_CONFIG named every task by its name, and each reached and heard every other. */
export async function checkTensorflowCluster(plane: Plane, job: string, shape: { workers: number; ps: number }): Promise<void> {
  const events = await plane.events(job);
  const log = logText(events);
  assert.equal(statuses(events).at(-1), 'Completed', log);
  const addresses = Array.from({ length: shape.workers + shape.ps }, (_, index) => `${instanceHostname(job, index)}:${TENSORFLOW_PORT}`);
  const cluster = JSON.stringify({ ...(shape.ps ? { ps: addresses.slice(shape.workers) } : {}), worker: addresses.slice(0, shape.workers) });
  for (const [index, address] of addresses.entries()) {
    const task = index < shape.workers ? `worker ${index}` : `ps ${index - shape.workers}`;
    assert.match(log, new RegExp(`^\\[rank ${index}\\] ${escape(`task ${task} at ${address} of ${cluster}`)}$`, 'm'), log);
    const others = addresses.filter((other) => other !== address);
    for (const other of others) assert.match(log, new RegExp(`^\\[rank ${index}\\] reached ${escape(other)}$`, 'm'));
    assert.match(log, new RegExp(`^\\[rank ${index}\\] heard from ${escape([...others].sort().join(','))}$`, 'm'));
  }
}

/** An mpi job of `instances` instances of `processes` processes each, every process reporting its ranks and how the hosts resolve (MPI_PY). */
export function mpiFiles(where: JobPlace, shape: { instances: number; processes: number }): Record<string, string> {
  const distribution = { type: 'mpi', process_count_per_instance: shape.processes };
  return { 'job.yml': distributedJob(where, distribution, 'python3 mpi_process.py', shape.instances, 'code: ./src\n'), 'src/mpi_process.py': MPI_PY };
}

/**
 * Checks that the mpi job completed with each global rank once, on the instance and at the local rank its place
 * gives, with the sizes and master node Azure ML sets, and that every process resolved every listed host to one
 * address of its own.
 */
export async function checkMpiRanks(plane: Plane, job: string, shape: { instances: number; processes: number }): Promise<void> {
  const events = await plane.events(job);
  const log = logText(events);
  assert.equal(statuses(events).at(-1), 'Completed', log);
  const hosts = Array.from({ length: shape.instances }, (_, index) => instanceHostname(job, index));
  const reports = [...log.matchAll(/^\[(?:node|rank) (\d+)\] mpi rank=(\d+) local_rank=(\d+) size=(\d+) local_size=(\d+) master=(\S+) on (\S+) resolves (\S+)$/gm)].map((match) => match.slice(1));
  const world = shape.instances * shape.processes;
  assert.deepEqual(reports.map((report) => Number(report[1])).sort((a, b) => a - b), Array.from({ length: world }, (_, rank) => rank), log);
  const resolved = new Set(reports.map((report) => report[7]));
  assert.equal(resolved.size, 1, `every process resolves the hosts alike: ${[...resolved].join(' | ')}`);
  const mapping = [...resolved][0]!.split(',').map((pair) => pair.split('='));
  assert.deepEqual(mapping.map(([host]) => host), hosts, 'AZ_BATCH_HOST_LIST names the instances');
  assert.equal(new Set(mapping.map(([, address]) => address)).size, shape.instances, 'an address each');
  for (const [node, rank, local, size, localSize, master, host] of reports) {
    const expected = [String(Math.floor(Number(rank) / shape.processes)), String(Number(rank) % shape.processes), String(world), String(shape.processes), `${hosts[0]}:${MPI_MASTER_PORT}`, hosts[Number(node)]];
    assert.deepEqual([node, local, size, localSize, master, host], expected, `rank ${rank}`);
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
