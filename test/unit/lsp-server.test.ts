import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it, test, type TestContext } from 'node:test';
import type { CompletionList, Diagnostic, Hover, Location } from 'vscode-languageserver';
import { pathToUri } from '../../server/service/uri';
import { LspTestClient } from '../support/lsp-connection';
import { SCHEMA } from '../support/lsp-service';
import { tempDir, writeTree } from '../support/temp';

const fixtures = path.resolve(import.meta.dirname, '../fixtures');
const codes = (ds: Diagnostic[]) => ds.map((d) => d.code);

describe('language server over an in-memory connection', () => {
  let client: LspTestClient;
  before(async () => {
    client = await LspTestClient.start({ root: fixtures });
  });
  after(() => client.dispose());

  it('announces incremental sync and every feature', () => {
    const caps = client.initializeResult.capabilities;
    assert.equal(typeof caps.textDocumentSync === 'object' && caps.textDocumentSync.change, 2);
    for (const feature of ['hoverProvider', 'definitionProvider', 'referencesProvider', 'documentSymbolProvider', 'foldingRangeProvider'] as const) assert.ok(caps[feature], feature);
    assert.deepEqual(caps.renameProvider, { prepareProvider: true });
    assert.ok(caps.completionProvider?.triggerCharacters?.includes(':'));
  });

  it('publishes diagnostics on open with source mlw, rule ids as codes and the document version', async () => {
    const uri = pathToUri(path.join(fixtures, 'lsp/server-open.yml'));
    const diagnostics = await client.open(uri, `$schema: ${SCHEMA}commandJob.schema.json\ntype: command\nexperiment_name: e\ncomand: python train.py\nenvironment: azureml:sklearn-env:1\n`);
    assert.deepEqual(codes(diagnostics).sort(), ['missing-property', 'unknown-property']);
    assert.ok(diagnostics.every((d) => d.source === 'mlw'));
    const unknown = diagnostics.find((d) => d.code === 'unknown-property')!;
    assert.deepEqual(unknown.range, { start: { line: 3, character: 0 }, end: { line: 3, character: 6 } });
    assert.deepEqual(unknown.data, { property: 'comand', replacement: 'command' });
  });

  it('applies incremental edits and publishes for the new version', async () => {
    const uri = pathToUri(path.join(fixtures, 'lsp/server-edit.yml'));
    await client.open(uri, `$schema: ${SCHEMA}commandJob.schema.json\ntype: command\nexperiment_name: e\ncommand: python train.py\nenvironment: azureml:sklearn-env:1\n`);
    const broken = await client.change(uri, [{ range: { start: { line: 3, character: 0 }, end: { line: 3, character: 7 } }, text: 'comand' }]);
    assert.deepEqual(codes(broken).sort(), ['missing-property', 'unknown-property']);
    const fixed = await client.change(uri, [{ range: { start: { line: 3, character: 0 }, end: { line: 3, character: 6 } }, text: 'command' }]);
    assert.deepEqual(fixed, []);
  });

  it('answers completion, hover, definition and code actions on the open document', async () => {
    const uri = pathToUri(path.join(fixtures, 'lsp/server-features.yml'));
    const text = `$schema: ${SCHEMA}commandJob.schema.json\ntype: command\nexperiment_name: e\ncommand: python train.py\nenvironment: azureml:sklearn-env:1\n`;
    await client.open(uri, text);
    const list = await client.request<CompletionList>('textDocument/completion', { textDocument: { uri }, position: { line: 4, character: 21 } });
    assert.ok(list.items.some((i) => i.label === 'sklearn-env:1'));
    const hover = await client.request<Hover>('textDocument/hover', { textDocument: { uri }, position: { line: 4, character: 25 } });
    assert.match(JSON.stringify(hover.contents), /sklearn-env/);
    const definition = await client.request<Location[]>('textDocument/definition', { textDocument: { uri }, position: { line: 4, character: 25 } });
    assert.equal(definition[0]?.uri, pathToUri(path.join(fixtures, '_workspace/environments/sklearn-env.yml')));
    const missing = await client.request<unknown>('textDocument/hover', { textDocument: { uri: 'file:///not/open.yml' }, position: { line: 0, character: 0 } });
    assert.equal(missing, null);
  });

  it('resolves references to a file created after start-up once the watcher reports it', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlw-lsp-'));
    const watching = await LspTestClient.start({ root, watchFiles: true });
    try {
      const uri = pathToUri(path.join(root, 'job.yml'));
      const before = await watching.open(uri, `$schema: ${SCHEMA}commandJob.schema.json\ntype: command\nexperiment_name: e\ncommand: echo\nenvironment: azureml:late-env:1\n`);
      assert.deepEqual(codes(before), ['unknown-reference']);
      const envFile = path.join(root, 'env.yml');
      fs.writeFileSync(envFile, `$schema: ${SCHEMA}environment.schema.json\nname: late-env\nversion: 1\nimage: localtest/python:3-bookworm\n`);
      const after = watching.nextDiagnostics(uri);
      await watching.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToUri(envFile), type: 1 }] });
      assert.deepEqual(await after, []);
    } finally {
      await watching.dispose();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('leaves YAML syntax diagnostics to the YAML extension when told to', async () => {
    const leaving = await LspTestClient.start({ root: fixtures, initializationOptions: { mlw: { yaml: { leaveToYamlExtension: ['syntax', 'folding'] } } } });
    try {
      const uri = pathToUri(path.join(fixtures, 'lsp/server-syntax.yml'));
      const text = `$schema: ${SCHEMA}commandJob.schema.json\ntype: command\ntype: command\nexperiment_name: e\ncommand: echo\nenvironment: azureml:sklearn-env:1\n`;
      assert.deepEqual(await leaving.open(uri, text), []);
      assert.equal(await leaving.request('textDocument/foldingRange', { textDocument: { uri } }), null);
      assert.deepEqual(codes(await client.open(uri, text)), ['duplicate-key']);
    } finally {
      await leaving.dispose();
    }
  });
});

