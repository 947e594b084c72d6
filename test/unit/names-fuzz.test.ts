import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ApiError } from '../../core/api/client';
import type { AssetDetail, AssetKind, JobSummary } from '../../core/vocabulary';
import { EXPERIMENT_NAME, JOB_NAME, nameProblem, nameRuleFor, versionProblem, type KindId } from '../../core/language';
import { COMMAND_SCHEMA, startPlane } from '../support/control-plane';
import { prng } from '../support/random';
import { tempDir } from '../support/temp';

const SEED = Number(process.env.MLW_FUZZ_SEED ?? 20261202);
const CASES = 160;
const S = 'https://azuremlschemas.azureedge.net/latest/';

const PIECES = ['..', '/', '\\', '\u0000', '\u0001', '\u001b[2J', '\u007f', '\n', '\t', 'é', '日本', '🙂', ' ', '-', '_', '.', ':', '@', '%2e%2e', '~', '$HOME', '"', "'", '#', 'a', 'Z', '9', 'run', 'x'];

/** What a name-carrying spec is for, and which naming rule its answer must satisfy. */
interface Target {
  kind: AssetKind | 'job';
  rule: KindId;
  spec: (name: string, version: string) => string;
}

const TARGETS: Target[] = [
  { kind: 'data', rule: 'data', spec: (n, v) => `$schema: ${S}data.schema.json\nname: ${n}\nversion: ${v}\ntype: uri_file\npath: https://example.com/x.csv\n` },
  { kind: 'environment', rule: 'environment', spec: (n, v) => `$schema: ${S}environment.schema.json\nname: ${n}\nversion: ${v}\nimage: localtest/python:3-bookworm\n` },
  { kind: 'model', rule: 'model', spec: (n, v) => `$schema: ${S}model.schema.json\nname: ${n}\nversion: ${v}\ntype: custom_model\npath: https://example.com/model.pkl\n` },
  { kind: 'compute', rule: 'compute/local', spec: (n) => `name: ${n}\ntype: docker\nmax_instances: 7\n` },
  { kind: 'compute', rule: 'compute/amlcompute', spec: (n) => `$schema: ${S}amlCompute.schema.json\nname: ${n}\ntype: amlcompute\nsize: Standard_DS3_v2\nmax_instances: 7\n` },
  { kind: 'datastore', rule: 'datastore/local', spec: (n) => `name: ${n}\ntype: local\npath: ./shared\n` },
];

function job(extra: string): string {
  return `${COMMAND_SCHEMA}\ntype: command\ncommand: sleep 60\nenvironment:\n  image: localtest/python:3-bookworm\ncompute: azureml:hold\n${extra}`;
}

/** Every file and folder under `dir`, relative to it. */
function walk(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).sort();
}

