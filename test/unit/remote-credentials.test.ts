import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { remoteEngineOf } from '../../core/compute/remote';
import { SecretsStore } from '../../core/secrets/store';
import { tempDir } from '../support/temp';

const FINGERPRINT = `SHA256:${'a'.repeat(43)}`;

test('a remote compute reads its credentials from files only their owner reads, or from its own secrets', async (t) => {
  const dir = await tempDir(t, 'mlw-remote-cred-');
  const store = new SecretsStore(path.join(dir, 'secrets.json'), { keyring: null });
  fs.writeFileSync(path.join(dir, 'ca.pem'), 'CA', { mode: 0o644 });
  fs.writeFileSync(path.join(dir, 'cert.pem'), 'CERT', { mode: 0o644 });
  fs.writeFileSync(path.join(dir, 'key.pem'), 'KEY', { mode: 0o600 });
  fs.writeFileSync(path.join(dir, 'open-key.pem'), 'KEY', { mode: 0o644 });
  const tls = (key: string) => ({ endpoint: 'tcp://box:2376', tls: { ca: 'ca.pem', cert: path.join(dir, 'cert.pem'), key } });

  const engine = remoteEngineOf('box', tls('key.pem'), store, dir);
  assert.deepEqual(engine.protocol === 'tls' && [engine.host, engine.port, engine.ca, engine.cert, engine.key], ['box', 2376, 'CA', 'CERT', 'KEY']);
  assert.throws(() => remoteEngineOf('box', tls('open-key.pem'), store, dir), /tls\.key names .*open-key\.pem, which others can read \(mode 644\); .*chmod 600/);
  assert.throws(() => remoteEngineOf('box', tls('-----BEGIN PRIVATE KEY-----\nabc'), store, dir), /tls\.key holds a key or certificate itself/);
  assert.throws(() => remoteEngineOf('box', tls('secret:computes/box/tls_key'), store, dir), /the secrets store has no secret:computes\/box\/tls_key/);
  assert.throws(() => remoteEngineOf('box', tls('secret:computes/other/tls_key'), store, dir), /can use only its own secrets/);
  store.put('secret:computes/box/tls_key', 'STORED');
  const stored = remoteEngineOf('box', tls('secret:computes/box/tls_key'), store, dir);
  assert.equal(stored.protocol === 'tls' && stored.key, 'STORED');

  const ssh = remoteEngineOf('box', { endpoint: 'ssh://mlw@box', ssh: { private_key: 'key.pem', host_key_fingerprint: FINGERPRINT } }, store, dir);
  assert.deepEqual(ssh.protocol === 'ssh' && [ssh.username, ssh.host, ssh.port, ssh.privateKey], ['mlw', 'box', 22, 'KEY']);
  assert.throws(() => remoteEngineOf('box', { endpoint: 'ssh://mlw@box', ssh: { private_key: 'key.pem' } }, store, dir), /ssh\.host_key_fingerprint must pin/);
  assert.throws(() => remoteEngineOf('box', { endpoint: 'http://box:2375' }, store, dir), /neither tcp:\/\/<host>:<port> nor ssh:\/\//);
});
