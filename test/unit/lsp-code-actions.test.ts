import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpecDocument } from '../../core/language';
import { MOVE_SECRET_COMMAND, type MoveSecretArguments } from '../../client/protocol';
import { MlwLanguageService } from '../../server/service/language-service';
import { openWithCaret, SCHEMA } from '../support/lsp-service';

/** Opens `text`, takes the diagnostics of `rule`, and applies the code action titled `title`; returns the new text. */
async function fix(text: string, rule: string, title: RegExp): Promise<string> {
  const { service, uri } = await openWithCaret(text);
  const diagnostics = service.diagnostics(uri).filter((d) => d.code === rule);
  assert.ok(diagnostics.length > 0, `no ${rule} diagnostic`);
  const actions = service.codeActions(uri, diagnostics[0]!.range, diagnostics);
  const action = actions.find((a) => title.test(a.title));
  assert.ok(action, `no action ${title} in ${actions.map((a) => a.title).join(', ')}`);
  const result = MlwLanguageService.applyEdits(SpecDocument.parse('/x.yml', text), action.edit!.changes![uri]!);
  // the fix must remove the diagnostic it was offered for
  const after = await openWithCaret(result);
  assert.ok(!after.service.diagnostics(after.uri).some((d) => d.code === rule && JSON.stringify(d.range) === JSON.stringify(diagnostics[0]!.range)), `${rule} still reported after the fix:\n${result}`);
  return result;
}

const JOB = `$schema: ${SCHEMA}commandJob.schema.json\ntype: command\nexperiment_name: e\n`;

describe('code actions', () => {
  it('replaces a misspelled key with the closest one', async () => {
    assert.equal(await fix(`${JOB}comand: echo\nenvironment: azureml:sklearn-env:1\n`, 'unknown-property', /Change to `command`/), `${JOB}command: echo\nenvironment: azureml:sklearn-env:1\n`);
  });

  it('replaces a misspelled reference with the closest asset', async () => {
    assert.equal(await fix(`${JOB}command: echo\nenvironment: azureml:sklearn-enx:1\n`, 'unknown-reference', /sklearn-env/), `${JOB}command: echo\nenvironment: azureml:sklearn-env:1\n`);
  });

  it('pins a reference without a version, and @latest in a job, to the newest version', async () => {
    assert.equal(await fix(`${JOB}command: echo\nenvironment: azureml:pytorch-env\n`, 'missing-version', /Pin to version 2/), `${JOB}command: echo\nenvironment: azureml:pytorch-env:2\n`);
    assert.equal(await fix(`${JOB}command: echo\nenvironment: azureml:pytorch-env@latest\n`, 'environment-latest-label', /Change to/), `${JOB}command: echo\nenvironment: azureml:pytorch-env:2\n`);
  });

  it('declares a missing input, or renames the binding to a declared one', async () => {
    const text = `${JOB}environment: azureml:sklearn-env:1\ninputs:\n  lr: 0.1\ncommand: python t.py \${{inputs.epochs}}\n`;
    assert.equal(await fix(text, 'undeclared-input', /Declare input `epochs`/), text.replace('  lr: 0.1\n', '  lr: 0.1\n  epochs:\n    type: string\n'));
    const typo = `${JOB}environment: azureml:sklearn-env:1\ninputs:\n  learning_rate: 0.1\ncommand: python t.py \${{inputs.learning_rat}}\n`;
    assert.equal(await fix(typo, 'undeclared-input', /Change to/), typo.replace('learning_rat}}', 'learning_rate}}'));
  });

  it('adds a missing required property and a missing experiment name', async () => {
    assert.equal(await fix(`${JOB}environment: azureml:sklearn-env:1\n`, 'missing-property', /Add `command`/), `${JOB}environment: azureml:sklearn-env:1\ncommand: \n`.replace('command: \n', 'command: \n'));
    const noExperiment = `$schema: ${SCHEMA}commandJob.schema.json\ntype: command\ncommand: echo\nenvironment: azureml:sklearn-env:1\n`;
    assert.match(await fix(noExperiment, 'missing-experiment-name', /experiment_name/), /\nexperiment_name: lsp\n/);
  });

  it('fixes a misspelled step port in a binding', async () => {
    const text = `$schema: ${SCHEMA}pipelineJob.schema.json\ntype: pipeline\nexperiment_name: e\njobs:\n  a:\n    command: echo \${{outputs.model}}\n    environment: azureml:sklearn-env:1\n    outputs:\n      model: {type: uri_folder}\n  b:\n    command: echo \${{inputs.m}}\n    environment: azureml:sklearn-env:1\n    inputs:\n      m: \${{parent.jobs.a.outputs.modle}}\n`;
    assert.equal(await fix(text, 'unknown-step-port', /Change to `model`/), text.replace('outputs.modle', 'outputs.model'));
  });

  it('adds $schema to a spec recognised by its type', async () => {
    const text = 'type: command\nexperiment_name: e\ncommand: echo\nenvironment: azureml:sklearn-env:1\n';
    const { service, uri } = await openWithCaret(text);
    const action = service.codeActions(uri, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, []).find((a) => a.title.startsWith('Add `$schema`'));
    assert.equal(MlwLanguageService.applyEdits(SpecDocument.parse('/x.yml', text), action!.edit!.changes![uri]!), `$schema: ${SCHEMA}commandJob.schema.json\n${text}`);
  });

  it('moves a datastore credential written in clear into the secrets store through a client command', async () => {
    const text = `$schema: ${SCHEMA}azureBlob.schema.json\nname: archive\ntype: azure_blob\naccount_name: acct\ncontainer_name: c\ncredentials:\n  account_key: "k3y/with+quotes=="\n`;
    const { service, uri } = await openWithCaret(text);
    const diagnostics = service.diagnostics(uri).filter((d) => d.code === 'secret-in-spec');
    assert.equal(diagnostics.length, 1);
    assert.match(String(diagnostics[0]!.message), /secret:datastores\/archive\/account_key/);
    const action = service.codeActions(uri, diagnostics[0]!.range, diagnostics).find((a) => a.command?.command === MOVE_SECRET_COMMAND);
    assert.ok(action, 'no move-to-store action');
    assert.equal(action.edit, undefined, 'the file changes only once the daemon stored the secret');
    const args = action.command!.arguments![0] as MoveSecretArguments;
    assert.deepEqual({ ...args, range: undefined }, { uri, range: undefined, written: '"k3y/with+quotes=="', value: 'k3y/with+quotes==', datastore: 'archive', key: 'account_key' });
    assert.deepEqual(args.range, diagnostics[0]!.range);
    // What the command leaves in the file draws no warning.
    const moved = `${text.slice(0, text.indexOf('"k3y'))}secret:datastores/archive/account_key\n`;
    const after = await openWithCaret(moved);
    assert.deepEqual(after.service.diagnostics(after.uri).filter((d) => d.code === 'secret-in-spec' || d.severity === 1), []);
  });

  it('offers no move without a datastore name to file the secret under', async () => {
    const text = `$schema: ${SCHEMA}azureBlob.schema.json\ntype: azure_blob\naccount_name: acct\ncontainer_name: c\ncredentials:\n  sas_token: sv=2022&sig=abc\n`;
    const { service, uri } = await openWithCaret(text);
    const diagnostics = service.diagnostics(uri).filter((d) => d.code === 'secret-in-spec');
    assert.equal(diagnostics.length, 1);
    assert.equal(service.codeActions(uri, diagnostics[0]!.range, diagnostics).filter((a) => a.command).length, 0);
  });
});
