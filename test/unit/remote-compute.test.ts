import assert from 'node:assert/strict';
import Docker from 'dockerode';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { COMMAND_SCHEMA, logText, refusal, startPlane, statuses, workspace, type Plane } from '../support/control-plane';
import { BEAT_SCRIPT, beatsAfter } from '../support/beats';
import { BUSYBOX_IMAGE, DockerTestBed, PYTHON_IMAGE, waitFor } from '../support/docker';
import { ended, kill, reaches, startDaemonProcess, submit } from '../support/daemon-process';
import { EXAMPLES } from '../support/examples';
import { httpRequest } from '../support/http';
import { MLFLOW_CLIENT_IMAGE } from '../support/mlflow';
import { remoteEngineLabForFile, tlsCompute, type RemoteEngineLab } from '../support/remote-engine-lab';

const local = new DockerTestBed();
const labForFile = remoteEngineLabForFile(local);
const ready = (t: TestContext) => labForFile.ready(t);
/** The lab engine seen through its own socket. */
const engineOf = () => labForFile.engine();

function sshCompute(name: string, remote: RemoteEngineLab, fingerprint = remote.sshHostKeyFingerprint): string {
  return `name: ${name}\ntype: remote\nendpoint: ${remote.sshEndpoint}\nssh:\n  private_key: ${remote.sshPrivateKey}\n  host_key_fingerprint: ${fingerprint}\n`;
}

function remoteJob(compute: string, command: string, extra = ''): string {
  return `${COMMAND_SCHEMA}\ntype: command\ncommand: ${JSON.stringify(command)}\nenvironment:\n  image: ${BUSYBOX_IMAGE}\ncompute: azureml:${compute}\n${extra}`;
}

const IO_JOB_EXTRA = 'code: ./src\ninputs:\n  data:\n    type: uri_folder\n    path: ./data\noutputs:\n  out:\n    type: uri_folder\n';
const IO_COMMAND = 'id -u; cat main.sh; cat ${{inputs.data}}/a.txt; mkdir ${{outputs.out}}/deep && echo written > ${{outputs.out}}/deep/o.txt; sh tracking.sh; echo done';
/** Prints the first line of the tracking listener's certificate the run was given, or that tracking is off. */
const TRACKING_CHECK = 'if [ -z "$MLFLOW_TRACKING_URI" ]; then echo no tracking; else head -1 "$MLFLOW_TRACKING_SERVER_CERT_PATH"; fi\n';
/** Logs a metric with the real MLflow client, then tries the listener in plain HTTP. */
const MLFLOW_TRAIN = `import os, urllib.error, urllib.request
import mlflow
mlflow.log_metric("loss", 0.25)
plain = "http://" + os.environ["MLFLOW_TRACKING_URI"].split("://", 1)[1] + "/api/2.0/mlflow/experiments/search"
try:
    urllib.request.urlopen(urllib.request.Request(plain, headers={"Authorization": "Bearer " + os.environ["MLFLOW_TRACKING_TOKEN"]}), timeout=30)
    print("plain http answered")
except urllib.error.HTTPError as error:
    print("plain http answered", error.code)
except Exception as error:
    print("plain http refused:", type(error).__name__)
`;

