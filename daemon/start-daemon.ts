import crypto from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import https from 'node:https';
import type { FastifyInstance } from 'fastify';
import { DockerDriver } from '../core/compute/docker';
import { writePrivateFile } from '../core/data/fs-util';
import { asBlobDatastore } from '../core/data/blob';
import { ARTIFACT_DATASTORE } from '../core/data/datastores';
import { EnvironmentBuilder } from '../core/env/builder';
import { onlineEndpointRoutes, onlineEndpointsOf } from '../core/endpoints';
import { ControlPlane } from '../core/engine/control-plane';
import { runFiles, WorkspaceLayout } from '../core/engine/layout';
import { readRunRecord } from '../core/engine/run-record';
import { WorkspaceRegistry } from '../core/engine/workspace-registry';
import { readWorkspaceRecord } from '../core/engine/workspace-record';
import { Unavailable } from '../core/errors';
import { startBridgeListener, type BridgeListener } from '../core/tracking/bridge';
import { ListenerPorts, type PortMove } from '../core/tracking/listener-ports';
import { runTokenCheck, trackingPlugin } from '../core/tracking/plugin';
import { TrackingService } from '../core/tracking/service';
import { isAlive } from '../core/api/connect';
import { SERVE_INFO_FILE, type ServeInfo } from '../core/api/contracts';
import { createApi } from '../core/api/server';
import type { EventLog } from '../core/store/events';
import type { JobRow } from '../core/store/jobs';
import { remoteTrackingListeners, servedCertificate, tlsFor, type TlsRequest } from './tls';

