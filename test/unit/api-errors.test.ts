import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import Fastify from 'fastify';
import { useApiErrors } from '../../core/api/errors';
import { DataError } from '../../core/data/errors';
import { refuseInvalidName } from '../../core/engine/spec-loader';
import { BadRequest, Conflict, Forbidden, NotFound, SpecRejected, Unavailable, Unsupported } from '../../core/errors';
import type { SpecFinding } from '../../core/vocabulary';
import { COMMAND_SCHEMA, findingLines, refusal, startPlane, workspace } from '../support/control-plane';
import { httpRequest } from '../support/http';

const FINDING: SpecFinding = { file: 'jobs/train.yml', line: 4, column: 3, severity: 'error', rule: 'unknown-property', message: 'unknown property `comand`' };

const THROWN: Record<string, { error: Error; status: number; code: string }> = {
  'bad-request': { error: new BadRequest('--set x: expected key.path=value'), status: 400, code: 'bad_request' },
  'invalid-data': { error: new DataError('"./missing" does not exist', 'inputs.data'), status: 400, code: 'invalid_data' },
  'spec-rejected': { error: new SpecRejected('jobs/train.yml is not valid: 1 error', [FINDING]), status: 400, code: 'spec_rejected' },
  forbidden: { error: new Forbidden('output model: leads outside'), status: 403, code: 'forbidden' },
  'not-found': { error: new NotFound('no job named x'), status: 404, code: 'not_found' },
  conflict: { error: new Conflict('a job named x already exists'), status: 409, code: 'conflict' },
  unsupported: { error: new Unsupported('sweep jobs are not supported yet'), status: 501, code: 'unsupported' },
  unavailable: { error: new Unavailable('this control plane was started without Docker support'), status: 503, code: 'unavailable' },
  fault: { error: new Error('disk on fire'), status: 500, code: 'internal' },
};

test('each refusal class answers its HTTP status and error code, with its message, and findings only for a rejected spec', async (t) => {
  const app = Fastify({ logger: false });
  useApiErrors(app);
  for (const [route, { error }] of Object.entries(THROWN)) {
    app.get(`/${route}`, async () => {
      throw error;
    });
  }
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.after(() => app.close());
  const port = (app.server.address() as { port: number }).port;
  for (const [route, { error, status, code }] of Object.entries(THROWN)) {
    const reply = await httpRequest(port, 'GET', `/${route}`);
    assert.equal(reply.status, status, route);
    assert.deepEqual(reply.body, { error: code, message: error.message, ...(error instanceof SpecRejected ? { findings: [FINDING] } : {}) }, route);
  }
});

test('a data problem in a spec field is refused as a finding at that field', async (t) => {
  const root = await workspace(t, {
    'jobs/train.yml': `${COMMAND_SCHEMA}\ntype: command\ncommand: cat \${{inputs.data}}\nenvironment:\n  image: localtest/python:3-bookworm\ncompute: azureml:local\ninputs:\n  data:\n    type: uri_file\n    path: ./missing.csv\n`,
    'data/table.yml': '$schema: https://azuremlschemas.azureedge.net/latest/data.schema.json\nname: table\ntype: uri_file\npath: ../../../../../etc/hostname\n',
  });
  const plane = await startPlane(t, root);
  const missing = await refusal(plane.submit('jobs/train.yml'));
  assert.equal(missing.status, 400);
  assert.equal(missing.body.error, 'spec_rejected');
  assert.match(missing.message, /^inputs\.data: ".\/missing.csv" does not exist/);
  assert.deepEqual(findingLines(missing), [`jobs/train.yml:10:11 error invalid-data ${missing.message}`]);

  const folder = await refusal(plane.client.assets.register('data', { path: path.join(root, 'data/table.yml') }));
  assert.equal(folder.status, 400);
  assert.deepEqual(findingLines(folder), [`data/table.yml:4:7 error invalid-data ${folder.message}`]);

});

test('a name refused where it is used is a finding at the name', () => {
  const text = `${COMMAND_SCHEMA}\ntype: command\ncommand: echo\nname: "a/b"\n`;
  const refused = (() => {
    try {
      refuseInvalidName({ path: '/ws/jobs/train.yml', kind: 'job/command', value: { name: 'a/b' }, text, warnings: [] }, 'a/b', 'jobs/train.yml');
    } catch (error) {
      return error;
    }
    assert.fail('the name was not refused');
  })();
  assert.ok(refused instanceof SpecRejected);
  assert.equal(refused.message, 'jobs/train.yml is not valid: 1 error');
  assert.deepEqual(refused.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.severity} ${f.rule}`), ['jobs/train.yml:4:7 error invalid-name']);
});