/** A workspace with the compute registered from `computeSpec` and a daemon. */
async function remoteWorkspace(t: TestContext, computeSpec: string, files: Record<string, string>): Promise<Plane> {
  const root = await workspace(t, { 'compute.yml': computeSpec, ...files });
  const plane = await startPlane(t, root);
  await plane.client.assets.register('compute', { path: path.join(root, 'compute.yml') });
  t.after(async () => {
    const left = await engineOf().listContainers({ all: true, filters: { label: [`mlw.workspace=${root}`] } }).catch(() => []);
    await Promise.all(left.map((c) => engineOf().getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  });
  return plane;
}

/** The real MLflow client's image on this machine (../shared/scripts/mlflow/build-client-image.sh); under CI it must be there. */
async function mlflowClientImage(t: TestContext): Promise<boolean> {
  if (await local.docker.getImage(MLFLOW_CLIENT_IMAGE).inspect().then(() => true, () => false)) return true;
  const reason = `image ${MLFLOW_CLIENT_IMAGE} is missing; run ../shared/scripts/mlflow/build-client-image.sh`;
  if (process.env.CI === 'true') throw new Error(reason);
  t.skip(reason);
  return false;
}

async function remoteContainers(root: string): Promise<Docker.ContainerInfo[]> {
  return engineOf().listContainers({ all: true, filters: { label: [`mlw.workspace=${root}`] } });
}

async function runsCodeInputAndOutput(t: TestContext, computeSpec: string, secrets: Record<string, string> = {}): Promise<void> {
  const plane = await remoteWorkspace(t, computeSpec, {
    'job.yml': remoteJob('remote', IO_COMMAND, IO_JOB_EXTRA),
    'src/main.sh': 'echo code\n',
    'src/tracking.sh': TRACKING_CHECK,
    'data/a.txt': 'input data\n',
  });
  for (const [field, value] of Object.entries(secrets)) {
    const stored = await plane.http.request<{ reference: string }>('POST', `/api/secrets/computes/remote/${field}`, { value });
    assert.equal(stored.reference, `secret:computes/remote/${field}`);
  }
  const job = await plane.submit('job.yml');
  const events = await plane.events(job.name);
  const log = logText(events);
  assert.deepEqual(statuses(events), ['Queued', 'Preparing', 'Running', 'Finalizing', 'Completed'], log);
  assert.match(log, /^1000$/m, 'runs as the unprivileged user');
  assert.match(log, /echo code/, 'the code snapshot is in the container');
  assert.match(log, /input data/);
  const tracked = /tracking_address/.test(computeSpec);
  assert.match(log, tracked ? /tracking: runs on compute remote log to https:\/\/[\d.]+:\d+/ : /tracking is off on compute remote: the compute has no tracking_address/);
  assert.match(log, tracked ? /^-----BEGIN CERTIFICATE-----$/m : /^no tracking$/m, 'the run has the tracking listener\'s certificate');
  assert.equal(fs.readFileSync(path.join(plane.root, '.mlw/datastores/workspaceblobstore/azureml', job.name, 'out/deep/o.txt'), 'utf8'), 'written\n');
  assert.deepEqual(await remoteContainers(plane.root), [], 'the container is removed from the remote engine');
  const shipped = (await plane.client.jobs.get(job.name)).image!;
  const id = (await local.docker.getImage(shipped).inspect()).Id;
  assert.ok(await engineOf().getImage(id).inspect(), 'the image was shipped to the remote engine');
}

describe('remote compute', { timeout: 420_000 }, () => {
  it('runs a job with code, an input and an output on a remote engine over mutual TLS', async (t) => {
    const remote = await ready(t);
    if (!remote) return;
    // The client key from the workspace's secrets store, the certificates from files.
    const files = { ...remote.files, key: 'secret:computes/remote/tls_key' };
    const compute = `${tlsCompute('remote', files, remote.tlsEndpoint)}tracking_address: ${remote.hostAddress}\n`;
    await runsCodeInputAndOutput(t, compute, { tls_key: fs.readFileSync(remote.files.key, 'utf8') });
  });

  it('runs a job with code, an input and an output on a remote engine over SSH', async (t) => {
    const remote = await ready(t);
    if (remote) await runsCodeInputAndOutput(t, sshCompute('remote', remote));
  });

  it('a job logs with the real MLflow client over HTTPS to tracking_address, where plain HTTP is refused', { timeout: 600_000 }, async (t) => {
    const remote = await ready(t);
    if (!remote || !(await mlflowClientImage(t))) return;
    const plane = await remoteWorkspace(t, `${tlsCompute('remote', remote.files, remote.tlsEndpoint)}tracking_address: ${remote.hostAddress}\n`, {
      'job.yml': `${COMMAND_SCHEMA}\ntype: command\ncode: ./src\ncommand: PYTHONPATH=/opt/mlflow-src /usr/bin/python3 train.py\nenvironment:\n  image: ${MLFLOW_CLIENT_IMAGE}\ncompute: azureml:remote\n`,
      'src/train.py': MLFLOW_TRAIN,
    });
    const job = await plane.submit('job.yml');
    // The client image (about 1 GB) is shipped to the lab's fresh engine first.
    const events = await plane.events(job.name);
    const log = logText(events);
    assert.equal(statuses(events).at(-1), 'Completed', log);
    const uri = /tracking: runs on compute remote log to (\S+)/.exec(log)?.[1];
    assert.equal(uri && new URL(uri).protocol, 'https:', log);
    assert.match(log, /^plain http refused: /m, log);
    const metrics = (await plane.client.tracking.run(job.name)).run.data.metrics ?? [];
    assert.deepEqual(metrics.map((m) => [m.key, m.value]), [['loss', 0.25]], log);
    const plain = await httpRequest(Number(new URL(uri!).port), 'GET', '/api/2.0/mlflow/experiments/search', {}, undefined, remote.hostAddress).then((reply) => `answered ${reply.status}`, (error: Error) => error.message);
    assert.doesNotMatch(plain, /^answered/, 'nor does this machine get a plain HTTP answer there');
  });

  it('examples/compute/remote-tls.yml and remote-ssh.yml, pointed at the lab, run examples/hello', async (t) => {
    const remote = await ready(t);
    if (!remote) return;
    const example = (file: string, replacements: [string, string][]): string => {
      let text = fs.readFileSync(path.join(EXAMPLES, 'compute', file), 'utf8');
      for (const [from, to] of replacements) {
        assert.ok(text.includes(from), `${file} has ${from}`);
        text = text.replace(from, to);
      }
      return text;
    };
    const tls = example('remote-tls.yml', [['tcp://gpu-box.lan:2376', remote.tlsEndpoint], ['~/.docker/gpu-box/ca.pem', remote.files.ca], ['~/.docker/gpu-box/cert.pem', remote.files.cert], ['192.168.1.20', remote.hostAddress]]);
    const ssh = example('remote-ssh.yml', [['ssh://mlw@gpu-box.lan:22', remote.sshEndpoint], ['~/.ssh/mlw_gpu_box', remote.sshPrivateKey], ['SHA256:owB+tD7lt9WAUcmPdoxODZWqrKfL/ZY6oby7jmJW2Ks', remote.sshHostKeyFingerprint]]);
    const hello = (file: string) => fs.readFileSync(path.join(EXAMPLES, 'hello', file), 'utf8');
    const plane = await remoteWorkspace(t, tls, { 'ssh.yml': ssh, 'hello/job.yml': hello('job.yml'), 'hello/src/hello.py': hello('src/hello.py') });
    await plane.client.assets.register('compute', { path: path.join(plane.root, 'ssh.yml') });
    // The example keeps its client key in the secrets store, under the reference it names.
    await plane.http.request('POST', '/api/secrets/computes/gpu-box/tls_key', { value: fs.readFileSync(remote.files.key, 'utf8') });
    for (const compute of ['gpu-box', 'gpu-box-ssh']) {
      const job = await plane.submit('hello/job.yml', [`compute=azureml:${compute}`]);
      const events = await plane.events(job.name);
      assert.equal(statuses(events).at(-1), 'Completed', logText(events));
      assert.match(logText(events), /Hello from mlw/);
    }
    assert.deepEqual(await remoteContainers(plane.root), []);
  });

  it('fails a job clearly when the engine refuses the client certificate, cannot be reached or shows another host key', async (t) => {
    const remote = await ready(t);
    if (!remote) return;
    const engineIp = /tcp:\/\/([^:]+):/.exec(remote.tlsEndpoint)![1]!;
    const rogue = { ...remote.files, cert: remote.files.rogueCert, key: remote.files.rogueKey };
    const otherFingerprint = `SHA256:${'A'.repeat(43)}`;
    const plane = await remoteWorkspace(t, tlsCompute('remote', rogue, remote.tlsEndpoint), {
      'unreachable.yml': tlsCompute('unreachable', remote.files, `tcp://${engineIp}:2399`),
      'otherhost.yml': sshCompute('otherhost', remote, otherFingerprint),
      'job.yml': remoteJob('remote', 'echo never'),
      'job-unreachable.yml': remoteJob('unreachable', 'echo never'),
      'job-otherhost.yml': remoteJob('otherhost', 'echo never'),
    });
    for (const file of ['unreachable.yml', 'otherhost.yml']) await plane.client.assets.register('compute', { path: path.join(plane.root, file) });
    const expectations: [string, RegExp][] = [
      ['job.yml', /remote engine at tcp:\/\/.* refused mlw's client certificate/],
      ['job-unreachable.yml', /remote engine at tcp:\/\/.*:2399 cannot be reached: .*ECONNREFUSED/],
      ['job-otherhost.yml', new RegExp(`showed the SSH host key ${remote.sshHostKeyFingerprint.replace(/[+/]/g, '\\$&')}, not the pinned`)],
    ];
    for (const [file, reason] of expectations) {
      // The engine is asked at submission, so the job is refused there with the reason, and nothing is queued.
      const refused = await refusal(plane.submit(file));
      assert.equal(refused.status, 503, refused.message);
      assert.match(refused.message, reason);
    }
    assert.deepEqual((await plane.client.jobs.list()).map((j) => j.name), []);
  });

  it('cancels a job running on a remote engine and removes its container', async (t) => {
    const remote = await ready(t);
    if (!remote) return;
    const plane = await remoteWorkspace(t, tlsCompute('remote', remote.files, remote.tlsEndpoint), {
      'job.yml': remoteJob('remote', 'echo started; sleep 60'),
    });
    const job = await plane.submit('job.yml');
    await waitFor('the run to print', async () => (await remoteContainers(plane.root)).some((c) => c.State === 'running') &&
      /started/.test(fs.readFileSync(path.join(plane.root, '.mlw/runs', job.name, 'user_logs/std_log.txt'), { encoding: 'utf8', flag: 'a+' })), 60_000);
    await plane.client.jobs.cancel(job.name);
    assert.equal(await plane.finalStatus(job.name), 'Canceled');
    assert.deepEqual(await remoteContainers(plane.root), [], 'the container is removed from the remote engine');
  });

  it("picks up a run after the control plane's restart: its log, exit code and outputs", async (t) => {
    const remote = await ready(t);
    if (!remote) return;
    const root = await workspace(t, {
      'compute.yml': tlsCompute('remote', remote.files, remote.tlsEndpoint),
      'job.yml': remoteJob('remote', 'echo started; while [ ! -f /tmp/go ]; do sleep 0.05; done; echo written > ${{outputs.out}}/o.txt; echo broken; exit 3', 'outputs:\n  out:\n    type: uri_folder\n'),
    });
    t.after(async () => {
      for (const c of await remoteContainers(root).catch(() => [])) await engineOf().getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    });
    const daemon = await startDaemonProcess(t, root);
    await daemon.client.assets.register('compute', { path: path.join(root, 'compute.yml') });
    const job = await submit(daemon.client, root, 'job.yml');
    const [container] = await waitFor('the run to print', async () => {
      const running = (await remoteContainers(root)).filter((c) => c.State === 'running');
      const log = fs.readFileSync(path.join(root, '.mlw/runs', job, 'user_logs/std_log.txt'), { encoding: 'utf8', flag: 'a+' });
      return running.length && /started/.test(log) ? running : undefined;
    }, 60_000);
    await kill(daemon);
    const next = await startDaemonProcess(t, root);
    await reaches(next.client, job, (d) => d.status === 'Running');
    const gate = await engineOf().getContainer(container!.Id).exec({ Cmd: ['touch', '/tmp/go'] });
    await gate.start({ Detach: true });
    const end = await reaches(next.client, job, ended, 60_000);
    assert.equal(end.status, 'Failed');
    assert.match(end.reason ?? '', /^exit code 3; last log lines:\n[\s\S]*broken/);
    assert.equal(fs.readFileSync(path.join(root, '.mlw/runs', job, 'user_logs/std_log.txt'), 'utf8'), 'started\nbroken\n');
    assert.equal(fs.readFileSync(path.join(root, '.mlw/datastores/workspaceblobstore/azureml', job, 'out/o.txt'), 'utf8'), 'written\n');
    assert.deepEqual(await remoteContainers(root), [], 'the container is removed from the remote engine');
  });

  it('a run that goes on while the control plane restarts keeps logging to tracking_address', { timeout: 300_000 }, async (t) => {
    const remote = await ready(t);
    if (!remote) return;
    const root = await workspace(t, {
      'compute.yml': `${tlsCompute('remote', remote.files, remote.tlsEndpoint)}tracking_address: ${remote.hostAddress}\n`,
      'job.yml': `${COMMAND_SCHEMA}\ntype: command\ncode: ./src\ncommand: python3 beat.py\nenvironment:\n  image: ${PYTHON_IMAGE}\ncompute: azureml:remote\n`,
      'src/beat.py': BEAT_SCRIPT,
    });
    t.after(async () => {
      for (const c of await remoteContainers(root).catch(() => [])) await engineOf().getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    });
    const daemon = await startDaemonProcess(t, root);
    await daemon.client.assets.register('compute', { path: path.join(root, 'compute.yml') });
    const job = await submit(daemon.client, root, 'job.yml');
    // The image is shipped to the lab's engine first.
    await waitFor('a point logged before the restart', async () => (await beatsAfter(daemon, job, 0)) > 0, 180_000);
    await kill(daemon, 'SIGTERM');
    const restartedAt = Date.now();
    const next = await startDaemonProcess(t, root);
    t.after(async () => {
      await next.client.jobs.cancel(job).catch(() => undefined);
      await reaches(next.client, job, ended).catch(() => undefined);
    });
    await waitFor('a point logged after the restart', async () => (await beatsAfter(next, job, restartedAt)) > 0, 30_000);
  });

  // Last: it stops the lab's engineOf().
  it('fails a running job with the reason when the remote engine goes away', async (t) => {
    const remote = await ready(t);
    if (!remote) return;
    const plane = await remoteWorkspace(t, tlsCompute('remote', remote.files, remote.tlsEndpoint), {
      'job.yml': remoteJob('remote', 'echo started; sleep 60'),
    });
    const job = await plane.submit('job.yml');
    await waitFor('the run to print', () => /started/.test(fs.readFileSync(path.join(plane.root, '.mlw/runs', job.name, 'user_logs/std_log.txt'), { encoding: 'utf8', flag: 'a+' })), 60_000);
    await remote.stopEngine();
    assert.equal(await plane.finalStatus(job.name), 'Failed');
    const detail = await plane.client.jobs.get(job.name);
    assert.match(detail.reason ?? '', /connection to the remote engine of compute remote \(tcp:\/\/.*\) was lost while the job ran/, detail.reason);
  });
});
