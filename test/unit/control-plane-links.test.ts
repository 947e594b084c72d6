import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { commandJob, logText, type Plane, refusal, startPlane, statuses, workspace } from '../support/control-plane';
import { mlflowCall } from '../support/mlflow';
import { tempDir, writeTree } from '../support/temp';

function outputFile(plane: Plane, job: string, output: string, file: string): Promise<Buffer> {
  return plane.client.jobs.outputFile(job, output, file);
}

async function assertForbidden(plane: Plane, job: string, output: string, file: string): Promise<void> {
  const error = await refusal(outputFile(plane, job, output, file));
  assert.equal(error.status, 403, `${file}: ${error.message}`);
  assert.match(error.message, /symbolic link/, file);
}

test('output files: links leading outside the output are refused, links inside are served; a download input of it skips them', async (t) => {
  const outside = await tempDir(t);
  await writeTree(outside, { 'secret.txt': 'secret\n' });
  const links = [
    'mkdir -p ${{outputs.out}}/data && echo real > ${{outputs.out}}/data/real.txt',
    `ln -s ${outside}/secret.txt \${{outputs.out}}/secret-link`,
    `ln -s ${outside} \${{outputs.out}}/dir-link`,
    'ln -s dir-link ${{outputs.out}}/hop2 && ln -s hop2 ${{outputs.out}}/hop',
    'ln -s data/real.txt ${{outputs.out}}/inside-link',
    'ln -s / ${{outputs.wild}}/root',
  ].join(' && ');
  const root = await workspace(t, { 'writer.yml': commandJob(links, 'outputs:\n  out:\n    type: uri_folder\n  wild:\n    type: uri_folder\n') });
  const plane = await startPlane(t, root);
  const writer = await plane.submit('writer.yml');
  assert.equal(await plane.finalStatus(writer.name), 'Completed');

  for (const file of ['secret-link', 'dir-link/secret.txt', 'hop/secret.txt']) await assertForbidden(plane, writer.name, 'out', file);
  for (const file of [`root${outside}/secret.txt`, `root${root}/.mlw/serve.json`, 'root/etc/passwd']) await assertForbidden(plane, writer.name, 'wild', file);
  assert.equal((await outputFile(plane, writer.name, 'out', 'inside-link')).toString(), 'real\n');
  assert.equal((await outputFile(plane, writer.name, 'out', 'data/real.txt')).toString(), 'real\n');
  const detail = await plane.client.jobs.get(writer.name);
  assert.deepEqual(detail.outputs.find((o) => o.name === 'out')?.files, ['data/real.txt']);
  assert.deepEqual(detail.outputs.find((o) => o.name === 'wild')?.files, []);

  await writeTree(root, {
    'reader.yml': commandJob('ls ${{inputs.data}}', `inputs:\n  data:\n    type: uri_folder\n    path: azureml://jobs/${writer.name}/outputs/out\n    mode: download\n`),
  });
  const reader = await plane.submit('reader.yml');
  const events = await plane.events(reader.name);
  assert.deepEqual(statuses(events).slice(-1), ['Completed'], logText(events));
  const staged = path.join(root, '.mlw/runs', reader.name, 'inputs/data');
  assert.deepEqual(fs.readdirSync(staged).sort(), ['data', 'inside-link']);
  const systemLog = fs.readFileSync(path.join(root, '.mlw/runs', reader.name, 'system_logs/lifecycle.txt'), 'utf8');
  for (const name of ['secret-link', 'dir-link', 'hop', 'hop2']) assert.match(systemLog, new RegExp(`input data: skipped ${name}: a symbolic link`), systemLog);
});

test('a job that replaces its output folder by a link to a folder outside: job show lists nothing and nothing outside is served', async (t) => {
  const outside = await tempDir(t);
  await writeTree(outside, { 'secret.txt': 'secret\n' });
  const root = await workspace(t, { 'job.yml': commandJob(`rmdir \${{outputs.out}} && ln -s ${outside} \${{outputs.out}}`, 'outputs:\n  out:\n    type: uri_folder\n') });
  const plane = await startPlane(t, root);
  const job = await plane.submit('job.yml');
  assert.equal(await plane.finalStatus(job.name), 'Completed');
  const detail = await plane.client.jobs.get(job.name);
  assert.deepEqual(detail.outputs[0]?.files, []);
  await assertForbidden(plane, job.name, 'out', 'secret.txt');
});

