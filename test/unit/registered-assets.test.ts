import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { before, test } from 'node:test';
import type { Diagnostic } from 'vscode-languageserver';
import { pathToUri } from '../../server/service/uri';
import { startPlane, workspace } from '../support/control-plane';
import { LspTestClient } from '../support/lsp-connection';

// The built CLI (`npm test` builds first), real daemons on loopback, the real language server in-process.
const CLI = path.join(__dirname, '../../out/cli.js');
const execFileAsync = promisify(execFile);

const SCORING_JOB = [
  '$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json',
  'type: command',
  'experiment_name: scoring',
  'command: cat ${{inputs.model}}/MLmodel',
  'environment:',
  '  image: localtest/python:3-bookworm',
  'compute: azureml:local',
  'inputs:',
  '  model:',
  '    type: mlflow_model',
  '    path: azureml:iris-model:1',
  '',
].join('\n');

const UNKNOWN_MODEL = /model `iris-model` is not defined in this workspace/;

before(() => assert.ok(fs.existsSync(CLI), 'run `npm run build` first (npm test does)'));

async function validate(root: string): Promise<{ code: number; stdout: string; ms: number }> {
  const started = Date.now();
  try {
    const { stdout } = await execFileAsync(process.execPath, [CLI, 'validate', root], { encoding: 'utf8', cwd: root });
    return { code: 0, stdout, ms: Date.now() - started };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', ms: Date.now() - started };
  }
}

/** Registers `iris-model` version 1 the way the MLflow client does (`mlflow.register_model`). */
async function registerThroughMlflow(plane: Awaited<ReturnType<typeof startPlane>>): Promise<void> {
  await plane.http.request('POST', '/api/2.0/mlflow/registered-models/create', { name: 'iris-model' });
  await plane.http.request('POST', '/api/2.0/mlflow/model-versions/create', { name: 'iris-model', source: 'mlflow-artifacts:/1/run/artifacts/model' });
}

test('mlw validate knows the models the running control plane registered, and never starts one', async (t) => {
  const root = await workspace(t, { 'job.yml': SCORING_JOB });
  const offline = await validate(root);
  assert.match(offline.stdout, UNKNOWN_MODEL, 'no daemon: a warning, as before');
  assert.equal(fs.existsSync(path.join(root, '.mlw/serve.json')), false, 'validate started no daemon');
  const plane = await startPlane(t, root);
  await registerThroughMlflow(plane);
  const online = await validate(root);
  assert.equal(online.code, 0);
  // Only the information that the `local` compute does not use the image remains.
  assert.equal(online.stdout.replace(/^.* information not-run-locally .*\n/m, ''), '1 file, 0 errors, 0 warnings\n');
});

test('mlw validate does not wait for a control plane that does not answer', async (t) => {
  const root = await workspace(t, { 'job.yml': SCORING_JOB });
  // Accepts connections and never answers, as a hung daemon would.
  const sockets = new Set<net.Socket>();
  const silent = net.createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => (sockets.forEach((s) => s.destroy()), silent.close(() => resolve()))));
  const port = (silent.address() as net.AddressInfo).port;
  fs.writeFileSync(path.join(root, '.mlw/serve.json'), JSON.stringify({ pid: 1, port, token: 'x', version: 'test', startedAt: new Date().toISOString() }));
  const result = await validate(root);
  assert.match(result.stdout, UNKNOWN_MODEL);
  assert.equal(result.code, 0);
  assert.ok(result.ms < 5000, `validate took ${result.ms} ms`);
});

test("the language server republishes an open document's diagnostics when the model it references gets registered", { timeout: 30_000 }, async (t) => {
  const root = await workspace(t, { 'job.yml': SCORING_JOB });
  const plane = await startPlane(t, root);
  const client = await LspTestClient.start({ root, initializationOptions: { workspaceTrusted: true } });
  t.after(() => client.dispose());
  const uri = pathToUri(path.join(root, 'job.yml'));
  const messages = (diagnostics: Diagnostic[]) => diagnostics.map((d) => d.message).join('\n');
  assert.match(messages(await client.open(uri, SCORING_JOB)), UNKNOWN_MODEL);
  const cleared = (async () => {
    for (;;) {
      const diagnostics = await client.nextDiagnostics(uri);
      if (!UNKNOWN_MODEL.test(messages(diagnostics))) return diagnostics;
    }
  })();
  await registerThroughMlflow(plane);
  assert.deepEqual((await cleared).filter((d) => d.severity !== 3), [], 'no error or warning left (the information about `local` stays)');
});
