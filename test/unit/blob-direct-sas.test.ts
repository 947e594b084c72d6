import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ContainerSASPermissions, generateBlobSASQueryParameters } from '@azure/storage-blob';
import { DEV_ACCOUNT, DEV_KEY, container, startAzurite } from '../support/azurite';
import { commandJob, findingLines, logText, refusal, startPlane, workspace } from '../support/control-plane';
import { waitFor } from '../support/docker';

const BLOB_SCHEMA = '$schema: https://azuremlschemas.azureedge.net/latest/azureBlob.schema.json';

/** Every process's command line, as `ps` shows them to every user. */
function commandLines(): string[] {
  return fs.readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).flatMap((pid) => {
    try {
      return [fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')];
    } catch {
      return [];
    }
  });
}

test("a direct input's SAS reaches the run in its environment, never on a command line", async (t) => {
  const azurite = await startAzurite(t);
  await container(azurite, 'private', { 'iris/train.csv': 'a,b\n1,2\n' });
  const command = 'echo $$ > ${{outputs.out}}/pid && echo ${{inputs.url}} > ${{outputs.out}}/url.txt && while [ ! -e ${{outputs.out}}/done ]; do sleep 0.05; done';
  const root = await workspace(t, {
    'ds.yml': `${BLOB_SCHEMA}\nname: private_blob\ntype: azure_blob\naccount_name: ${DEV_ACCOUNT}\ncontainer_name: private\nendpoint: ${azurite.endpoint}\ncredentials:\n  account_key: ${DEV_KEY}\n`,
    'job.yml': commandJob(command, 'inputs:\n  url:\n    type: uri_folder\n    path: azureml://datastores/private_blob/paths/iris/\n    mode: direct\noutputs:\n  out:\n    type: uri_folder\n'),
  });
  const plane = await startPlane(t, root);
  await plane.client.assets.register('datastore', { path: path.join(root, 'ds.yml') });
  const job = await plane.submit('job.yml');
  const outputs = path.join(root, '.mlw/datastores/workspaceblobstore/azureml', job.name, 'out');
  t.after(() => fs.mkdirSync(outputs, { recursive: true }) && fs.writeFileSync(path.join(outputs, 'done'), ''));
  const pid = await waitFor('the run to write its pid', () => fs.existsSync(path.join(outputs, 'url.txt')) && Number(fs.readFileSync(path.join(outputs, 'pid'), 'utf8')), 30_000);

  const url = `http://${azurite.endpoint}/${DEV_ACCOUNT}/private/iris/`;
  assert.equal(fs.readFileSync(path.join(outputs, 'url.txt'), 'utf8').trim(), url, '${{inputs.url}} is the URL without its SAS');
  const environment = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  const signed = environment.find((entry) => entry.startsWith('MLW_INPUT_url_URL='))?.slice('MLW_INPUT_url_URL='.length);
  assert.ok(signed && signed.startsWith(`${url}?`), `the signed URL is in the run's environment: ${signed}`);
  const signature = new URL(signed).searchParams.get('sig');
  assert.ok(signature, signed);
  assert.ok(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(url), 'the run is the process found');
  assert.deepEqual(commandLines().filter((line) => line.includes(signature) || line.includes(encodeURIComponent(signature))), [], 'no command line carries the signature');
  const blob = new URL(signed);
  blob.pathname += 'train.csv';
  assert.equal(await (await fetch(blob)).text(), 'a,b\n1,2\n', 'the signed URL reads the data');

  fs.writeFileSync(path.join(outputs, 'done'), '');
  const events = await plane.events(job.name);
  assert.equal(await plane.finalStatus(job.name), 'Completed', logText(events));
  assert.ok(!logText(events).includes(signature), 'the log does not show it either');
});

const WRITE_THROUGH_SAS = `import os, sys, urllib.request
signed = os.environ['MLW_OUTPUT_out_URL']
base, sas = signed.split('?', 1)
assert base == sys.argv[1], (base, sys.argv[1])
def put(url, data):
    urllib.request.urlopen(urllib.request.Request(url, data=data, method='PUT', headers={'x-ms-blob-type': 'BlockBlob'})).read()
put(base + 'model.txt?' + sas, b'weights')
put(base + 'meta/info.json?' + sas, b'{}')
put(os.environ['MLW_OUTPUT_one_URL'], b'a,b')
with open(os.path.join(sys.argv[2], 'signed.txt'), 'w') as proof:
    proof.write(signed)
with open(os.path.join(sys.argv[2], 'one.txt'), 'w') as proof:
    proof.write(os.environ['MLW_OUTPUT_one_URL'])
`;

