import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { DEV_ACCOUNT, DEV_KEY, blobTexts, container, startAzurite } from '../support/azurite';
import { CLI, ok, runCli, stopDaemonAfter, type CliRun } from '../support/cli';
import { commandJob, workspace } from '../support/control-plane';
import { startDaemon } from '../../daemon/start-daemon';
import { recordWorkspace } from '../../core/engine/workspace-record';
import type { specTypes } from '../../core/language';

// The whole scenario through the built CLI, which starts the workspace's daemon in the background as a user's would.
before(() => assert.ok(fs.existsSync(CLI), 'run `npm run build` first (npm test does)'));

/** `mlw <args>` as the holder of `token` (the owner's token from serve.json when none). */
const mlw = (root: string, token: string | undefined, ...args: string[]): Promise<CliRun> => runCli(root, args, { MLW_TOKEN: token ?? '' });

function refused(run: CliRun, message: RegExp): void {
  assert.equal(run.code, 1, run.stdout);
  assert.match(run.stderr, message);
}

const WORKSPACE = '$schema: https://azuremlschemas.azureedge.net/latest/workspace.schema.json\nname: team-ws\nlocation: westeurope\ndescription: The team workspace\n';
const COMPUTE = '$schema: https://azuremlschemas.azureedge.net/latest/localCompute.schema.json\nname: cpu\ntype: local\nmax_instances: 2\n';
const DATA = '$schema: https://azuremlschemas.azureedge.net/latest/data.schema.json\nname: rows\nversion: 1\ntype: uri_folder\npath: ./local\ndatastore: azureml:team_blob\n';
const datastoreSpec = (endpoint: string) =>
  `$schema: https://azuremlschemas.azureedge.net/latest/azureBlob.schema.json\nname: team_blob\ntype: azure_blob\naccount_name: ${DEV_ACCOUNT}\ncontainer_name: team\nendpoint: ${endpoint}\ncredentials:\n  account_key: ${DEV_KEY}\n`;
const JOB = commandJob(
  'cat ${{inputs.rows}}/rows.csv > ${{outputs.out}}/copy.csv',
  'inputs:\n  rows:\n    type: uri_folder\n    path: azureml:rows:1\noutputs:\n  out:\n    type: uri_folder\n    path: azureml://datastores/team_blob/paths/results/\n',
).replace('compute: azureml:local', 'compute: azureml:cpu');

