import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DEV_ACCOUNT, DEV_KEY, container, startAzurite } from '../support/azurite';
import { commandJob, logText, startPlane, workspace } from '../support/control-plane';
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
