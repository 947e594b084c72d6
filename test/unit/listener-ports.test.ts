import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { ListenerPorts } from '../../core/tracking/listener-ports';
import { tempDir } from '../support/temp';

/** Listens on loopback at `port` (0: a free one) and answers where; closed when the test ends. */
function loopbackListener(t: { after(fn: () => unknown): void }): (port: number) => Promise<number> {
  return (port) =>
    new Promise((resolve, reject) => {
      const server = net.createServer().once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        t.after(() => new Promise((done) => server.close(done)));
        resolve((server.address() as net.AddressInfo).port);
      });
    });
}

test('a damaged record of the listeners\' ports is said in the log, the listener takes a free port, and the record is written anew', async (t) => {
  const file = path.join(await tempDir(t), 'listener-ports.json');
  for (const damaged of ['{"api": 4', '[1, 2]', 'null']) {
    fs.writeFileSync(file, damaged);
    const logged: string[] = [];
    const ports = new ListenerPorts(file, (line) => logged.push(line));
    const port = await ports.listen('api', 'the API', loopbackListener(t), (at) => at);
    assert.ok(port > 0);
    assert.match(logged.join('\n'), new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is damaged .*listeners take free ports and it is written anew`), damaged);
    assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), { api: port }, damaged);
  }
});

test('recorded ports that are not ports are left out, the others kept', async (t) => {
  const file = path.join(await tempDir(t), 'listener-ports.json');
  const bridge = 40123;
  fs.writeFileSync(file, JSON.stringify({ api: 'x', loopback: 70000, 'address:10.0.0.1': 1.5, bridge }));
  const logged: string[] = [];
  const ports = new ListenerPorts(file, (line) => logged.push(line));
  const api = await ports.listen('api', 'the API', loopbackListener(t), (at) => at);
  assert.ok(api > 0);
  assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), { bridge, api });
  assert.deepEqual(logged, []);
});