test('an administrator creates the workspace, a compute and a Blob datastore with its key in the secrets store; a data scientist runs a job on its data; roles hold', async (t) => {
  const azurite = await startAzurite(t);
  await container(azurite, 'team');
  const root = await workspace(t, {
    'workspace.yml': WORKSPACE,
    'compute.yml': COMPUTE,
    'blob.yml': datastoreSpec(azurite.endpoint),
    'local/rows.csv': 'a,b\n5,6\n',
    'data.yml': DATA,
    'job.yml': JOB,
  });

  // The administrator.
  const created = await mlw(root, undefined, 'workspace', 'create', '-f', 'workspace.yml');
  stopDaemonAfter(t, root);
  assert.match(ok(created), /^created workspace team-ws in /);
  assert.equal(ok(await mlw(root, undefined, 'compute', 'create', '-f', 'compute.yml')), 'created compute cpu\n');
  assert.equal(ok(await mlw(root, undefined, 'datastore', 'create', '-f', 'blob.yml')), 'created datastore team_blob\n');
  assert.match(ok(await mlw(root, undefined, 'data', 'create', '-f', 'data.yml')), /^created data rows:1\n +local uploaded to azureml:\/\/datastores\/team_blob\/paths\/LocalUpload\//);
  assert.deepEqual(Object.values(await blobTexts(azurite, 'team', 'LocalUpload/')), ['a,b\n5,6\n'], 'the data is in Blob storage');
  const scientist = ok(await mlw(root, undefined, 'token', 'create', '--role', 'data-scientist', '--name', 'alice')).trim();
  const reader = ok(await mlw(root, undefined, 'token', 'create', '--role', 'reader', '--name', 'rob')).trim();
  const shown = ok(await mlw(root, undefined, 'workspace', 'show'));
  assert.match(shown, /\n  team_blob \(azure_blob, devstoreaccount1\/team\)\n/);
  assert.match(shown, /\nsecrets store: \.mlw\/secrets\.(json|key)/, 'the key went to the secrets store');
  assert.ok(!fs.readFileSync(path.join(root, '.mlw/secrets.json'), 'utf8').includes(DEV_KEY), 'sealed');

  // The data scientist.
  const submitted = ok(await mlw(root, scientist, 'job', 'create', '-f', 'job.yml', '--stream'));
  const job = /^(\S+) +Queued/.exec(submitted)?.[1];
  assert.ok(job, submitted);
  assert.match(ok(await mlw(root, scientist, 'job', 'show', job)), /Completed/);
  assert.deepEqual(await blobTexts(azurite, 'team', 'results/'), { 'results/copy.csv': 'a,b\n5,6\n' }, 'the output is in Blob storage');
  refused(await mlw(root, scientist, 'compute', 'create', '-f', 'compute.yml'), /^mlw: data scientists cannot create compute; ask an administrator\n$/);
  refused(await mlw(root, scientist, 'datastore', 'create', '-f', 'blob.yml'), /^mlw: data scientists cannot create datastore; ask an administrator\n$/);

  // The reader.
  assert.match(ok(await mlw(root, reader, 'job', 'list')), new RegExp(`${job} .*Completed`));
  assert.match(ok(await mlw(root, reader, 'data', 'list')), /rows +1/);
  refused(await mlw(root, reader, 'job', 'create', '-f', 'job.yml'), /^mlw: readers cannot submit jobs; ask an administrator\n$/);
});

test('a storage_account mlw can reach makes workspaceblobstore and workspaceartifactstore Blob containers, the key in the secrets store, and job outputs go there; unreachable, they stay folders', async (t) => {
  const azurite = await startAzurite(t);
  const account = `storage_account: /subscriptions/0000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/${DEV_ACCOUNT}\n`;
  const reach = { MLW_AZURE_BLOB_ENDPOINT: `http://${azurite.endpoint}`, AZURE_STORAGE_KEY: DEV_KEY };
  const files = { 'workspace.yml': WORKSPACE + account, 'local/rows.csv': 'a,b\n5,6\n', 'data.yml': DATA.replace('datastore: azureml:team_blob\n', ''), 'job.yml': commandJob('cat ${{inputs.rows}}/rows.csv > ${{outputs.out}}/copy.csv', 'inputs:\n  rows:\n    type: uri_folder\n    path: azureml:rows:1\noutputs:\n  out:\n    type: uri_folder\n') };
  const root = await workspace(t, files);

  const created = await runCli(root, ['workspace', 'create', '-f', 'workspace.yml'], { ...reach, MLW_TOKEN: '' });
  stopDaemonAfter(t, root);
  const blobContainer = /\n  workspaceblobstore \(azure_blob, devstoreaccount1\/(azureml-blobstore-[0-9a-f-]{36})\)\n/.exec(ok(created))?.[1];
  assert.ok(blobContainer, created.stdout);
  assert.match(created.stdout, /\n  workspaceartifactstore \(azure_blob, devstoreaccount1\/azureml\)\n/);
  assert.match(created.stdout, new RegExp(`\\n  storage_account: /subscriptions/.*/${DEV_ACCOUNT}\\n    workspaceblobstore is the Blob container ${DEV_ACCOUNT}/${blobContainer} \\(uploads and job outputs\\); workspaceartifactstore is the Blob container ${DEV_ACCOUNT}/azureml \\(MLflow artifacts\\)\\n`));
  assert.ok(await azurite.service.getContainerClient(blobContainer).exists(), 'the container was created');
  assert.ok(await azurite.service.getContainerClient('azureml').exists(), "the artifact store's container was created");
  assert.match(ok(await mlw(root, undefined, 'datastore', 'show', 'workspaceartifactstore')), /secret:datastores\/workspaceartifactstore\/account_key/);
  const shownDatastore = ok(await mlw(root, undefined, 'datastore', 'show', 'workspaceblobstore'));
  assert.match(shownDatastore, /secret:datastores\/workspaceblobstore\/account_key/);
  assert.ok(!shownDatastore.includes(DEV_KEY), 'the key is only in the secrets store');
  const again = await mlw(root, undefined, 'workspace', 'create', '-f', 'workspace.yml');
  assert.match(ok(again), /^unchanged workspace team-ws/);
  assert.match(again.stdout, /\n  workspaceblobstore \(azure_blob, /, 'run again without the key, the workspace keeps its Blob datastore');
  assert.equal(again.stderr, '');

  assert.match(ok(await mlw(root, undefined, 'data', 'create', '-f', 'data.yml')), /uploaded to azureml:\/\/datastores\/workspaceblobstore\/paths\/LocalUpload\//);
  const submitted = ok(await mlw(root, undefined, 'job', 'create', '-f', 'job.yml', '--stream'));
  const job = /^(\S+) +Queued/.exec(submitted)?.[1];
  assert.ok(job, submitted);
  assert.deepEqual(await blobTexts(azurite, blobContainer, 'azureml/'), { [`azureml/${job}/out/copy.csv`]: 'a,b\n5,6\n' }, 'the default output went to the account');
  assert.deepEqual(fs.readdirSync(path.join(root, '.mlw/datastores/workspaceblobstore')), [], 'nothing was written to the local folder');

  // Without the key the account cannot be reached: the folder stays, and the note says why.
  const local = await workspace(t, files);
  const unreached = await runCli(local, ['workspace', 'create', '-f', 'workspace.yml'], { MLW_AZURE_BLOB_ENDPOINT: reach.MLW_AZURE_BLOB_ENDPOINT, AZURE_STORAGE_KEY: '', MLW_TOKEN: '' });
  stopDaemonAfter(t, local);
  assert.match(ok(unreached), /\n  workspaceblobstore \(local, \.mlw\/datastores\/workspaceblobstore\)\n/);
  assert.match(unreached.stdout, /\n    mlw uses this storage account for workspaceblobstore and workspaceartifactstore only when `mlw workspace create` gets its key in AZURE_STORAGE_KEY/);
  assert.match(unreached.stderr, /note: workspaceblobstore stays a folder under \.mlw\/datastores\/: AZURE_STORAGE_KEY is not set/);
  // Once the folder holds data, the workspace is not moved onto the account (its assets point into the folder).
  ok(await runCli(local, ['data', 'create', '-f', 'data.yml'], { MLW_TOKEN: '' }));
  refused(await runCli(local, ['workspace', 'create', '-f', 'workspace.yml'], { ...reach, MLW_TOKEN: '' }), /workspaceblobstore already holds data in \.mlw\/datastores\/workspaceblobstore\/ .*create this workspace in a new folder/);

  // An artifact folder already holding MLflow artifacts stays a folder (runs point into it); the blobstore moves.
  const tracked = await workspace(t, { ...files, '.mlw/datastores/workspaceartifactstore/0/run/artifacts/a.txt': 'logged' });
  const kept = await runCli(tracked, ['workspace', 'create', '-f', 'workspace.yml'], { ...reach, MLW_TOKEN: '' });
  stopDaemonAfter(t, tracked);
  assert.match(ok(kept), /\n  workspaceblobstore \(azure_blob, /);
  assert.match(kept.stdout, /\n  workspaceartifactstore \(local, \.mlw\/datastores\/workspaceartifactstore\)\n/);
  assert.match(kept.stdout, /; workspaceartifactstore stays a folder under \.mlw\/datastores\/ \(it held MLflow artifacts already\)/);
  assert.match(kept.stderr, /note: workspaceartifactstore stays a folder under \.mlw\/datastores\/: it already holds MLflow artifacts that runs point to/);
});

test('mlw workspace show against a remote control plane shows the remote workspace', async (t) => {
  const served = await workspace(t);
  recordWorkspace(served, { name: 'remote-ws', description: 'Served from elsewhere' } as specTypes.WorkspaceSpec, path.join(served, 'workspace.yml'));
  const daemon = await startDaemon({ root: served, version: 'test', tls: 'self-signed' });
  t.after(() => daemon.stop({ cancelJobs: true }));
  const elsewhere = await workspace(t);
  const remote = ['--remote', daemon.info.url!, '--fingerprint', daemon.info.tlsFingerprint!];
  const shown = ok(await runCli(elsewhere, [...remote, 'workspace', 'show'], { MLW_REMOTE_TOKEN: daemon.info.token, MLW_TOKEN: '' }));
  assert.match(shown, /^name: remote-ws\ndescription: Served from elsewhere\nspec: workspace\.yml /);
  assert.match(shown, new RegExp(`\\nfolder: ${served}\\n`));
  assert.match(shown, /\n  workspaceblobstore \(local, \.mlw\/datastores\/workspaceblobstore\)\n/);
  assert.ok(!fs.existsSync(path.join(elsewhere, '.mlw/serve.json')), 'no local daemon was started');
});
