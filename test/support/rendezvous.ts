import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { instanceHostname } from '../../core/engine/distribution';
import { COMMAND_SCHEMA, logText, statuses, type Plane } from './control-plane';
import { PYTHON_IMAGE } from './docker';

/**
 * A pytorch rank's rendezvous without torch: every rank prints its variables, resolves every instance by name and writes
 * `rank<r>.txt` to the folder given as its argument; the others report to rank 0 at MASTER_ADDR:MASTER_PORT and stay
 * until rank 0 heard them all, so no instance is gone while another still looks its name up.
 */
export const RENDEZVOUS_PY = `import os, socket, sys, time
rank, world = int(os.environ['RANK']), int(os.environ['WORLD_SIZE'])
master, port = os.environ['MASTER_ADDR'], int(os.environ['MASTER_PORT'])
print('vars rank=%d node_rank=%s local_rank=%s world=%d master=%s:%d' % (rank, os.environ['NODE_RANK'], os.environ['LOCAL_RANK'], world, master, port), flush=True)
print('hostname', socket.gethostname(), flush=True)

def patiently(attempt):
    deadline = time.monotonic() + 120
    while True:
        try:
            return attempt()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)

stem = master.rsplit('-', 1)[0]
listed = open('/etc/hosts').read().split()
print('all in /etc/hosts:', all('%s-%d' % (stem, index) in listed for index in range(world)), flush=True)
for index in range(world):
    patiently(lambda: socket.gethostbyname('%s-%d' % (stem, index)))
    print('resolves %s-%d' % (stem, index), flush=True)
with open(os.path.join(sys.argv[1], 'rank%d.txt' % rank), 'w') as out:
    out.write('written by rank %d\\n' % rank)
if rank == 0:
    server = socket.create_server(('', port))
    server.settimeout(120)
    peers = []
    for _ in range(world - 1):
        connection, _ = server.accept()
        peers.append(connection)
        print('heard:', connection.makefile().readline().strip(), flush=True)
    for connection in peers:
        with connection:
            connection.sendall(b'all heard\\n')
else:
    with patiently(lambda: socket.create_connection((master, port), timeout=5)) as connection:
        connection.sendall(('rank %d from %s\\n' % (rank, socket.gethostname())).encode())
        connection.settimeout(120)
        connection.makefile().readline()
`;

/** A pytorch job of `instances` instances on `compute`, running `command` in the Python test image. */
export function pytorchJob(where: { experiment: string; compute: string }, command: string, instances: number, extra = ''): string {
  return [
    COMMAND_SCHEMA,
    'type: command',
    `experiment_name: ${where.experiment}`,
    `command: ${JSON.stringify(command)}`,
    `environment:\n  image: ${PYTHON_IMAGE}`,
    `compute: azureml:${where.compute}`,
    'distribution:\n  type: pytorch',
    `resources:\n  instance_count: ${instances}`,
    extra,
  ].join('\n');
}

/** The rendezvous as a job's code: `job.yml` runs it on 3 instances (from `job`) and writes to the output `out`. */
export function rendezvousFiles(job: (command: string, instances: number, extra: string) => string): Record<string, string> {
  return { 'job.yml': job('python3 rendezvous.py ${{outputs.out}}', 3, 'code: ./src\noutputs:\n  out:\n'), 'src/rendezvous.py': RENDEZVOUS_PY };
}

/**
 * Waits for the rendezvous job to end and checks what any compute that runs instances must show: it completed, each
 * rank got Azure ML's variables, resolved every instance by name and has a log of its own, rank 0 heard the others,
 * and only instance 0's output came back. Answers the log and the instances' names for the compute's own checks.
 */
export async function checkRendezvous(plane: Plane, job: string): Promise<{ log: string; hosts: string[] }> {
  const events = await plane.events(job);
  const log = logText(events);
  assert.deepEqual(statuses(events), ['Queued', 'Preparing', 'Running', 'Finalizing', 'Completed'], log);
  const hosts = [0, 1, 2].map((index) => instanceHostname(job, index));
  for (const rank of [0, 1, 2]) {
    assert.match(log, new RegExp(`^\\[rank ${rank}\\] vars rank=${rank} node_rank=${rank} local_rank=0 world=3 master=${hosts[0]}:29500$`, 'm'), log);
    for (const other of hosts) assert.match(log, new RegExp(`^\\[rank ${rank}\\] resolves ${other}$`, 'm'));
    const own = fs.readFileSync(path.join(plane.root, '.mlw/runs', job, `user_logs/std_log_process_${rank}.txt`), 'utf8');
    assert.match(own, new RegExp(`^vars rank=${rank} `, 'm'), 'each instance has its own log, unprefixed');
  }
  for (const rank of [1, 2]) assert.match(log, new RegExp(`^\\[rank 0\\] heard: rank ${rank} from `, 'm'));
  const out = path.join(plane.root, '.mlw/datastores/workspaceblobstore/azureml', job, 'out');
  assert.deepEqual(fs.readdirSync(out), ['rank0.txt'], "the outputs are instance 0's");
  return { log, hosts };
}
