import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HostProcessDriver } from '../../core/compute/host';
import { DockerDriver } from '../../core/compute/docker';
import { SwarmDriver } from '../../core/compute/swarm/driver';
import { refuseDistributedWithoutInstances } from '../../core/engine/distribution';
import { SpecRejected } from '../../core/errors';

const TWO_RANKS = { distributed: { instance_count: 2, distribution: { type: 'pytorch' as const } } };

test('a distributed job runs only where the driver runs instances: the local Docker engine, a remote engine and a Swarm', () => {
  const docker = new DockerDriver({});
  assert.equal(docker.runsInstances, true);
  refuseDistributedWithoutInstances(TWO_RANKS, { name: 'cluster', type: 'amlcompute', capacity: 4, driver: docker });
  // A remote engine's driver is this one with the run folders copied in (each instance its own copy).
  const copying = new DockerDriver({ mountCopier: { copyIn: async () => undefined, copyOut: async () => undefined } });
  assert.equal(copying.runsInstances, true);
  refuseDistributedWithoutInstances(TWO_RANKS, { name: 'far', type: 'remote', capacity: 2, driver: copying });
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

test('a distributed job is refused on the host, naming why', () => {
  assert.throws(
    () => refuseDistributedWithoutInstances(TWO_RANKS, { name: 'local', type: 'local', capacity: 2, driver: new HostProcessDriver() }),
    (error: unknown) => error instanceof SpecRejected && /resources\.instance_count: 2: compute local runs the command as one process on this machine; run distributed jobs on a Docker compute \(type amlcompute or docker\), a remote engine \(type remote\) or a Swarm/.test(error.message),
  );
});
