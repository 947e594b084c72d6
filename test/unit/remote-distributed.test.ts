import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { startPlane, workspace, type Plane } from '../support/control-plane';
import { ended, kill, reaches, startDaemonProcess, submit } from '../support/daemon-process';
import { DockerTestBed, waitFor } from '../support/docker';
import { checkFailingRank, checkRendezvous, pytorchJob, rendezvousFiles } from '../support/rendezvous';
import { remoteEngineLabForFile, tlsCompute, type RemoteEngineLab } from '../support/remote-engine-lab';

const local = new DockerTestBed();
const labForFile = remoteEngineLabForFile(local);
const ready = (t: TestContext) => labForFile.ready(t);
/** The lab engine seen through its own socket. */
const engineOf = () => labForFile.engine();

function distributedJob(command: string, instances: number, extra = ''): string {
  return pytorchJob({ experiment: 'remote-distributed', compute: 'remote' }, command, instances, extra);
}

/** The files of a workspace whose `remote` compute is the lab's engine over TLS, with room for 3 instances. */
function remoteFiles(remote: RemoteEngineLab, files: Record<string, string>): Record<string, string> {
  return { 'compute.yml': `${tlsCompute('remote', remote.files, remote.tlsEndpoint)}max_instances: 3\n`, ...files };
}

async function remotePlane(t: TestContext, remote: RemoteEngineLab, files: Record<string, string>): Promise<Plane> {
  const root = await workspace(t, remoteFiles(remote, files));
  t.after(() => removeLeftovers(root));
  const plane = await startPlane(t, root);
  await plane.client.assets.register('compute', { path: path.join(root, 'compute.yml') });
  return plane;
}

/** Containers and networks a run left on the lab engine (none, once it ended). */
async function leftOnEngine(job: string): Promise<string[]> {
  const filters = { label: [`mlw.run=${job}`] };
  const containers = await engineOf().listContainers({ all: true, filters });
  const networks = await engineOf().listNetworks({ filters });
  return [...containers.map((c) => `container ${c.Names[0]}`), ...networks.map((n) => `network ${n.Name}`)];
}

async function removeLeftovers(root: string): Promise<void> {
  const filters = { label: [`mlw.workspace=${root}`] };
  const containers = await engineOf().listContainers({ all: true, filters }).catch(() => []);
  await Promise.all(containers.map((c) => engineOf().getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  const networks = await engineOf().listNetworks({ filters }).catch(() => []);
  await Promise.all(networks.map((n) => engineOf().getNetwork(n.Id).remove().catch(() => undefined)));
}

describe('distributed jobs on a remote compute', { timeout: 300_000 }, () => {
  it('runs 3 pytorch instances on the remote engine that reach rank 0 by name; only instance 0 sends outputs back', async (t) => {
    const remote = await ready(t);
    if (!remote) return;
    const plane = await remotePlane(t, remote, rendezvousFiles(distributedJob));
    const job = await plane.submit('job.yml');
    await checkRendezvous(plane, job.name);
    assert.deepEqual(await leftOnEngine(job.name), []);
  });

  it('fails the job with the failing rank and stops the others; cancel stops all', async (t) => {
    const remote = await ready(t);
    if (!remote) return;
    const failing = 'if [ "$RANK" = 1 ]; then echo rank one gives up; exit 3; fi; echo waiting; sleep 300';
    const plane = await remotePlane(t, remote, { 'failing.yml': distributedJob(failing, 3), 'waiting.yml': distributedJob('echo "rank $RANK up"; sleep 300', 2) });
    const failed = await plane.submit('failing.yml');
    await checkFailingRank(plane, failed.name, { rank: 1, instances: 3, exitCode: 3, lastLine: 'rank one gives up' });
    assert.deepEqual(await leftOnEngine(failed.name), []);

    const waiting = await plane.submit('waiting.yml');
    await waitFor('both ranks up', () => /rank 1 up/.test(readLog(plane.root, waiting.name)) && /rank 0 up/.test(readLog(plane.root, waiting.name)), 60_000);
    assert.equal((await engineOf().listContainers({ filters: { label: [`mlw.run=${waiting.name}`] } })).length, 2, 'both instances run on the remote engine');
    await plane.client.jobs.cancel(waiting.name);
    assert.equal(await plane.finalStatus(waiting.name), 'Canceled');
    assert.deepEqual(await leftOnEngine(waiting.name), []);
  });

  it('does not re-attach a multi-instance run after a daemon restart: its containers and network are removed', async (t) => {
    const remote = await ready(t);
    if (!remote) return;
    const root = await workspace(t, remoteFiles(remote, { 'job.yml': distributedJob('echo "rank $RANK up"; sleep 300', 2) }));
    t.after(() => removeLeftovers(root));
    const first = await startDaemonProcess(t, root);
    await first.client.assets.register('compute', { path: path.join(root, 'compute.yml') });
    const job = await submit(first.client, root, 'job.yml');
    await waitFor('both ranks up', () => /rank 0 up/.test(readLog(root, job)) && /rank 1 up/.test(readLog(root, job)), 60_000);
    await kill(first);
    const second = await startDaemonProcess(t, root);
    const done = await reaches(second.client, job, ended, 60_000);
    assert.equal(done.status, 'Failed');
    assert.match(done.reason ?? '', /the control plane stopped while the run's 2 instances ran; a multi-instance run is not re-attached/, done.reason);
    assert.deepEqual(await leftOnEngine(job), []);
  });
});

function readLog(root: string, job: string): string {
  return fs.readFileSync(path.join(root, '.mlw/runs', job, 'user_logs/std_log.txt'), { encoding: 'utf8', flag: 'a+' });
}
