import http from 'node:http';
import https from 'node:https';
import type { ApiErrorBody, ArchiveResult, AssetRegistration, ComputeNodes, ComputeQueue, EnvironmentImage, Health, JobSubmission, MetricPoint, SecretStored, SpecRequest, TrackingRunData, Whoami, WorkspaceInfo } from './contracts';
import type { Role } from '../auth/roles';
import type { CreatedToken, TokenSummary } from '../auth/tokens';
import { routes } from './routes';
import type { BatchDeploymentCreated, BatchDeploymentDetail, BatchDeploymentRequest, BatchEndpointCreated, BatchEndpointDetail, BatchInvokeRequest, BatchUpdateRequest } from './batch-contracts';
import { CertificateMismatchError, PinnedAgent, type PinnedTls } from './pinned-tls';
import type { AssetDetail, AssetKind, AssetSummary, EndpointCredentials, JobDetail, JobEvent, JobSummary, OnlineDeploymentDetail, OnlineEndpointDetail } from '../vocabulary';
import type { DeploymentRequest, EndpointRequest } from '../endpoints/service';
import type { WorkspaceRegistryState } from '../engine/workspace-registry';

export class ApiError extends Error {
  constructor(readonly status: number, readonly body: ApiErrorBody) {
    super(body.message);
  }
}

export interface FollowOptions {
  /** The last event already seen (its `seq`): the stream continues after it; `latest` skips what is stored. */
  after?: number | 'latest';
  signal?: AbortSignal;
  /** Called each time a connection is established. */
  onOpen?: () => void;
}

/**
 * A client of one workspace's control plane (the CLI's and the editor's): one typed method per route. Paths are
 * built (and their names encoded) only in `routes`.
 */
export class ApiClient {
  private readonly transport: ApiTransport;

  /** `tls`: HTTPS, accepting only the certificate with this fingerprint. */
  constructor(readonly port: number, token: string, readonly host = '127.0.0.1', readonly tls?: PinnedTls) {
    this.transport = new ApiTransport(port, token, host, tls);
  }

  /** `timeoutMs`: give up when the daemon sends nothing for that long. */
  health(options: { timeoutMs?: number } = {}): Promise<Health> {
    return this.transport.request('GET', routes.health(), undefined, options);
  }

  /** Asks the daemon to stop; refused (409) while it runs a job. */
  shutdown(): Promise<{ stopping: boolean }> {
    return this.transport.request('POST', routes.shutdown());
  }

  /** The workspace's event stream (every job's events and asset changes); it ends only when `signal` aborts. */
  events(onEvent: (event: JobEvent) => void, options: FollowOptions = {}): Promise<void> {
    return this.transport.follow(routes.workspaceEvents(), onEvent, options);
  }

  readonly jobs = {
    submit: (spec: SpecRequest): Promise<JobSubmission> => this.transport.request('POST', routes.jobs(), spec),
    /** Newest first; `parent`: only the steps or trials of that pipeline or sweep job. */
    list: (filter: { parent?: string } = {}): Promise<JobSummary[]> => this.transport.request('GET', routes.jobs(filter)),
    get: (name: string): Promise<JobDetail> => this.transport.request('GET', routes.job(name)),
    cancel: (name: string): Promise<JobSummary> => this.transport.request('POST', routes.jobCancel(name)),
    /** The bytes the job printed (404 when its run folder was removed). */
    log: (name: string): Promise<Buffer> => this.transport.download(routes.jobLog(name)),
    /** One file of an output, `file` being its path inside the output (`a/b.txt`). */
    outputFile: (name: string, output: string, file: string): Promise<Buffer> => this.transport.download(routes.jobOutputFile(name, output, file)),
    /**
     * The job's events until its final status; `children`: also those of its steps or trials (the stream still ends
     * when the job itself ends).
     */
    events: (name: string, onEvent: (event: JobEvent) => void, options: FollowOptions & { children?: boolean } = {}): Promise<void> => {
      const { children, ...follow } = options;
      return this.transport.follow(routes.jobEvents(name, { children }), onEvent, follow);
    },
  };

