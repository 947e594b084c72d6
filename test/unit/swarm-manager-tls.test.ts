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

const JOB = `${COMMAND_SCHEMA}\ntype: command\nexperiment_name: swarm-tls\ncommand: python3 -c "print('ran behind a TLS manager')"\nenvironment:\n  image: ${PYTHON_IMAGE}\ncompute: azureml:cluster\n`;

/** A workspace with the compute registered and its TLS credentials (file names in the lab's folder) stored through the API. */
async function tlsPlane(t: TestContext, lab: SwarmLab, files: { ca: string; cert: string; key: string }): Promise<Plane> {
  const root = await workspace(t, { 'cluster.yml': tlsCompute(lab), 'job.yml': JOB });
  const plane = await startPlane(t, root);
  await plane.client.assets.register('compute', { path: path.join(root, 'cluster.yml') });
  for (const [field, file] of Object.entries({ tls_ca: files.ca, tls_cert: files.cert, tls_key: files.key })) {
    const value = fs.readFileSync(path.join(lab.managerTls!.dir, file), 'utf8');
    const stored = await plane.http.request<{ reference: string }>('POST', `/api/secrets/computes/cluster/${field}`, { value });
    assert.equal(stored.reference, `secret:computes/cluster/${field}`);
  }
  return plane;
}

test('a swarm compute whose manager is reached over mutual TLS', { timeout: 300_000 }, async (t) => {
  if (!(await docker.ready(t))) return;
  const lab = await startSwarmLab(t, { managerTls: true });
  if (!lab) return;
  const manager = new Docker({ socketPath: lab.managerSocket });

  await t.test('runs a job on a worker, through the TLS endpoint, to completion', async (t) => {
    const plane = await tlsPlane(t, lab, { ca: 'ca.pem', cert: 'cert.pem', key: 'key.pem' });
    const job = await plane.submit('job.yml');
    const events = await plane.events(job.name);
    const log = logText(events);
    assert.deepEqual(statuses(events), ['Queued', 'Preparing', 'Running', 'Finalizing', 'Completed'], log);
    assert.match(log, /ran behind a TLS manager/);
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
});
