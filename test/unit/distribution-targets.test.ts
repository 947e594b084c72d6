import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HostProcessDriver } from '../../core/compute/host';
import { DockerDriver } from '../../core/compute/docker';
import { SwarmDriver } from '../../core/compute/swarm/driver';
import { refuseDistributedWithoutInstances } from '../../core/engine/distribution';
import { SpecRejected } from '../../core/errors';

const TWO_RANKS = { distributed: { instance_count: 2, distribution: { type: 'pytorch' as const } } };

test('a distributed job runs only where the driver runs instances: the local Docker engine and a Swarm', () => {
  const docker = new DockerDriver({});
  assert.equal(docker.runsInstances, true);
  refuseDistributedWithoutInstances(TWO_RANKS, { name: 'cluster', type: 'amlcompute', capacity: 4, driver: docker });
  const swarm = new SwarmDriver({ manager: { socketPath: '/nonexistent/mlw-manager.sock' } });
  assert.equal(swarm.runsInstances, true);
  refuseDistributedWithoutInstances(TWO_RANKS, { name: 'nodes', type: 'swarm', capacity: 2, driver: swarm });
});

test('a job with more instances than its compute has is refused: its instances start together, so it would never start', () => {
  assert.throws(
    () => refuseDistributedWithoutInstances(TWO_RANKS, { name: 'small', type: 'amlcompute', capacity: 1, driver: new DockerDriver({}) }),
    (error: unknown) => error instanceof SpecRejected && error.message === "resources.instance_count: 2: compute small has 1 instance (max_instances); a job's instances start together, so it would never start",
  );
});

test('a distributed job is refused on the host and on a driver that runs one container per job, naming why', () => {
  assert.throws(() => refuseDistributedWithoutInstances(TWO_RANKS, { name: 'local', type: 'local', capacity: 2, driver: new HostProcessDriver() }), (error: unknown) => error instanceof SpecRejected && /resources\.instance_count: 2: compute local runs the command as one process/.test(error.message));
  const copying = new DockerDriver({ mountCopier: { copyIn: async () => undefined, copyOut: async () => undefined } });
  assert.equal(copying.runsInstances, false, 'a driver that copies the run folders in (a remote engine) does not run instances');
  assert.throws(() => refuseDistributedWithoutInstances(TWO_RANKS, { name: 'far', type: 'remote', capacity: 1, driver: copying }), /compute far runs one container per job \(type remote\); run distributed jobs on a Docker compute/);
  refuseDistributedWithoutInstances({}, { name: 'far', type: 'remote', capacity: 1, driver: copying });
});