  readonly assets = {
    register: (kind: AssetKind, spec: SpecRequest): Promise<AssetRegistration> => this.transport.request('POST', routes.assetRegister(kind), spec),
    /** `archived`: archived versions too. */
    list: (filter: { kind?: AssetKind; name?: string; archived?: boolean } = {}, options: { timeoutMs?: number } = {}): Promise<AssetSummary[]> =>
      this.transport.request('GET', routes.assets(filter), undefined, options),
    /** `version`: a version or `latest` (the default: the newest one not archived). */
    get: (kind: AssetKind, name: string, version?: string): Promise<AssetDetail> => this.transport.request('GET', routes.asset(kind, name, version)),
    /** Every version, or one. */
    archive: (kind: AssetKind, name: string, version?: string): Promise<ArchiveResult> => this.transport.request('POST', routes.assetArchive(kind, name, version)),
  };

  readonly environments = {
    /** The image a job using the environment runs in, and whether it is built. */
    image: (name: string, version?: string): Promise<EnvironmentImage> => this.transport.request('GET', routes.environmentImage(name, version)),
  };

  /** The workspace folder the daemon serves: its recorded spec and secrets store. */
  workspace(): Promise<WorkspaceInfo> {
    return this.transport.request('GET', routes.workspace());
  }

  /** Starts the workspace's own registry when its spec wants one; answers what stands for `container_registry`. */
  workspaceRegistry(): Promise<WorkspaceRegistryState> {
    return this.transport.request('POST', routes.workspaceRegistry(), undefined, { timeoutMs: 60_000 });
  }

  /** The role of this client's token. */
  whoami(): Promise<Whoami> {
    return this.transport.request('GET', routes.whoami());
  }

  /** The workspace's named tokens (the owner's only). */
  readonly tokens = {
    /** The answer holds the token's secret: the only time it is shown. */
    create: (name: string, role: Role): Promise<CreatedToken> => this.transport.request('POST', routes.tokens(), { name, role }),
    list: (): Promise<TokenSummary[]> => this.transport.request('GET', routes.tokens()),
    revoke: (name: string): Promise<{ revoked: string }> => this.transport.request('DELETE', routes.token(name)),
  };

  readonly batchEndpoints = {
    create: (spec: SpecRequest): Promise<BatchEndpointCreated> => this.transport.request('POST', routes.batchEndpoints(), spec),
    list: (): Promise<BatchEndpointDetail[]> => this.transport.request('GET', routes.batchEndpoints()),
    get: (name: string): Promise<BatchEndpointDetail> => this.transport.request('GET', routes.batchEndpoint(name)),
    /** A changed spec file, or `set` overrides of the stored spec; the name cannot change. */
    update: (name: string, request: BatchUpdateRequest): Promise<BatchEndpointCreated> => this.transport.request('PATCH', routes.batchEndpoint(name), request),
    /** The jobs its invocations started, newest first. */
    jobs: (name: string): Promise<JobSummary[]> => this.transport.request('GET', routes.batchEndpointJobs(name)),
    /** Deletes the endpoint with its deployments. */
    delete: (name: string): Promise<{ deleted: string; deployments: number }> => this.transport.request('DELETE', routes.batchEndpoint(name)),
    /** Scores an input with a deployment (the endpoint's default one unless `deployment` is given), as a job. */
    invoke: (name: string, request: BatchInvokeRequest): Promise<{ job: JobSummary }> => this.transport.request('POST', routes.batchEndpointInvoke(name), request),
  };

  readonly batchDeployments = {
    create: (request: BatchDeploymentRequest): Promise<BatchDeploymentCreated> => this.transport.request('POST', routes.batchDeploymentCreate(), request),
    list: (endpoint: string): Promise<BatchDeploymentDetail[]> => this.transport.request('GET', routes.batchDeployments(endpoint)),
    get: (endpoint: string, name: string): Promise<BatchDeploymentDetail> => this.transport.request('GET', routes.batchDeployment(endpoint, name)),
    /** A changed spec file, or `set` overrides of the stored spec, checked as on create; name, endpoint and type cannot change. */
    update: (endpoint: string, name: string, request: BatchUpdateRequest): Promise<BatchDeploymentCreated> => this.transport.request('PATCH', routes.batchDeployment(endpoint, name), request),
    /** The jobs invocations of this deployment started, newest first. */
    jobs: (endpoint: string, name: string): Promise<JobSummary[]> => this.transport.request('GET', routes.batchDeploymentJobs(endpoint, name)),
    delete: (endpoint: string, name: string): Promise<{ deleted: string }> => this.transport.request('DELETE', routes.batchDeployment(endpoint, name)),
  };

