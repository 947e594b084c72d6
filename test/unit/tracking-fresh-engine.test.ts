import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { COMMAND_SCHEMA, workspace } from '../support/control-plane';
import { BUSYBOX_IMAGE, DockerTestBed, waitFor } from '../support/docker';
import { startFreshEngine, startNetns } from '../support/netns-engine';

const CLI = path.join(__dirname, '../../out/cli.js');
const hostEngine = new DockerTestBed();
const execFileAsync = promisify(execFile);

// Logs a metric into the job's own run over the tracking URI with the run token (busybox: nc, no wget).
const CALL_TRACKING = `grep host.docker.internal /etc/hosts
target=\${MLFLOW_TRACKING_URI#http://}
body="{\\"run_id\\":\\"$MLFLOW_RUN_ID\\",\\"key\\":\\"reached\\",\\"value\\":1,\\"timestamp\\":1,\\"step\\":0}"
printf 'POST /api/2.0/mlflow/runs/log-metric HTTP/1.0\\r\\nHost: %s\\r\\nAuthorization: Bearer %s\\r\\nContent-Type: application/json\\r\\nContent-Length: %s\\r\\n\\r\\n%s' \\
  "$target" "$MLFLOW_TRACKING_TOKEN" "\${#body}" "$body" | nc "\${target%:*}" "\${target##*:}" | head -1
`;

test('the first docker job on a freshly started engine (docker0 down, no IPAM gateway) reaches the tracking API', async (t) => {
  if (!(await hostEngine.ready(t))) return;
  assert.ok(fs.existsSync(CLI), `${CLI} is missing: run npm run build`);
  const engine = await startFreshEngine(t, [BUSYBOX_IMAGE]);
  if (!engine) return;

  const [docker0] = JSON.parse(await engine.exec('ip', ['-j', '-4', 'addr', 'show', 'dev', 'docker0'])) as { operstate: string; addr_info: { local: string }[] }[];
  assert.equal(docker0.operstate, 'DOWN', 'a fresh engine has docker0 down');
  const bridge = (await engine.docker.getNetwork('bridge').inspect()) as { IPAM: { Config: { Subnet?: string; Gateway?: string }[] } };
  assert.ok(bridge.IPAM.Config.every((config) => !config.Gateway), `no gateway in IPAM: ${JSON.stringify(bridge.IPAM)}`);

  const root = await workspace(t, {
    'box.yml': 'name: box\ntype: docker\nmax_instances: 1\n',
    'job.yml': `${COMMAND_SCHEMA}\ntype: command\ncommand: sh call.sh\ncode: ./src\nenvironment:\n  image: ${BUSYBOX_IMAGE}\ncompute: azureml:box\nexperiment_name: fresh-engine\n`,
    'src/call.sh': CALL_TRACKING,
  });
  const env = { ...process.env, DOCKER_HOST: engine.host, MLW_IDLE_TIMEOUT_MINUTES: '0' };
  let serveLog = '';
  const serve = engine.spawn(process.execPath, [CLI, 'serve', '--workspace', root], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  serve.stdout?.on('data', (chunk: Buffer) => (serveLog += chunk.toString()));
  serve.stderr?.on('data', (chunk: Buffer) => (serveLog += chunk.toString()));
  await waitFor('mlw serve in the namespace', () => fs.existsSync(path.join(root, '.mlw/serve.json')), 20_000);
  const cli = (...args: string[]) => engine.exec(process.execPath, [CLI, ...args, '--workspace', root], env).catch((error: { stdout?: string; stderr?: string }) => {
    throw new Error(`mlw ${args.join(' ')} failed:\n${error.stdout ?? ''}${error.stderr ?? ''}\nserve:\n${serveLog}`);
  });

  await cli('compute', 'create', '-f', path.join(root, 'box.yml'));
  const streamed = await cli('job', 'create', '-f', path.join(root, 'job.yml'), '--stream');
  const job = streamed.split(/\s/)[0];
  assert.match(streamed, /Completed/, streamed);
  assert.match(streamed, new RegExp(`${docker0.addr_info[0].local.replaceAll('.', '\\.')}\\s+host\\.docker\\.internal`), 'host-gateway is the bridge address');
  assert.match(streamed, /HTTP\/1\.1 200/, streamed);
  const metrics = JSON.parse(await cli('job', 'metrics', job, '--key', 'reached', '--format', 'json')) as unknown;
  assert.match(JSON.stringify(metrics), /"value":1\b/, JSON.stringify(metrics));
});

test('where the engine\'s bridge is not on this host, the error says what was looked at', async (t) => {
  const engine = await startFreshEngine(t, []);
  if (!engine) return;
  const elsewhere = await startNetns(t);
  if (!elsewhere) return;
  const find = "require('./core/tracking/bridge').bridgeGateway(new (require('dockerode'))()).then((a) => console.log(a), (e) => console.log(e.message))";
  const printed = await execFileAsync('ip', ['netns', 'exec', elsewhere, process.execPath, '--import', 'tsx', '-e', find], {
    cwd: path.join(__dirname, '../..'), env: { ...process.env, DOCKER_HOST: engine.host }, encoding: 'utf8',
  });
  const subnet = ((await engine.docker.getNetwork('bridge').inspect()) as { IPAM: { Config: { Subnet: string }[] } }).IPAM.Config[0].Subnet;
  assert.equal(printed.stdout.trim(), 'cannot find the Docker bridge address for the tracking API (looked at the "bridge" network\'s IPAM ' +
    `(no gateway; subnet ${subnet}); interface docker0 (absent or down); this host's addresses in /proc/net/fib_trie (none in ${subnet}))`);
});
