import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { test } from 'node:test';
import { ApiError } from '../../core/api/client';
import type { JobEvent } from '../../core/vocabulary';
import { Database } from 'node-sqlite3-wasm';
import { describeJob } from '../../cli/commands/job-show';
import { Store } from '../../core/store/database';
import { EventLog } from '../../core/store/events';
import { MIGRATIONS } from '../../core/store/migrations';
import { commandJob, logText, startPlane, statuses, workspace } from '../support/control-plane';
import { waitFor } from '../support/docker';

// The download test runs the built CLI (`npm test` builds before testing).
const OUT = path.resolve(__dirname, '../../out');

/** Runs the built CLI without blocking this process, which serves the API it talks to. */
function cli(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(OUT, 'cli.js'), ...args], { timeout: 30_000 }, (error, stdout, stderr) => resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
}

function storeBytes(root: string): number {
  return ['mlw.db', 'mlw.db-wal'].reduce((sum, file) => sum + (fs.statSync(path.join(root, '.mlw', file), { throwIfNoEntry: false })?.size ?? 0), 0);
}

test('a job printing 50 MB keeps its log in the run folder only; stream, resumed stream and download give every byte once', async (t) => {
  const lines = 500_000;
  const root = await workspace(t, { 'job.yml': commandJob(`python3 -c "import sys\nfor i in range(${lines}): sys.stdout.write(f'{i:08d} ' + 'x' * 90 + chr(10))"`) });
  const plane = await startPlane(t, root);
  const job = await plane.submit('job.yml');
  const events = await plane.events(job.name);
  assert.equal(statuses(events).pop(), 'Completed');
  const userLog = fs.readFileSync(path.join(root, '.mlw/runs', job.name, 'user_logs/std_log.txt'), 'utf8');
  assert.equal(userLog.length, lines * 100);
  const streamed = logText(events);
  assert.ok(streamed.endsWith(userLog), 'the stream carries the whole user log, in order');
  assert.equal(streamed.length - userLog.length, streamed.indexOf('00000000 '), 'nothing after the first line is repeated');
  assert.ok(storeBytes(root) < 5 * 1024 * 1024, `the store holds ${storeBytes(root)} bytes for a ${userLog.length}-byte log`);

  const logEvents = events.filter((e): e is Extract<JobEvent, { type: 'log' }> => e.type === 'log');
  const middle = logEvents[Math.floor(logEvents.length / 2)]!;
  const resumed = await plane.events(job.name, middle.seq);
  assert.equal(logText(resumed), logText(logEvents.filter((e) => e.seq > middle.seq)), 'Last-Event-ID resumes right after the last event seen');

  const downloaded = await plane.client.jobs.log(job.name);
  assert.ok(downloaded.equals(Buffer.from(userLog)));
});

test('a replay to a client that does not read waits for it instead of buffering the whole log', async (t) => {
  const root = await workspace(t, { 'job.yml': commandJob(`python3 -c "import sys\nfor i in range(400000): sys.stdout.write(f'{i:08d} ' + 'x' * 90 + chr(10))"`) });
  const plane = await startPlane(t, root);
  const job = await plane.submit('job.yml');
  assert.equal(await plane.finalStatus(job.name), 'Completed');
  let served: http.ServerResponse | undefined;
  plane.daemon.app.server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => request.url?.endsWith('/events') && (served = response));
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port: plane.daemon.info.port, path: `/api/jobs/${job.name}/events`, headers: { authorization: `Bearer ${plane.daemon.info.token}` } }, resolve);
    request.on('error', reject);
  });
  response.pause();
  const waiting = await waitFor('the replay to reach a client that reads nothing', () => served && served.writableLength > 1024 * 1024 && served);
  assert.ok(waiting.writableLength < 16 * 1024 * 1024, `${waiting.writableLength} bytes wait in the daemon for a client that reads nothing`);
  let body = '';
  response.setEncoding('utf8');
  response.on('data', (chunk: string) => (body += chunk)).resume();
  await new Promise((resolve) => response.on('end', resolve));
  const events = body.split('\n\n').flatMap((block) => block.split('\n').filter((line) => line.startsWith('data: ')).map((line) => JSON.parse(line.slice(6)) as JobEvent));
  const userLog = fs.readFileSync(path.join(root, '.mlw/runs', job.name, 'user_logs/std_log.txt'), 'utf8');
  assert.ok(logText(events).endsWith(userLog));
  assert.equal(new Set(events.map((e) => e.seq)).size, events.length, 'every event once');
  assert.equal(statuses(events).pop(), 'Completed');
});