test(`fuzz: names, versions and paths at the API boundary (seed ${SEED})`, async (t) => {
  const random = prng(SEED);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const junk = (): string => {
    const roll = random();
    if (roll < 0.15) return `ok-${Math.floor(random() * 1e6)}`;
    if (roll < 0.25) return 'n'.repeat(200 + Math.floor(random() * 5000));
    return Array.from({ length: 1 + Math.floor(random() * 6) }, () => pick(PIECES)).join('');
  };
  const quoted = (value: string) => JSON.stringify(value);

  // Five folders deep, so that up to four `..` land inside the test's own temporary folder, where they are seen.
  const outer = await tempDir(t, 'mlw-fuzz-');
  const root = path.join(outer, 'a', 'b', 'c', 'd', 'ws');
  fs.mkdirSync(path.join(root, '.mlw'), { recursive: true });
  fs.mkdirSync(path.join(root, 'shared'));
  const plane = await startPlane(t, root);
  const request = async (method: string, route: string, body: Record<string, unknown>): Promise<{ status: number; answer: unknown }> => {
    try {
      return { status: 201, answer: await plane.http.request(method, route, body) };
    } catch (error) {
      if (error instanceof ApiError) return { status: error.status, answer: error.body };
      throw error;
    }
  };
  const register = (kind: AssetKind, text: string, file = 'spec.yml') => request('POST', `/api/assets/${kind}`, { path: path.join(root, file), text });
  await register('compute', 'name: hold\ntype: local\nmax_instances: 1\n');
  for (const [kind, text] of [['data', TARGETS[0]!.spec('base', '1')], ['compute', 'name: dock2\ntype: docker\nmax_instances: 2\n'], ['datastore', 'name: store1\ntype: local\npath: ./shared\n']] as const) {
    assert.ok((await register(kind, text)).status < 300, text);
  }
  const baseline = await plane.client.assets.list({ archived: true });
  const baselineDetails = await Promise.all(baseline.map((a) => plane.client.assets.get(a.kind, a.name, a.version)));

  const acceptedJobs = new Set<string>();
  const started = Date.now();
  for (let i = 0; i < CASES; i++) {
    const what = pick(['job-name', 'experiment', 'asset', 'version', 'data-path', 'set', 'request-path'] as const);
    const value = junk();
    const label = `case ${i} (${what}, seed ${SEED}): ${JSON.stringify(value).slice(0, 120)}`;
    let reply: { status: number; answer: unknown };
    let target: Target | undefined;
    if (what === 'asset' || what === 'version') {
      target = pick(TARGETS);
      const version = what === 'version' ? quoted(value) : String(1 + Math.floor(random() * 3));
      reply = await register(target.kind as AssetKind, target.spec(what === 'asset' ? quoted(value) : `v${i}`, version));
    } else if (what === 'job-name') {
      reply = await request('POST', '/api/jobs', { path: path.join(root, 'job.yml'), text: job(`name: ${quoted(value)}\nexperiment_name: fuzz\n`) });
    } else if (what === 'experiment') {
      reply = await request('POST', '/api/jobs', { path: path.join(root, 'job.yml'), text: job(`experiment_name: ${quoted(value)}\n`) });
    } else if (what === 'data-path') {
      const given = pick([value, `${'../'.repeat(1 + Math.floor(random() * 6))}${value}`, `azureml://datastores/${pick(['workspaceblobstore', 'store1', value])}/paths/${value}`, `/${value}`]);
      reply = await request('POST', '/api/jobs', { path: path.join(root, 'job.yml'), text: job(`inputs:\n  d:\n    type: uri_folder\n    path: ${quoted(given)}\n`) });
    } else if (what === 'set') {
      reply = await request('POST', '/api/jobs', { path: path.join(root, 'job.yml'), text: job(''), set: [`${pick(['name', 'experiment_name'])}=${quoted(value)}`] });
    } else {
      reply = await request('POST', '/api/jobs', { path: path.join(root, value, 'job.yml'), text: job('') });
    }

    assert.ok(reply.status === 200 || reply.status === 201 || reply.status === 400 || reply.status === 409, `${label}: ${reply.status} ${JSON.stringify(reply.answer).slice(0, 300)}`);
    if (reply.status === 409) {
      assert.ok(acceptedJobs.has(value) || (reply.answer as { message: string }).message.includes('already exists'), label);
      continue;
    }
    if (reply.status >= 300) continue;
    if (target) {
      const { asset } = reply.answer as { asset: AssetDetail };
      assert.equal(nameProblem(nameRuleFor(target.rule)!, asset.name), undefined, label);
      if (asset.version) assert.equal(versionProblem(asset.version), undefined, label);
    } else {
      const submitted = (reply.answer as { job: JobSummary }).job;
      assert.equal(nameProblem(JOB_NAME, submitted.name), undefined, label);
      assert.equal(nameProblem(EXPERIMENT_NAME, submitted.experiment), undefined, label);
      acceptedJobs.add(submitted.name);
    }
  }
  assert.ok(Date.now() - started < 10_000, `the fuzz run took ${Date.now() - started} ms`);

  // No existing asset was replaced.
  for (const before of baselineDetails) {
    const after = await plane.client.assets.get(before.kind, before.name, before.version);
    assert.deepEqual({ spec: after.spec, hash: after.contentHash }, { spec: before.spec, hash: before.contentHash }, `${before.kind} ${before.name}`);
  }
  // Nothing was created outside the workspace's .mlw folder.
  const relativeRoot = path.relative(outer, root);
  const allowed = (entry: string) => relativeRoot.startsWith(entry) || entry === path.join(relativeRoot, 'shared') || entry.startsWith(path.join(relativeRoot, '.mlw'));
  assert.deepEqual(walk(outer).filter((entry) => !allowed(entry)), []);
});
