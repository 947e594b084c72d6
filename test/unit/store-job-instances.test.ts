import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { Store } from '../../core/store/database';
import { JobRepository } from '../../core/store/jobs';
import { databaseBefore } from '../support/store';
import { tempDir } from '../support/temp';

const distributed = (instances: number) => ({ command: 'train', spec_dir: '/w', distributed: { instance_count: instances, distribution: { type: 'pytorch' } } });

test('opening a database written before jobs recorded their instances counts them from the stored plans', async (t) => {
  const file = path.join(await tempDir(t, 'mlw-store-'), 'mlw.db');
  const old = databaseBefore(file, 'ADD COLUMN instances');
  const rows: [string, string, string, unknown][] = [
    ['single', 'command', 'Queued', { command: 'echo', spec_dir: '/w' }],
    ['trio', 'command', 'Queued', distributed(3)],
    ['pair', 'command', 'Completed', distributed(2)],
    ['pipeline', 'pipeline', 'Running', { graph: { steps: [] } }],
    ['step', 'command', 'NotStarted', {}],
  ];
  rows.forEach(([name, type, status, spec], seq) => {
    old.run("INSERT INTO jobs (name, seq, type, experiment, status, compute, spec, spec_path, run_dir, created_at) VALUES (?, ?, ?, 'e', ?, 'trio', ?, '/w/job.yml', '/w/run', 0)", [name, seq + 1, type, status, JSON.stringify(spec)]);
  });
  old.close();

  const store = Store.open(file, { exclusive: true });
  t.after(() => store.close());
  const jobs = new JobRepository(store);
  assert.deepEqual(Object.fromEntries(rows.map(([name]) => [name, jobs.get(name)!.instances])), { single: 1, trio: 3, pair: 2, pipeline: 1, step: 1 });
  // Queued before the last job: single and trio (pair has ended).
  assert.equal(jobs.queuedInstances('trio', Number.MAX_SAFE_INTEGER), 4);
  assert.equal(jobs.queuedInstances('trio', jobs.get('trio')!.seq), 1);
  assert.equal(jobs.queuedInstances('other', Number.MAX_SAFE_INTEGER), 0);
});

test('a job\'s instances follow every plan written for it', async (t) => {
  const store = Store.open(path.join(await tempDir(t, 'mlw-store-'), 'mlw.db'), { exclusive: true });
  t.after(() => store.close());
  const jobs = new JobRepository(store);
  const job = (name: string, spec: Record<string, unknown>) => jobs.insert({ name, type: 'command', experiment: 'e', compute: 'c', spec, specPath: '/w/job.yml', runDir: `/w/${name}` }, 'NotStarted');
  assert.equal(job('quartet', distributed(4)).instances, 4);
  assert.equal(job('step', {}).instances, 1);
  jobs.patch('step', { spec: JSON.stringify(distributed(2)) });
  assert.equal(jobs.get('step')!.instances, 2);
  jobs.patch('step', { spec: JSON.stringify({ params: { lr: 0.1 } }) });
  assert.equal(jobs.get('step')!.instances, 1);
});
