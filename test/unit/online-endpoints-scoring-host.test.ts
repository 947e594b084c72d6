import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { describe, it, type TestContext } from 'node:test';
import { scoringHostPath } from '../../core/endpoints/scoring-host';
import { httpRequest } from '../support/http';
import { tempDir, writeTree } from '../support/temp';
import { waitFor } from '../support/docker';

const SCRIPT = `
import json, os, time
calls = {"init": 0}
def init():
    calls["init"] += 1
    global model_dir
    model_dir = os.environ["AZUREML_MODEL_DIR"]
def run(raw_data):
    data = json.loads(raw_data)
    kind = data.get("kind")
    if kind == "text":
        return "plain " + data["value"]
    if kind == "sleep":
        print("sleeping", flush=True)
        time.sleep(data["seconds"])
        return {"slept": data["seconds"]}
    if kind == "boom":
        raise RuntimeError("the model exploded")
    if kind == "state":
        return {"init_calls": calls["init"], "model_dir": model_dir}
    return {"sum": sum(data["data"])}
`;

interface Host {
  port: number;
  process: ChildProcess;
  output: () => string;
}

/** The scoring host as a real process on a free loopback port, stopped after the test. */
async function startHost(t: TestContext, script: string, env: Record<string, string> = {}): Promise<Host> {
  const app = await tempDir(t, 'mlw-score-');
  await writeTree(app, { 'src/score.py': script });
  const child = spawn('python3', [scoringHostPath()], {
    env: { ...process.env, AML_APP_ROOT: `${app}/src`, AZUREML_ENTRY_SCRIPT: 'score.py', AZUREML_MODEL_DIR: '/models/m/1', MLW_SCORING_PORT: '0', MLW_SCORING_ADDRESS: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  });
  const port = await waitFor('the scoring host to listen', () => Number(/listening on [^:]+:(\d+)/.exec(output)?.[1]) || undefined);
  return { port, process: child, output: () => output };
}

const score = (port: number, body: unknown) => httpRequest(port, 'POST', '/score', { 'content-type': 'application/json' }, JSON.stringify(body));

describe('scoring host (Azure ML scoring contract)', () => {
  it('answers liveness, readiness after init(), and run() results as JSON', async (t) => {
    const host = await startHost(t, SCRIPT);
    assert.equal((await httpRequest(host.port, 'GET', '/')).status, 200);
    await waitFor('readiness', async () => (await httpRequest(host.port, 'GET', '/ready')).status === 200);
    const sum = await score(host.port, { data: [1, 2, 3] });
    assert.equal(sum.status, 200);
    assert.deepEqual(sum.body, { sum: 6 });
    const text = await score(host.port, { kind: 'text', value: 'x' });
    assert.equal(text.text, '"plain x"', 'a str result is a JSON string');
    await score(host.port, { kind: 'text', value: 'again' });
    assert.deepEqual((await score(host.port, { kind: 'state' })).body, { init_calls: 1, model_dir: '/models/m/1' });
  });

  it('answers a script error with its text: 400 for bad input, 500 otherwise', async (t) => {
    const host = await startHost(t, SCRIPT);
    await waitFor('readiness', async () => (await httpRequest(host.port, 'GET', '/ready')).status === 200);
    const bad = await httpRequest(host.port, 'POST', '/score', {}, 'not json');
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /JSONDecodeError/);
    const missing = await score(host.port, { nothing: 1 });
    assert.equal(missing.status, 400);
    assert.match(missing.body.error, /KeyError: 'data'/);
    const boom = await score(host.port, { kind: 'boom' });
    assert.equal(boom.status, 500);
    assert.equal(boom.body.error, 'RuntimeError: the model exploded');
    assert.match(host.output(), /the model exploded/, 'the traceback is in the log');
  });

  it('answers 408 when run() outlasts request_timeout_ms and 429 past max_concurrent_requests_per_instance', async (t) => {
    const host = await startHost(t, SCRIPT, { MLW_REQUEST_TIMEOUT_MS: '300', MLW_MAX_CONCURRENT_REQUESTS: '1', MLW_MAX_QUEUE_WAIT_MS: '50' });
    await waitFor('readiness', async () => (await httpRequest(host.port, 'GET', '/ready')).status === 200);
    const slow = score(host.port, { kind: 'sleep', seconds: 1 });
    await waitFor('the slow request to hold the slot', () => host.output().includes('sleeping'));
    const refused = await score(host.port, { data: [1] });
    assert.equal(refused.status, 429);
    const timedOut = await slow;
    assert.equal(timedOut.status, 408);
    assert.match(timedOut.body.error, /request_timeout_ms \(300 ms\)/);
  });

  it('is not ready before init() finished, and exits when init() fails', async (t) => {
    const slowInit = await startHost(t, 'import time\ndef init():\n    time.sleep(30)\ndef run(raw):\n    return 1\n');
    assert.equal((await httpRequest(slowInit.port, 'GET', '/')).status, 200);
    assert.equal((await httpRequest(slowInit.port, 'GET', '/ready')).status, 503);
    assert.equal((await score(slowInit.port, {})).status, 503);
    const failing = await startHost(t, 'def init():\n    raise FileNotFoundError("model.pkl not found")\ndef run(raw):\n    return 1\n');
    const [code] = failing.process.exitCode !== null ? [failing.process.exitCode] : await once(failing.process, 'exit');
    assert.equal(code, 1);
    assert.match(failing.output(), /FileNotFoundError: model.pkl not found/);
  });
});