export interface DaemonOptions {
  root: string;
  version: string;
  /** 0 or none: the port the daemon had last time when it is free, else a free one. */
  port?: number;
  /** The address to listen on (default 127.0.0.1); any other than loopback needs TLS. */
  host?: string;
  /** Default: none on loopback, a self-signed certificate elsewhere. */
  tls?: TlsRequest;
  /** Exit after this long without requests while no job runs; 0 never. */
  idleTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface RunningDaemon {
  info: ServeInfo;
  plane: ControlPlane;
  app: FastifyInstance;
  /** Resolves when the daemon stopped (idle, a signal, or `stop()`). */
  stopped: Promise<void>;
  /** Stops serving; with `cancelJobs` also stops active jobs (otherwise the next daemon picks them up). */
  stop(options?: { cancelJobs?: boolean }): Promise<void>;
}

/**
 * `mlw serve`: one daemon per workspace folder. It takes `.mlw/serve.lock`, listens on 127.0.0.1 (or, with TLS, on
 * the address asked for), publishes its URL, token and certificate fingerprint in `.mlw/serve.json` (mode 0600),
 * resumes what a previous daemon left running, and exits after an idle period. Jobs are not stopped when the daemon
 * exits: the next daemon picks them up.
 */
export async function startDaemon(options: DaemonOptions): Promise<RunningDaemon> {
  const layout = new WorkspaceLayout(options.root);
  const log = options.log ?? (() => {});
  const host = options.host ?? '127.0.0.1';
  const tls = tlsFor(host, options.tls);
  fs.mkdirSync(layout.mlwDir, { recursive: true });
  acquireLock(layout.serveLock);
  let plane: ControlPlane | undefined;
  let app: FastifyInstance | undefined;
  let tracking: TrackingService | undefined;
  let keeper: { close(): void } | undefined;
  let loopbackTracking: BridgeListener | undefined;
  const registry = new WorkspaceRegistry(layout.root, log);
  // Jobs left running by a previous daemon hold its listeners' ports in their tracking URI: each listener asks for its own again.
  const ports = new ListenerPorts(layout.listenerPorts, log);
  // A remote compute's containers reach the tracking API at its tracking_address: one listener per address.
  const remoteTracking = remoteTrackingListeners(layout, () => tracking, ports);
  try {
    const token = crypto.randomBytes(32).toString('hex');
    const certificate = tls === 'off' ? undefined : await servedCertificate(tls, layout, host);
    let docker: DockerDriver | undefined;
    let builder: EnvironmentBuilder | undefined;
    let idle: IdleTimer | undefined;
    plane = new ControlPlane(layout.root, {
      docker: () => (docker ??= new DockerDriver({ user: defaultContainerUser() })),
      environments: () => (builder ??= new EnvironmentBuilder()),
      onIdle: () => idle?.touch(),
      runEnvironment: async (job, target) => {
        const env = (await tracking?.runEnvironment(job, target.containerized)) ?? {};
        const moved = ports.moved(target.containerized ? 'bridge' : certificate ? 'loopback' : 'api');
        if (moved && plane && env.MLFLOW_TRACKING_URI) sayTrackingLost(job, moved, plane.events);
        return env;
      },
      trackingAt: async (address) => {
        const at = await remoteTracking.at(address);
        const moved = ports.moved(`address:${address}`);
        return moved ? { ...at, movedFrom: moved.from } : at;
      },
      workspaceRegistry: (hostAddress) => registry.addressesFor(hostAddress),
    });
    const datastores = plane;
    tracking = new TrackingService({
      store: plane.store, assets: plane.assets, events: plane.events, jobs: plane.jobs, mlwDir: plane.layout.mlwDir,
      artifactDatastore: () => {
        const record = datastores.datastoreRecord(ARTIFACT_DATASTORE);
        return record ? asBlobDatastore(record) : undefined;
      },
    });
    tracking.start();
    const mlflowImage = process.env.MLW_MLFLOW_SERVING_IMAGE;
    // Behind TLS, endpoints serve HTTPS with the daemon's certificate on its address, so other machines invoke them.
    const scoring = certificate ? { scoring: { host, urlHost: urlHost(host), tls: { cert: certificate.cert, key: certificate.key } } } : {};
    const endpoints = onlineEndpointsOf(plane, { user: defaultContainerUser(), environments: () => (builder ??= new EnvironmentBuilder()), ...(mlflowImage ? { mlflowImage } : {}), ...scoring });
    const activeTracking = tracking;
    const streams = { open: 0 };
    const stopRef: { current?: () => Promise<void> } = {};
    app = createApi(plane, { token, version: options.version, streams, shutdown: () => void stopRef.current?.(), plugins: [trackingPlugin(tracking), onlineEndpointRoutes(endpoints), registryRoute(registry)], acceptToken: runTokenCheck(tracking),
      ...(certificate ? { serverFactory: (handler) => https.createServer({ cert: certificate.cert, key: certificate.key }, handler) as unknown as http.Server } : {}) });
    const activePlane = plane;
    app.addHook('onRequest', async () => idle?.touch());
    const listening = app;
    const listenApi = async (at: number): Promise<number> => {
      await listening.listen({ host, port: at });
      const address = listening.server.address();
      return typeof address === 'object' && address ? address.port : 0;
    };
    const port = options.port ? await listenApi(options.port) : await ports.listen('api', 'the API', listenApi, (at) => at);
    const url = `${certificate ? 'https' : 'http'}://${urlHost(host)}:${port}`;
    const info: ServeInfo = { pid: process.pid, port, token, version: options.version, startedAt: new Date().toISOString(), url, ...(certificate ? { tlsFingerprint: certificate.fingerprint256 } : {}) };
    // Host processes reach the tracking API over plain HTTP on loopback: behind TLS that is a listener of its own.
    const loopbackService = tracking;
    loopbackTracking = certificate ? await ports.listen('loopback', 'the loopback tracking listener', (at) => startBridgeListener(loopbackService, { address: '127.0.0.1', port: at, onRequest: () => idle?.touch() }), (listener) => listener.port) : undefined;
    // Containers reach the tracking API on the Docker bridge; that listener starts with the first container run.
    let bridge: Promise<BridgeListener> | undefined;
    tracking.listenAt({
      loopback: `http://127.0.0.1:${loopbackTracking?.port ?? port}`,
      container: async () => {
        bridge ??= ports.listen('bridge', 'the Docker bridge tracking listener', (at) => startBridgeListener(activeTracking, { port: at, onRequest: () => idle?.touch() }), (listener) => listener.port, port);
        return (await bridge.catch((error: unknown) => ((bridge = undefined), Promise.reject(error)))).url;
      },
    });
    const activeLoopbackTracking = loopbackTracking;
    // A workspace with its own registry has it while the daemon runs (up before clients find the daemon); a failure
    // is said again to whoever needs the registry.
    if (wantsOwnRegistry(layout.root, log)) await registry.ensure().catch((error: unknown) => log(`mlw serve: the workspace registry is not running: ${(error as Error).message}`));
    const infoText = JSON.stringify(info, null, 2);
    writePrivateFile(layout.serveInfo, infoText);
    const activeKeeper = (keeper = keepServeInfo(layout, infoText, log));
    plane.start();
    await endpoints.start();
    log(`mlw serve: workspace ${layout.root}, ${url}, pid ${process.pid}`);
    if (certificate) log(`mlw serve: TLS certificate ${certificate.certFile}, SHA-256 fingerprint ${certificate.fingerprint256}`);

    let resolveStopped!: () => void;
    const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
    let stopping: Promise<void> | undefined;
    const readyApp = app;
    const stop = (stopOptions: { cancelJobs?: boolean } = {}): Promise<void> =>
      (stopping ??= (async () => {
        idle?.cancel();
        await endpoints.close();
        await registry.close();
        if (stopOptions.cancelJobs) await activePlane.close({ cancelJobs: true });
        await readyApp.close();
        await bridge?.then((listener) => listener.close(), () => undefined);
        await remoteTracking.close();
        await activeLoopbackTracking?.close();
        activeTracking.close();
        activeKeeper.close();
        removeIfOurs(layout.serveInfo, (text) => (JSON.parse(text) as ServeInfo).pid === process.pid);
        removeIfOurs(layout.serveLock, (text) => Number(text) === process.pid);
        await activePlane.close();
        log('mlw serve: stopped');
        resolveStopped();
      })());
    stopRef.current = () => {
      log('mlw serve: stopping at a client\'s request (a newer mlw replaces it)');
      return stop();
    };
    if (options.idleTimeoutMs && options.idleTimeoutMs > 0) {
      idle = new IdleTimer(options.idleTimeoutMs, () => activePlane.activeJobs === 0 && streams.open === 0 && !endpoints.serving, () => {
        log(`mlw serve: idle for ${Math.round(options.idleTimeoutMs! / 1000)} s with no running job and no client following, exiting`);
        void stop();
      });
    }
    return { info, plane, app, stopped, stop };
  } catch (error) {
    keeper?.close();
    await registry.close();
    await remoteTracking.close();
    await loopbackTracking?.close();
    await app?.close();
    tracking?.close();
    plane?.store.close();
    removeIfOurs(layout.serveLock, (text) => Number(text) === process.pid);
    throw error;
  }
}

/**
 * A job started by an earlier daemon logs to the port it was given then: when that port was taken and its listener
 * moved, the job's log says that its tracking is lost.
 */
function sayTrackingLost(job: JobRow, moved: PortMove, events: EventLog): void {
  if (!readRunRecord(job.run_dir).starting) return;
  const text = `[mlw] tracking lost: this run logs to port ${moved.from}, which another program took while the control plane restarted; the tracking API listens on ${moved.to} now, so what the run logs from here on is not recorded\n`;
  try {
    fs.appendFileSync(runFiles(job.run_dir).systemLogFile, `${new Date().toISOString()} ${text}`);
  } catch {
    // The event below still tells whoever follows the job.
  }
  events.append(job.name, { type: 'log', text });
}

/** Whether the recorded workspace runs its own registry (a damaged record is said in the log, and is no reason not to serve). */
function wantsOwnRegistry(root: string, log: (line: string) => void): boolean {
  try {
    const spec = readWorkspaceRecord(root)?.spec;
    return !!spec && !spec.container_registry;
  } catch (error) {
    log(`mlw serve: ${(error as Error).message}`);
    return false;
  }
}

/** `POST /api/workspace/registry`: `mlw workspace create` has the daemon set up the registry the recorded spec wants. */
function registryRoute(registry: WorkspaceRegistry): (app: FastifyInstance) => void {
  return (app) =>
    app.post('/api/workspace/registry', async () => {
      try {
        return await registry.ensure();
      } catch (error) {
        throw new Unavailable((error as Error).message, { cause: error });
      }
    });
}

/** How clients on this machine name the listener: an unspecified address (all interfaces) is reached on loopback. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '[::]') return '127.0.0.1';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** Containers run as the daemon's own user (so output files belong to the user), never as root. */
function defaultContainerUser(): string {
  const uid = process.getuid?.() ?? 1000;
  const gid = process.getgid?.() ?? 1000;
  return uid === 0 ? '1000:1000' : `${uid}:${gid}`;
}

export class DaemonRunningError extends Error {
  constructor(readonly pid: number) {
    super(`mlw serve is already running for this workspace (pid ${pid})`);
  }
}

function acquireLock(file: string): void {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(fs.readFileSync(file, 'utf8').trim());
      if (holder && holder !== process.pid && isAlive(holder)) throw new DaemonRunningError(holder);
      fs.rmSync(file, { force: true });
    }
  }
  throw new Error(`cannot take ${file}`);
}

