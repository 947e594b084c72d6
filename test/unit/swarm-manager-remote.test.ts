import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import Docker from 'dockerode';
import { COMMAND_SCHEMA, logText, refusal, startPlane, statuses, workspace, type Plane } from '../support/control-plane';
import { DockerTestBed, PYTHON_IMAGE } from '../support/docker';
import { labCompute, startSwarmLab, type SwarmLab } from '../support/swarm-lab';

const docker = new DockerTestBed();

/** The lab's compute on the workers, its manager at `tcp://…:2376` with the credentials in the secrets store. */
function tlsCompute(lab: SwarmLab): string {
  const tls = ['tls:', '  ca: secret:computes/cluster/tls_ca', '  cert: secret:computes/cluster/tls_cert', '  key: secret:computes/cluster/tls_key'].join('\n');
  return labCompute(lab, ['placement:\n  constraints: ["node.role == worker"]', tls]).replace(`unix://${lab.managerSocket}`, lab.managerTls!.endpoint);
}

/** The lab's compute on the workers, its manager at `ssh://root@127.0.0.1:<port>`, the key in the secrets store. */
function sshCompute(lab: SwarmLab, fingerprint = lab.managerSsh!.hostKeyFingerprint): string {
  const ssh = ['ssh:', '  private_key: secret:computes/cluster/ssh_private_key', `  host_key_fingerprint: ${fingerprint}`].join('\n');
  return labCompute(lab, ['placement:\n  constraints: ["node.role == worker"]', ssh]).replace(`unix://${lab.managerSocket}`, lab.managerSsh!.endpoint);
}

const JOB = `${COMMAND_SCHEMA}\ntype: command\nexperiment_name: swarm-tls\ncommand: python3 -c "print('ran behind a remote manager')"\nenvironment:\n  image: ${PYTHON_IMAGE}\ncompute: azureml:cluster\n`;

/** A workspace with the compute registered and its TLS credentials (file names in the lab's folder) stored through the API. */
async function tlsPlane(t: TestContext, lab: SwarmLab, files: { ca: string; cert: string; key: string }): Promise<Plane> {
  const secrets = Object.entries({ tls_ca: files.ca, tls_cert: files.cert, tls_key: files.key }).map(([field, file]) => [field, path.join(lab.managerTls!.dir, file)] as const);
  return workspacePlane(t, tlsCompute(lab), secrets);
}

/** A workspace with the compute registered and each secret (field, file) stored through the API. */
async function workspacePlane(t: TestContext, computeSpec: string, secrets: readonly (readonly [string, string])[]): Promise<Plane> {
  const root = await workspace(t, { 'cluster.yml': computeSpec, 'job.yml': JOB });
  const plane = await startPlane(t, root);
  await plane.client.assets.register('compute', { path: path.join(root, 'cluster.yml') });
  for (const [field, file] of secrets) {
    const value = fs.readFileSync(file, 'utf8');
    const stored = await plane.http.request<{ reference: string }>('POST', `/api/secrets/computes/cluster/${field}`, { value });
    assert.equal(stored.reference, `secret:computes/cluster/${field}`);
  }
  return plane;
}

test('a swarm compute whose manager is reached over mutual TLS or SSH', { timeout: 300_000 }, async (t) => {
  if (!(await docker.ready(t))) return;
  const lab = await startSwarmLab(t, { managerTls: true, managerSsh: true });
  if (!lab) return;
  const manager = new Docker({ socketPath: lab.managerSocket });

  await t.test('runs a job on a worker, through the TLS endpoint, to completion', async (t) => {
    const plane = await tlsPlane(t, lab, { ca: 'ca.pem', cert: 'cert.pem', key: 'key.pem' });
    const job = await plane.submit('job.yml');
    const events = await plane.events(job.name);
    const log = logText(events);
    assert.deepEqual(statuses(events), ['Queued', 'Preparing', 'Running', 'Finalizing', 'Completed'], log);
    assert.match(log, /ran behind a remote manager/);
    assert.deepEqual(await manager.listServices({ filters: { label: [`mlw.run=${job.name}`] } }), [], 'the service is removed');
  });

  await t.test('a manager whose certificate tls.ca does not vouch for is refused at submit', async (t) => {
    const plane = await tlsPlane(t, lab, { ca: 'rogue-ca.pem', cert: 'cert.pem', key: 'key.pem' });
    const error = await refusal(plane.submit('job.yml'));
    assert.equal(error.status, 503, error.message);
    assert.match(error.message, /the Swarm manager at https:\/\/[\d.]+:2376 presented a certificate that tls\.ca does not vouch for/);
  });

  await t.test("a client certificate the manager does not trust is refused at submit", async (t) => {
    const plane = await tlsPlane(t, lab, { ca: 'ca.pem', cert: 'rogue-cert.pem', key: 'rogue-key.pem' });
    const error = await refusal(plane.submit('job.yml'));
    assert.equal(error.status, 503, error.message);
    assert.match(error.message, /the Swarm manager at https:\/\/[\d.]+:2376 refused mlw's client certificate \(tls\.cert, tls\.key\)/);
  });

  await t.test('runs a job on a worker, through an SSH endpoint whose host key is pinned', async (t) => {
    const sshPlane = await workspacePlane(t, sshCompute(lab), [['ssh_private_key', lab.managerSsh!.privateKey]]);
    const job = await sshPlane.submit('job.yml');
    const events = await sshPlane.events(job.name);
    assert.deepEqual(statuses(events), ['Queued', 'Preparing', 'Running', 'Finalizing', 'Completed'], logText(events));
    assert.match(logText(events), /ran behind a remote manager/);
  });

  await t.test('an SSH endpoint showing another host key is refused at submit', async (t) => {
    const other = `SHA256:${'A'.repeat(43)}`;
    const sshPlane = await workspacePlane(t, sshCompute(lab, other), [['ssh_private_key', lab.managerSsh!.privateKey]]);
    const error = await refusal(sshPlane.submit('job.yml'));
    assert.equal(error.status, 503, error.message);
    assert.match(error.message, new RegExp(`the Swarm manager at ssh://127\\.0\\.0\\.1:\\d+ showed the SSH host key ${lab.managerSsh!.hostKeyFingerprint.replace(/[+/]/g, '\\$&')}, not the pinned ${other}`));
  });
});