test('multi-byte characters, a long line and a last line without newline stream exactly as the file holds them', async (t) => {
  const root = await workspace(t, { 'job.yml': commandJob(`python3 -c "import sys\nsys.stdout.write('é€😀' * 30000 + chr(10) + 'ü' * 100000 + chr(10) + 'end without newline')"`) });
  const plane = await startPlane(t, root);
  const job = await plane.submit('job.yml');
  const events = await plane.events(job.name);
  const userLog = fs.readFileSync(path.join(root, '.mlw/runs', job.name, 'user_logs/std_log.txt'), 'utf8');
  assert.ok(userLog.endsWith('end without newline'));
  const fromStore = await plane.events(job.name);
  assert.ok(logText(events).endsWith(userLog));
  assert.equal(logText(fromStore), logText(events), 'a replay from the store equals the live stream');
});

test('the log of a job whose run folder was removed is reported gone; an empty log is an empty answer', async (t) => {
  const root = await workspace(t, { 'quiet.yml': commandJob('true'), 'loud.yml': commandJob('echo something') });
  const plane = await startPlane(t, root);
  const quiet = await plane.submit('quiet.yml');
  const loud = await plane.submit('loud.yml');
  assert.equal(await plane.finalStatus(quiet.name), 'Completed');
  assert.equal(await plane.finalStatus(loud.name), 'Completed');
  assert.equal((await plane.client.jobs.log(quiet.name)).length, 0);
  fs.rmSync(path.join(root, '.mlw/runs', loud.name), { recursive: true });
  const gone = await plane.client.jobs.log(loud.name).then(() => undefined, (error: unknown) => error);
  assert.ok(gone instanceof ApiError, String(gone));
  assert.equal(gone.status, 404);
  assert.equal(gone.message, `the log of job ${loud.name} is gone: its run folder .mlw/runs/${loud.name} was removed`);
  assert.equal(logText(await plane.events(loud.name)).includes(`[mlw] ${gone.message}\n`), true, 'a replay says once why the log is missing');

  const target = path.join(root, 'downloads');
  const download = await cli(['job', 'download', loud.name, '--download-path', target, '--workspace', root]);
  assert.equal(download.status, 1, download.stdout);
  assert.match(download.stderr, /the log of job .* is gone: its run folder .* was removed/);
  assert.equal(fs.existsSync(path.join(target, loud.name, 'user_logs/std_log.txt')), false, 'no empty log file is written');
  const empty = await cli(['job', 'download', quiet.name, '--download-path', target, '--workspace', root]);
  assert.equal(empty.status, 0, empty.stderr);
  assert.equal(fs.readFileSync(path.join(target, quiet.name, 'user_logs/std_log.txt'), 'utf8'), '');
});

test('job show counts every output file, not only the listed ones', async (t) => {
  const root = await workspace(t, { 'job.yml': commandJob('python3 -c "import os, sys\nfor i in range(20000): open(os.path.join(sys.argv[1], f\'f{i:05d}.txt\'), \'w\').close()" ${{outputs.many}}', 'outputs:\n  many:\n') });
  const plane = await startPlane(t, root);
  const job = await plane.submit('job.yml');
  assert.equal(await plane.finalStatus(job.name), 'Completed');
  const detail = await plane.client.jobs.get(job.name);
  const output = detail.outputs.find((o) => o.name === 'many')!;
  assert.equal(output.fileCount, 20_000);
  assert.ok(output.files.length > 0 && output.files.length <= 20_000);
  assert.equal(output.files[0], 'f00000.txt');
  assert.match(describeJob(detail), /many \(uri_folder, rw_mount\): .*\[20,000 files\]/);
});

test('a workspace store from before log ranges opens, and its log chunks keep their text', async (t) => {
  const root = await workspace(t);
  const file = path.join(root, '.mlw/mlw.db');
  const old = new Database(file);
  for (const migration of MIGRATIONS.slice(0, 3)) old.exec(migration);
  old.exec('PRAGMA user_version = 3');
  old.run("INSERT INTO events (job_name, type, time, data) VALUES ('old-job', 'log', 0, ?)", [JSON.stringify({ text: 'stored with its text\n' })]);
  old.close();
  const store = Store.open(file, { exclusive: true });
  t.after(() => store.close());
  assert.equal(store.schemaVersion, MIGRATIONS.length);
  assert.deepEqual(logText(new EventLog(store).since(0, 'old-job')), 'stored with its text\n');
});