/** A workspace whose `.mlw/serve.json` names a loopback server that records the tokens sent to it. */
async function workspaceNamingAServer(t: TestContext, token: string): Promise<{ root: string; tokens: string[]; reached: Promise<void> }> {
  const root = await tempDir(t, 'mlw-lsp-trust-');
  const tokens: string[] = [];
  let reachedNow!: () => void;
  const reached = new Promise<void>((resolve) => (reachedNow = resolve));
  const server = http.createServer((request, response) => {
    tokens.push(request.headers.authorization ?? '');
    reachedNow();
    response.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  server.unref();
  const port = (server.address() as { port: number }).port;
  await writeTree(root, { '.mlw/serve.json': JSON.stringify({ pid: process.pid, port, token, version: 'x', startedAt: new Date().toISOString() }), 'job.yml': `$schema: ${SCHEMA}commandJob.schema.json\ntype: command\ncommand: echo hi\n` });
  return { root, tokens, reached };
}

test('the language server connects to the daemon named by .mlw/serve.json only in a trusted workspace', { timeout: 20_000 }, async (t) => {
  const trusted = await workspaceNamingAServer(t, 'trusted-token');
  const untrusted = await workspaceNamingAServer(t, 'untrusted-token');
  const unsaid = await workspaceNamingAServer(t, 'unsaid-token');
  const clients = await Promise.all([
    LspTestClient.start({ root: trusted.root, initializationOptions: { workspaceTrusted: true } }),
    LspTestClient.start({ root: untrusted.root, initializationOptions: { workspaceTrusted: false } }),
    LspTestClient.start({ root: unsaid.root }),
  ]);
  t.after(() => Promise.all(clients.map((c) => c.dispose())));
  const [, untrustedClient, unsaidClient] = clients as [LspTestClient, LspTestClient, LspTestClient];
  await trusted.reached;
  assert.ok(trusted.tokens.every((h) => h === 'Bearer trusted-token'), trusted.tokens.join());
  // The trusted server has been reached and the others have answered a round trip since: none connected.
  for (const [client, ws] of [[untrustedClient, untrusted], [unsaidClient, unsaid]] as const) await client.open(pathToUri(path.join(ws.root, 'job.yml')), fs.readFileSync(path.join(ws.root, 'job.yml'), 'utf8'));
  assert.equal(untrusted.tokens.length, 0, untrusted.tokens.join());
  assert.equal(unsaid.tokens.length, 0, unsaid.tokens.join());
  // Trust granted later: the server connects then.
  await untrustedClient.connection.sendNotification('mlw/workspaceTrusted');
  await untrusted.reached;
  assert.ok(untrusted.tokens.includes('Bearer untrusted-token'), untrusted.tokens.join());
  assert.equal(unsaid.tokens.length, 0, unsaid.tokens.join());
});