/** A run whose artifact folder holds a file, links leading outside (file, folder, `/`, a chain) and one inside. */
async function runWithLinks(t: TestContext) {
  const outside = await tempDir(t);
  await writeTree(outside, { 'secret.txt': 'secret\n', 'model/MLmodel': 'outside model\n' });
  const root = await workspace(t);
  const plane = await startPlane(t, root);
  const { port, token } = plane.daemon.info;
  const call = (method: string, route: string, params: Record<string, unknown> = {}) => mlflowCall(port, token, method, route, params);
  const runId: string = (await call('POST', 'runs/create', { experiment_id: '0' })).body.run.info.run_id;
  const prefix = `/api/2.0/mlflow-artifacts/artifacts/0/${runId}/artifacts`;
  // The body mlflowCall sends, `{}`, is the artifact's content.
  assert.equal((await call('PUT', `${prefix}/model/MLmodel`)).status, 200);
  // What a job writing into the artifact datastore (an output with a workspaceartifactstore path) could leave there.
  const folder = path.join(root, '.mlw/datastores/workspaceartifactstore/0', runId, 'artifacts');
  fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(folder, 'secret-link'));
  fs.symlinkSync(outside, path.join(folder, 'dir-link'));
  fs.symlinkSync('/', path.join(folder, 'root'));
  fs.symlinkSync('dir-link', path.join(folder, 'hop2'));
  fs.symlinkSync('hop2', path.join(folder, 'hop'));
  fs.symlinkSync('model/MLmodel', path.join(folder, 'inside-link'));
  return { root, outside, runId, prefix, call };
}

test('tracking artifacts: links leading outside the store are refused when served, links inside are served', async (t) => {
  const { root, runId, prefix, call } = await runWithLinks(t);
  for (const file of ['secret-link', 'dir-link/secret.txt', 'root/etc/passwd', `root${root}/.mlw/serve.json`, 'hop/secret.txt']) {
    const proxied = await call('GET', `${prefix}/${file}`);
    assert.equal(proxied.status, 403, `${file}: ${proxied.text}`);
    assert.match(proxied.body.message, /symbolic link/);
    assert.equal((await call('GET', 'get-artifact', { run_id: runId, path: file })).status, 403, file);
  }
  const inside = await call('GET', `${prefix}/inside-link`);
  assert.equal(inside.status, 200);
  assert.equal(inside.text, '{}');
});

test('tracking artifacts: listings leave out links leading outside the store and refuse to list through one', async (t) => {
  const { runId, call } = await runWithLinks(t);
  const expected = [{ path: 'inside-link', is_dir: false, file_size: 2 }, { path: 'model', is_dir: true }];
  assert.deepEqual((await call('GET', '/api/2.0/mlflow-artifacts/artifacts', { path: `0/${runId}/artifacts` })).body.files, expected);
  assert.deepEqual((await call('GET', 'artifacts/list', { run_id: runId })).body.files, expected);
  assert.equal((await call('GET', 'artifacts/list', { run_id: runId, path: 'dir-link' })).status, 403);
  assert.equal((await call('GET', '/api/2.0/mlflow-artifacts/artifacts', { path: `0/${runId}/artifacts/root/etc` })).status, 403);
});

test('tracking artifacts: writes and deletes through a link leading outside the store are refused', async (t) => {
  const { outside, prefix, call } = await runWithLinks(t);
  assert.equal((await call('PUT', `${prefix}/dir-link/planted.txt`)).status, 403);
  assert.equal((await call('DELETE', `${prefix}/dir-link/secret.txt`)).status, 403);
  assert.deepEqual(fs.readdirSync(outside).sort(), ['model', 'secret.txt']);
});

test('a model version whose artifact folder is a link leading outside the store is not registered', async (t) => {
  const { runId, call } = await runWithLinks(t);
  assert.equal((await call('POST', 'registered-models/create', { name: 'm' })).status, 200);
  const escaping = await call('POST', 'model-versions/create', { name: 'm', source: `runs:/${runId}/dir-link/model`, run_id: runId });
  assert.equal(escaping.status, 403, escaping.text);
  assert.match(escaping.body.message, /symbolic link/);
  assert.equal((await call('POST', 'model-versions/create', { name: 'm', source: `runs:/${runId}/model`, run_id: runId })).status, 200);
});
