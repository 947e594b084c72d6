import assert from 'node:assert/strict';
import { test } from 'node:test';
import { routes } from '../../core/api/routes';
import type { JobEvent } from '../../core/vocabulary';
import { commandJob, startPlane, workspace } from '../support/control-plane';

test('routes encode every name once, keep an output file\'s slashes and leave out empty query values', () => {
  assert.equal(routes.job('a b/c'), '/api/jobs/a%20b%2Fc');
  assert.equal(routes.jobOutputFile('j', 'out put', 'dir/x y.txt'), '/api/jobs/j/outputs/out%20put/files/dir/x%20y.txt');
  assert.equal(routes.asset('data', 'd&x', '1.0'), '/api/assets/data/d%26x?version=1.0');
  assert.equal(routes.asset('data', 'd', ''), '/api/assets/data/d');
  assert.equal(routes.assets({ kind: 'model', name: 'm', archived: false }), '/api/assets?kind=model&name=m');
  assert.equal(routes.assets({ kind: 'model', archived: true }), '/api/assets?kind=model&archived=true');
  assert.equal(routes.jobs({ parent: 'p&q' }), '/api/jobs?parent=p%26q');
  assert.equal(routes.jobEvents('p', { children: true }), '/api/jobs/p/events?children=true');
  assert.equal(routes.jobEvents('p'), '/api/jobs/p/events');
  assert.equal(routes.trackingMetricHistory('r', 'a b', { maxResults: 5 }), '/api/2.0/mlflow/metrics/get-history?run_id=r&metric_key=a+b&max_results=5');
});

test('a job\'s child jobs: listed by parent, and their events on the job\'s stream with children until the job itself ends', async (t) => {
  const root = await workspace(t, { 'long.yml': commandJob('python3 -c "import time; time.sleep(120)"'), 'other.yml': commandJob('echo other') });
  const plane = await startPlane(t, root);
  const parent = await plane.submit('long.yml');
  const other = await plane.submit('other.yml');
  assert.deepEqual((await plane.client.jobs.list()).map((j) => j.name).sort(), [parent.name, other.name].sort());
  assert.deepEqual(await plane.client.jobs.list({ parent: parent.name }), [], 'the store records no parents yet: no children');

  // What the engine publishes for a step: its status events name the parent.
  const events = plane.daemon.plane.events;
  const step = `${parent.name}-prep`;
  events.append(step, { type: 'status', status: 'Running', parent: parent.name });
  events.append(step, { type: 'log', text: 'replayed\n' });
  events.append('unrelated', { type: 'status', status: 'Running' });

  const received: JobEvent[] = [];
  let opened!: () => void;
  const open = new Promise<void>((resolve) => (opened = resolve));
  const following = plane.client.jobs.events(parent.name, (event) => received.push(event), { children: true, onOpen: () => opened() });
  await open;
  events.append(step, { type: 'log', text: 'live\n' });
  events.append(step, { type: 'status', status: 'Completed', parent: parent.name });
  events.append('unrelated', { type: 'log', text: 'not ours\n' });
  await plane.client.jobs.cancel(parent.name);
  await following;

  const ofStep = received.filter((e) => e.job === step).map((e) => (e.type === 'status' ? e.status : e.type === 'log' ? e.text : e.type));
  assert.deepEqual(ofStep, ['Running', 'replayed\n', 'live\n', 'Completed'], 'the step\'s end does not end the stream');
  assert.ok(!received.some((e) => e.job === 'unrelated' || e.job === other.name), 'only the job and its children');
  const last = received.at(-1)!;
  assert.ok(last.job === parent.name && last.type === 'status' && last.status === 'Canceled', JSON.stringify(last));
  assert.deepEqual(received.map((e) => e.seq), [...received.map((e) => e.seq)].sort((a, b) => a - b), 'in order, once each');

  const withoutChildren = await plane.events(parent.name);
  assert.ok(withoutChildren.every((e) => e.job === parent.name), 'without children: the job\'s own events, as before');
});
