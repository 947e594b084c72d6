import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { swarmDriverOptions } from '../../core/engine/swarm-computes';
import type { SwarmComputeSpec } from '../../core/language/types/computes';
import { validateFiles } from '../../core/language/validate-files';
import { SecretsStore } from '../../core/secrets/store';
import { tempDir } from '../support/temp';

const FINGERPRINT = `SHA256:${'a'.repeat(43)}`;
const TLS = 'tls:\n  ca: secret:computes/m/tls_ca\n  cert: secret:computes/m/tls_cert\n  key: secret:computes/m/tls_key\n';

test('the editor holds a swarm manager\'s tls: and ssh: to the remote compute\'s rules', async (t) => {
  const dir = await tempDir(t, 'mlw-swarm-spec-');
  const specs: Record<string, string> = {
    'tls.yml': `name: m\ntype: swarm\ndocker_host: tcp://10.0.0.5:2376\n${TLS}`,
    'ssh.yml': `name: m\ntype: swarm\ndocker_host: ssh://mlw@10.0.0.5:2222\nssh:\n  private_key: secret:computes/m/ssh_private_key\n  host_key_fingerprint: ${FINGERPRINT}\n`,
    'plain.yml': 'name: m\ntype: swarm\ndocker_host: tcp://10.0.0.5:2375\n',
    'pem.yml': `name: m\ntype: swarm\ndocker_host: tcp://10.0.0.5:2376\n${TLS.replace('secret:computes/m/tls_key', '"-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----\\n"')}`,
    'tls-on-unix.yml': `name: m\ntype: swarm\ndocker_host: unix:///var/run/docker.sock\n${TLS}`,
    'ssh-without-key.yml': 'name: m\ntype: swarm\ndocker_host: ssh://mlw@10.0.0.5\n',
  };
  for (const [file, text] of Object.entries(specs)) fs.writeFileSync(path.join(dir, file), text);
  const found = Object.fromEntries(validateFiles(Object.keys(specs).map((file) => path.join(dir, file)), dir)
    .map((result) => [path.basename(result.path), result.diagnostics.map((d) => `${d.line} ${d.message}`)]));
  assert.deepEqual(found['tls.yml'], []);
  assert.deepEqual(found['ssh.yml'], []);
  assert.deepEqual(found['plain.yml'], []);
  assert.deepEqual(found['pem.yml'], ['7 `key` must match pattern "^[^\\n]+$"']);
  assert.deepEqual(found['tls-on-unix.yml'], ['3 `docker_host` must match pattern "^tcp://"']);
  assert.deepEqual(found['ssh-without-key.yml'], ['2 missing required property `ssh`']);
});

test('a swarm manager\'s credentials are read as a remote engine\'s: from its own secrets, never from the spec', async (t) => {
  const dir = await tempDir(t, 'mlw-swarm-cred-');
  const secrets = new SecretsStore(path.join(dir, 'secrets.json'), { keyring: null });
  const credentials = { secrets, baseDir: dir };
  const spec = (fields: Partial<SwarmComputeSpec>): SwarmComputeSpec => ({ name: 'm', type: 'swarm', ...fields });
  const tls = { ca: 'secret:computes/m/tls_ca', cert: 'secret:computes/m/tls_cert', key: 'secret:computes/m/tls_key' };

  assert.throws(() => swarmDriverOptions('m', spec({ docker_host: 'tcp://10.0.0.5:2376', tls }), undefined, credentials), /the secrets store has no secret:computes\/m\/tls_ca/);
  assert.throws(() => swarmDriverOptions('m', spec({ docker_host: 'unix:///var/run/docker.sock', tls }), undefined, credentials), /tls: needs docker_host: tcp:\/\//);
  assert.throws(() => swarmDriverOptions('m', spec({ docker_host: 'ssh://mlw@10.0.0.5', ssh: { private_key: 'secret:computes/m/ssh_private_key', host_key_fingerprint: 'abc' } }), undefined, credentials), /ssh\.host_key_fingerprint must pin/);

  for (const field of ['tls_ca', 'tls_cert', 'tls_key']) secrets.put(`secret:computes/m/${field}`, `PEM of ${field}`);
  assert.throws(() => swarmDriverOptions('m', spec({ docker_host: 'tcp://10.0.0.5:2376', tls: { ...tls, key: '-----BEGIN PRIVATE KEY-----\nMIIE' } }), undefined, credentials), /tls\.key holds a key or certificate itself/);
  const options = swarmDriverOptions('m', spec({ docker_host: 'tcp://10.0.0.5:2376', tls }), undefined, credentials);
  assert.deepEqual(options.manager, { protocol: 'https', host: '10.0.0.5', port: 2376, ca: 'PEM of tls_ca', cert: 'PEM of tls_cert', key: 'PEM of tls_key' });
  assert.deepEqual(swarmDriverOptions('m', spec({ docker_host: 'tcp://10.0.0.5:2375' })).manager, { host: '10.0.0.5', port: 2375, protocol: 'http' }, 'plain tcp:// needs no credentials');
});