test('a direct Blob output is written by the run through a write SAS in its environment; nothing is uploaded after it and the SAS is shown nowhere', async (t) => {
  const azurite = await startAzurite(t);
  await container(azurite, 'private');
  const root = await workspace(t, {
    'ds.yml': `${BLOB_SCHEMA}\nname: private_blob\ntype: azure_blob\naccount_name: ${DEV_ACCOUNT}\ncontainer_name: private\nendpoint: ${azurite.endpoint}\ncredentials:\n  account_key: ${DEV_KEY}\n`,
    'src/write.py': WRITE_THROUGH_SAS,
    'job.yml': commandJob(
      'python3 write.py ${{outputs.out}} ${{outputs.proof}} ${{outputs.one}}',
      'code: src\nlimits:\n  timeout: 600\noutputs:\n  out:\n    type: uri_folder\n    path: azureml://datastores/private_blob/paths/results/${{name}}/\n    mode: direct\n' +
        '  one:\n    type: uri_file\n    path: azureml://datastores/private_blob/paths/single/${{name}}.csv\n    mode: direct\n  proof:\n    type: uri_folder\n',
    ),
  });
  const plane = await startPlane(t, root);
  await plane.client.assets.register('datastore', { path: path.join(root, 'ds.yml') });
  const job = await plane.submit('job.yml');
  const events = await plane.events(job.name);
  assert.equal(await plane.finalStatus(job.name), 'Completed', logText(events));

  const ownClient = azurite.service.getContainerClient('private');
  const written: Record<string, string> = {};
  for await (const blob of ownClient.listBlobsFlat()) written[blob.name] = (await ownClient.getBlobClient(blob.name).downloadToBuffer()).toString();
  assert.deepEqual(written, { [`results/${job.name}/meta/info.json`]: '{}', [`results/${job.name}/model.txt`]: 'weights', [`single/${job.name}.csv`]: 'a,b' }, 'what the run wrote, read back with the SDK');
  assert.ok(!fs.existsSync(path.join(root, '.mlw/runs', job.name, 'outputs/out')), 'nothing staged locally for the direct output');

  const signed = fs.readFileSync(path.join(root, '.mlw/datastores/workspaceblobstore/azureml', job.name, 'proof/signed.txt'), 'utf8');
  const sas = new URL(signed).searchParams;
  const signature = sas.get('sig');
  assert.ok(signature, signed);
  assert.equal(sas.get('sp'), 'acwl', 'create, write, add and list; never read or delete');
  const expiresInMinutes = (Date.parse(sas.get('se')!) - Date.now()) / 60_000;
  assert.ok(expiresInMinutes > 5 && expiresInMinutes <= 10, `valid for the job's limits.timeout (600 s): ${sas.get('se')}`);
  const deletion = await fetch(signed.replace('?', 'model.txt?'), { method: 'DELETE' });
  assert.equal(deletion.status, 403, 'the SAS cannot delete');
  const oneSigned = fs.readFileSync(path.join(root, '.mlw/datastores/workspaceblobstore/azureml', job.name, 'proof/one.txt'), 'utf8');
  assert.equal(new URL(oneSigned).searchParams.get('sr'), 'b', "a uri_file output's SAS is for its blob only");
  const sibling = await fetch(oneSigned.replace(`${job.name}.csv?`, 'other.csv?'), { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: 'x' });
  assert.equal(sibling.status, 403, 'it cannot write another blob');

  const detail = await plane.client.jobs.get(job.name);
  assert.deepEqual(
    detail.outputs.filter((o) => o.name !== 'proof').map((o) => [o.name, o.mode, o.uri]),
    [['one', 'direct', `azureml://datastores/private_blob/paths/single/${job.name}.csv`], ['out', 'direct', `azureml://datastores/private_blob/paths/results/${job.name}/`]],
  );
  const answers = [JSON.stringify(detail), JSON.stringify(await plane.client.jobs.list()), JSON.stringify(events), (await plane.client.jobs.log(job.name)).toString()];
  for (const answer of answers) assert.ok(!answer.includes(signature) && !answer.includes(encodeURIComponent(signature)), `no answer or log shows the SAS: ${answer.slice(0, 200)}`);
  const systemLog = fs.readFileSync(path.join(root, '.mlw/runs', job.name, 'system_logs/lifecycle.txt'), 'utf8');
  assert.ok(!systemLog.includes(signature) && !systemLog.includes(encodeURIComponent(signature)), systemLog);
});

test('a direct Blob output on a datastore whose SAS cannot write is refused on submit, at the output', async (t) => {
  const azurite = await startAzurite(t);
  await container(azurite, 'private');
  const readOnly = generateBlobSASQueryParameters(
    { containerName: 'private', permissions: ContainerSASPermissions.parse('rl'), expiresOn: new Date(Date.now() + 3_600_000) },
    azurite.credential,
  ).toString();
  const root = await workspace(t, {
    'ds.yml': `${BLOB_SCHEMA}\nname: readonly_blob\ntype: azure_blob\naccount_name: ${DEV_ACCOUNT}\ncontainer_name: private\nendpoint: ${azurite.endpoint}\ncredentials:\n  sas_token: "${readOnly}"\n`,
    'job.yml': commandJob('echo ${{outputs.out}}', 'outputs:\n  out:\n    type: uri_folder\n    path: azureml://datastores/readonly_blob/paths/results/\n    mode: direct\n'),
  });
  const plane = await startPlane(t, root);
  await plane.client.assets.register('datastore', { path: path.join(root, 'ds.yml') });
  const refused = await refusal(plane.submit('job.yml'));
  const lines = findingLines(refused);
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(lines[0]!, /^job\.yml:\d+:\d+ error .*outputs\.out: datastore "readonly_blob": a direct output needs a URL the run can write through, and its sas_token does not allow writing/);
  assert.deepEqual(await plane.client.jobs.list(), [], 'nothing was recorded');
});