/**
 * Clients find the daemon only through serve.json: while this daemon holds the lock, it puts the file back when
 * something changes or removes it.
 */
function keepServeInfo(layout: WorkspaceLayout, text: string, log: (line: string) => void): { close(): void } {
  let pending: NodeJS.Timeout | undefined;
  const repair = (): void => {
    pending = undefined;
    let current: string | undefined;
    try {
      current = fs.readFileSync(layout.serveInfo, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === text) return;
    // Without our lock the folder is being removed (or taken over): putting the file back would get in the way.
    if (!holdsLock(layout.serveLock)) return;
    try {
      writePrivateFile(layout.serveInfo, text);
      log(`mlw serve: ${layout.serveInfo} was ${current === undefined ? 'removed' : 'changed'}; wrote it again`);
    } catch (error) {
      log(`mlw serve: cannot write ${layout.serveInfo} again: ${(error as Error).message}`);
    }
  };
  // A short delay lets a writer finish before the file is read; the watched folder also sees the store's writes.
  const watcher = fs.watch(layout.mlwDir, (_event, file) => {
    if (file === SERVE_INFO_FILE || file === null) pending ??= setTimeout(repair, 10);
  });
  watcher.on('error', () => watcher.close());
  return {
    close: () => {
      clearTimeout(pending);
      watcher.close();
    },
  };
}

function holdsLock(file: string): boolean {
  try {
    return Number(fs.readFileSync(file, 'utf8').trim()) === process.pid;
  } catch {
    return false;
  }
}

function removeIfOurs(file: string, ours: (text: string) => boolean): void {
  try {
    if (ours(fs.readFileSync(file, 'utf8'))) fs.rmSync(file, { force: true });
  } catch {
    // Already gone or replaced by another daemon.
  }
}

class IdleTimer {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly ms: number, private readonly idle: () => boolean, private readonly onIdle: () => void) {
    this.touch();
  }

  touch(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => (this.idle() ? this.onIdle() : this.touch()), this.ms);
    this.timer.unref();
  }

  cancel(): void {
    clearTimeout(this.timer);
  }
}
