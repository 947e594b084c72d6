import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import type { TestContext } from 'node:test';
import { startPlane, workspace } from './control-plane';
import { httpRequest, type HttpReply } from './http';

/** The real MLflow 2.12.2 client and server, installed offline by ../shared/scripts/mlflow/install.sh. */
export const MLFLOW_SRC = process.env.MLFLOW_SRC ?? '/opt/mlflow-src';
export const MLFLOW_PYTHON = '/usr/bin/python3';
export const MLFLOW_CLIENT_IMAGE = 'localtest/mlflow-client:2.12.2';
export const SHARED_MLFLOW_SCRIPTS = new URL('../../../shared/scripts/mlflow/', `file://${__dirname}/`).pathname;

/** Why the real client cannot run here, or undefined. */
export function mlflowUnavailable(): string | undefined {
  if (!fs.existsSync(`${MLFLOW_SRC}/mlflow/version.py`)) return `no MLflow source in ${MLFLOW_SRC}; run ../shared/scripts/mlflow/install.sh (npm test's pretest does)`;
  if (!fs.existsSync(MLFLOW_PYTHON)) return `${MLFLOW_PYTHON} is missing`;
  return undefined;
}

/** Call first: false (test skipped) when the client is missing, except under CI where that is a failure. */
export function mlflowReady(t: TestContext): boolean {
  const reason = mlflowUnavailable();
  if (!reason) return true;
  if (process.env.CI === 'true') throw new Error(`the MLflow client is required under CI: ${reason}`);
  t.skip(reason);
  return false;
}

/** Runs Python code with the real client; resolves to stdout, rejects with stderr on a non-zero exit. */
export function runPython(code: string, env: Record<string, string>, args: string[] = [], timeoutMs = 180_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(MLFLOW_PYTHON, ['-c', code, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', PYTHONPATH: MLFLOW_SRC, GIT_PYTHON_REFRESH: 'quiet', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`python exited ${code}:\n${stderr.slice(-4000)}`))));
  });
}

export type MlflowReply = HttpReply;

/** One MLflow REST call on loopback: GET sends `params` as a query string, other methods as a JSON body. */
export function mlflowCall(port: number, token: string | undefined, method: string, route: string, params: Record<string, unknown> = {}, host = '127.0.0.1'): Promise<MlflowReply> {
  const query = method === 'GET' ? '?' + new URLSearchParams(Object.entries(params).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, String(x)]) : [[k, String(v)]]))).toString() : '';
  const payload = method === 'GET' ? undefined : Buffer.from(JSON.stringify(params));
  const path = route.startsWith('/') ? route : `/api/2.0/mlflow/${route}`;
  const headers = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}) };
  return httpRequest(port, method, path + (query === '?' ? '' : query), headers, payload, host);
}

export type MlflowCall = (method: string, route: string, params?: Record<string, unknown>) => Promise<MlflowReply>;

/** A control plane of the test's own, with `call` for its MLflow REST API and `ok`, which also asserts a 200. */
export async function startTracking(t: TestContext): Promise<{ call: MlflowCall; ok: MlflowCall; port: number; token: string }> {
  const plane = await startPlane(t, await workspace(t));
  const { port, token } = plane.daemon.info;
  const call: MlflowCall = (method, route, params) => mlflowCall(port, token, method, route, params);
  const ok: MlflowCall = async (method, route, params) => {
    const reply = await call(method, route, params);
    assert.equal(reply.status, 200, `${method} ${route}: ${reply.text}`);
    return reply;
  };
  return { call, ok, port, token };
}