  readonly computes = {
    queue: (name: string): Promise<ComputeQueue> => this.transport.request('GET', routes.computeQueue(name)),
    /** A Swarm compute's nodes (400 for a compute of another type). */
    nodes: (name: string): Promise<ComputeNodes> => this.transport.request('GET', routes.computeNodes(name)),
  };

  readonly onlineEndpoints = {
    create: (request: EndpointRequest): Promise<OnlineEndpointDetail> => this.transport.request('POST', routes.onlineEndpoints(), request),
    /** A new spec, or (without `path`) only a new traffic split. */
    update: (name: string, request: EndpointRequest): Promise<OnlineEndpointDetail> => this.transport.request('PATCH', routes.onlineEndpoint(name), request),
    list: (): Promise<OnlineEndpointDetail[]> => this.transport.request('GET', routes.onlineEndpoints()),
    get: (name: string): Promise<OnlineEndpointDetail> => this.transport.request('GET', routes.onlineEndpoint(name)),
    delete: (name: string): Promise<{ deleted: string }> => this.transport.request('DELETE', routes.onlineEndpoint(name)),
    credentials: (name: string): Promise<EndpointCredentials> => this.transport.request('GET', routes.onlineEndpointCredentials(name)),
    regenerateKey: (name: string, keyType: 'primary' | 'secondary'): Promise<EndpointCredentials> => this.transport.request('POST', routes.onlineEndpointRegenerateKeys(name), { key_type: keyType }),
  };

  readonly onlineDeployments = {
    /** Answers at once (Creating); poll `get` until it is Succeeded or Failed. */
    create: (request: DeploymentRequest): Promise<OnlineDeploymentDetail> => this.transport.request('POST', routes.onlineDeployments(), request),
    update: (request: DeploymentRequest): Promise<OnlineDeploymentDetail> => this.transport.request('PATCH', routes.onlineDeployments(), request),
    list: (endpoint: string): Promise<OnlineDeploymentDetail[]> => this.transport.request('GET', routes.onlineEndpointDeployments(endpoint)),
    get: (endpoint: string, name: string): Promise<OnlineDeploymentDetail> => this.transport.request('GET', routes.onlineDeployment(endpoint, name)),
    delete: (endpoint: string, name: string): Promise<{ deleted: string }> => this.transport.request('DELETE', routes.onlineDeployment(endpoint, name)),
    logs: (endpoint: string, name: string, lines?: number): Promise<string> => this.transport.request('GET', routes.onlineDeploymentLogs(endpoint, name, lines)),
  };

  readonly secrets = {
    /** Keeps a datastore's credential in the workspace's secrets store; answers the reference to write in its place. */
    storeDatastoreCredential: (datastore: string, key: string, value: string): Promise<SecretStored> => this.transport.request('POST', routes.datastoreSecret(datastore, key), { value }),
  };

  /** The tracking API (MLflow's REST API) as the clients read it; a job's run id is the job's name. */
  readonly tracking = {
    run: (runId: string): Promise<{ run: { data: TrackingRunData } }> => this.transport.request('GET', routes.trackingRun(runId)),
    metricHistory: (runId: string, key: string, page: { maxResults?: number; pageToken?: string } = {}): Promise<{ metrics?: MetricPoint[]; next_page_token?: string }> =>
      this.transport.request('GET', routes.trackingMetricHistory(runId, key, page)),
  };

  close(): void {
    this.transport.close();
  }
}

/**
 * The HTTP under `ApiClient`: bearer-token JSON requests, downloads and server-sent event streams on any path.
 * Clients use `ApiClient`; this is for probing the HTTP surface itself (tests of the server).
 */
export class ApiTransport {
  private readonly agent: http.Agent;
  /** Event streams get a connection of their own each (none for plain HTTP: `agent: false`). */
  private readonly streamAgent: http.Agent | false;
  private readonly requestOf: typeof http.request;

  constructor(readonly port: number, private readonly token: string, readonly host = '127.0.0.1', tls?: PinnedTls) {
    this.agent = tls ? new PinnedAgent(tls, { keepAlive: true }) : new http.Agent({ keepAlive: true });
    this.streamAgent = tls ? new PinnedAgent(tls, { keepAlive: false }) : false;
    this.requestOf = tls ? https.request : http.request;
  }

  /** `timeoutMs`: give up (reject) when the daemon sends nothing for that long. */
  async request<T>(method: string, path: string, body?: unknown, options: { timeoutMs?: number } = {}): Promise<T> {
    const response = await this.send(method, path, body, options.timeoutMs);
    const text = response.body.toString('utf8');
    const type = response.headers['content-type'] ?? '';
    const parsed = type.includes('application/json') && text ? JSON.parse(text) : text;
    if (response.status >= 400) throw new ApiError(response.status, typeof parsed === 'object' ? parsed : { error: 'http_' + response.status, message: text || `HTTP ${response.status}` });
    return parsed as T;
  }

  /** Raw bytes of a download. */
  async download(path: string): Promise<Buffer> {
    const response = await this.send('GET', path);
    if (response.status >= 400) throw new ApiError(response.status, JSON.parse(response.body.toString('utf8')));
    return response.body;
  }

  /**
   * Follows a server-sent event stream until the server ends it (a job's terminal status) or `signal` aborts.
   * Reconnects after a dropped connection with `Last-Event-ID`, so no event is lost or repeated. `after: 'latest'`
   * skips what is stored; `onOpen` is called each time a connection is established.
   */
  async follow(path: string, onEvent: (event: JobEvent) => void, options: FollowOptions = {}): Promise<void> {
    let last: number | 'latest' = options.after ?? 0;
    for (let attempt = 0; !options.signal?.aborted; attempt++) {
      try {
        const ended = await this.followOnce(path, last, (event) => ((last = event.seq), onEvent(event)), options.signal, options.onOpen);
        if (ended) return;
      } catch (error) {
        if (options.signal?.aborted) return;
        if (error instanceof ApiError || error instanceof CertificateMismatchError || attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 50 * 2 ** attempt)));
      }
    }
  }

  close(): void {
    this.agent.destroy();
    if (this.streamAgent) this.streamAgent.destroy();
  }

  private followOnce(path: string, after: number | 'latest', onEvent: (event: JobEvent) => void, signal?: AbortSignal, onOpen?: () => void): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const request = this.requestOf({ host: this.host, port: this.port, path, method: 'GET', agent: this.streamAgent, headers: { authorization: `Bearer ${this.token}`, accept: 'text/event-stream', 'last-event-id': String(after) }, signal });
      request.on('error', reject);
      request.on('response', (response) => {
        if ((response.statusCode ?? 500) >= 400) {
          const chunks: Buffer[] = [];
          response.on('data', (c: Buffer) => chunks.push(c));
          response.on('end', () => reject(new ApiError(response.statusCode!, JSON.parse(Buffer.concat(chunks).toString('utf8') || '{"error":"http","message":"stream refused"}'))));
          return;
        }
        response.setEncoding('utf8');
        onOpen?.();
        let buffer = '';
        response.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = block.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\n');
            if (data) onEvent(JSON.parse(data) as JobEvent);
          }
        });
        response.on('end', () => resolve(true));
        response.on('error', reject);
        response.on('aborted', () => reject(new Error('event stream interrupted')));
      });
      request.end();
    });
  }

  private send(method: string, path: string, body?: unknown, timeoutMs?: number): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const request = this.requestOf(
        {
          host: this.host,
          port: this.port,
          path,
          method,
          agent: this.agent,
          headers: { authorization: `Bearer ${this.token}`, ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (c: Buffer) => chunks.push(c));
          response.on('end', () => resolve({ status: response.statusCode ?? 500, headers: response.headers, body: Buffer.concat(chunks) }));
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      if (timeoutMs !== undefined) request.setTimeout(timeoutMs, () => request.destroy(new Error(`no answer from mlw serve within ${timeoutMs} ms`)));
      request.end(payload);
    });
  }
}
