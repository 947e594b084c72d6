import fs from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerFactory } from 'fastify';
import { useGuard } from '../auth/guard';
import { ApiTokens } from '../auth/tokens';
import { LinkEscapeError, NotAFileError, readStreamInside } from '../data/contained-fs';
import { isMissingPath } from '../data/fs-util';
import type { ControlPlane } from '../engine/control-plane';
import { storeComputeSecret } from '../secrets/compute-credentials';
import { storeDatastoreSecret } from '../secrets/datastore-credentials';
import { BadRequest, Conflict, Forbidden, NotFound, Unsupported } from '../errors';
import { BODY_SCHEMAS, MAX_BODY_BYTES, type ApiErrorBody, type Health, type SecretRequest, type SecretStored, type SpecRequest } from './contracts';
import { useApiErrors } from './errors';
import { ASSET_KINDS, type AssetKind } from '../vocabulary';
import { useBoundedJsonParser } from './json-body';
import { streamEvents, type StreamCounter } from './sse';
import { tokenRoutes } from './token-routes';
import { workspaceInfo } from '../engine/workspace-record';
import { batchEndpointRoutes } from './batch-routes';

export interface ApiOptions {
  token: string;
  version: string;
  /** Extra routes (the tracking API) registered on the same server. */
  plugins?: ((app: FastifyInstance) => void)[];
  /** Accepts a per-run token on the routes that take one (core/auth/route-table.ts): the tracking API's. */
  acceptToken?: (token: string, request: FastifyRequest) => boolean;
  /** Counts open event streams: a daemon with a client following it is not idle. */
  streams?: StreamCounter;
  /** `POST /api/shutdown`: stops the daemon once the answer is sent, unless a job runs (a newer client replaces it). */
  shutdown?: () => void;
  /** Makes the HTTP server (the daemon's HTTPS server when it serves TLS); Node's plain HTTP server otherwise. */
  serverFactory?: FastifyServerFactory;
}

const kindParam = { type: 'object', required: ['kind'], properties: { kind: { type: 'string', enum: [...ASSET_KINDS] } } } as const;

/** The workspace API: token-authenticated JSON over HTTP, plus server-sent event streams. */
export function createApi(plane: ControlPlane, options: ApiOptions): FastifyInstance {
  const app = Fastify({ bodyLimit: MAX_BODY_BYTES, logger: false, forceCloseConnections: true, ...(options.serverFactory ? { serverFactory: options.serverFactory } : {}), ajv: { customOptions: { allErrors: false, removeAdditional: false } } });
  useBoundedJsonParser(app);
  const tokens = new ApiTokens(plane.store);
  useGuard(app, { ownerToken: options.token, tokens, ...(options.acceptToken ? { acceptRunToken: options.acceptToken } : {}) });

  useApiErrors(app);

  app.setNotFoundHandler((request, reply) => reply.code(404).send(errorBody('not_found', `no route ${request.method} ${request.url}`)));

  app.post('/api/shutdown', async (_request, reply) => {
    if (!options.shutdown) throw new Unsupported('this control plane cannot be stopped over the API');
    // Checked here too: a job may have started since the client read /api/health.
    if (plane.activeJobs > 0) throw new Conflict(`this control plane runs ${plane.activeJobs} job(s); it stops only when idle`);
    reply.raw.once('finish', () => options.shutdown!());
    return { stopping: true };
  });

  app.get('/api/health', async (): Promise<Health> => ({ version: options.version, pid: process.pid, workspace: plane.layout.root, runningJobs: plane.activeJobs }));
  app.get('/api/workspace', async () => workspaceInfo(plane.layout.root));

  app.post<{ Params: { kind: AssetKind }; Body: SpecRequest }>('/api/assets/:kind', { schema: { params: kindParam, body: BODY_SCHEMAS.specRequest } }, async (request, reply) => {
    const result = await plane.loader.locatingDataErrors(request.body, () => plane.registerAsset(request.params.kind, request.body));
    return reply.code(result.created ? 201 : 200).send(result);
  });

  app.get<{ Querystring: { kind?: AssetKind; name?: string; archived?: boolean } }>(
    '/api/assets',
    { schema: { querystring: { type: 'object', properties: { kind: { type: 'string', enum: [...ASSET_KINDS] }, name: { type: 'string' }, archived: { type: 'boolean' } } } } },
    async (request) => plane.assets.list(request.query.kind, request.query.name, request.query.archived ?? false),
  );

  app.get<{ Params: { kind: AssetKind; name: string }; Querystring: { version?: string } }>('/api/assets/:kind/:name', { schema: { params: kindParam } }, async (request) => {
    const { kind, name } = request.params;
    const asset = plane.assets.get(kind, name, request.query.version);
    if (!asset) throw new NotFound(`no ${kind} named ${name}${request.query.version ? ` with version ${request.query.version}` : ''}`);
    return asset;
  });

  app.get<{ Params: { name: string }; Querystring: { version?: string } }>('/api/assets/environment/:name/image', async (request) => plane.environmentImage(request.params.name, request.query.version));

  app.post<{ Params: { kind: AssetKind; name: string }; Querystring: { version?: string } }>('/api/assets/:kind/:name/archive', { schema: { params: kindParam } }, async (request) => {
    const { kind, name } = request.params;
    const changed = plane.assets.archive(kind, name, request.query.version);
    if (changed === 0) throw new NotFound(`no ${kind} named ${name}${request.query.version ? ` with version ${request.query.version}` : ''}`);
    return { archived: changed };
  });

  app.post<{ Body: SpecRequest }>('/api/jobs', { schema: { body: BODY_SCHEMAS.specRequest } }, async (request, reply) => reply.code(201).send(await plane.loader.locatingDataErrors(request.body, () => plane.submitJob(request.body))));
  app.get<{ Querystring: { parent?: string } }>('/api/jobs', { schema: { querystring: { type: 'object', properties: { parent: { type: 'string' } } } } }, async (request) => plane.listJobs(request.query.parent));
  app.get<{ Params: { name: string } }>('/api/jobs/:name', async (request) => plane.jobDetail(request.params.name));
  app.post<{ Params: { name: string } }>('/api/jobs/:name/cancel', async (request) => plane.cancelJob(request.params.name));

  app.get<{ Params: { name: string } }>('/api/jobs/:name/logs', async (request, reply) => {
    const file = plane.logFile(request.params.name);
    reply.type('text/plain; charset=utf-8');
    return fs.existsSync(file) ? fs.createReadStream(file) : '';
  });

  app.get<{ Params: { name: string; output: string; '*': string } }>('/api/jobs/:name/outputs/:output/files/*', async (request, reply) => {
    const { root, relative } = plane.outputFolder(request.params.name, request.params.output);
    const file = request.params['*'];
    if (file.split(/[\\/]/).includes('..')) throw new BadRequest(`${file} is outside the output folder`);
    try {
      return reply.type('application/octet-stream').send(readStreamInside(root, path.join(relative, file)).stream);
    } catch (error) {
      if (error instanceof LinkEscapeError) throw new Forbidden(`output ${request.params.output}: ${error.message}`);
      if (error instanceof NotAFileError || isMissingPath(error)) throw new NotFound(`output ${request.params.output} has no file ${file}`);
      throw error;
    }
  });

  app.get<{ Params: { name: string }; Querystring: { children?: boolean } }>('/api/jobs/:name/events', { schema: { querystring: { type: 'object', properties: { children: { type: 'boolean' } } } } }, (request, reply) => {
    const job = plane.requireJob(request.params.name);
    streamEvents(plane, request, reply, job.name, options.streams, { children: request.query.children ?? false });
  });
  app.get('/api/events', (request: FastifyRequest, reply: FastifyReply) => streamEvents(plane, request, reply, undefined, options.streams));

  app.get<{ Params: { name: string } }>('/api/computes/:name/queue', async (request) => plane.queue(request.params.name));
  app.get<{ Params: { name: string } }>('/api/computes/:name/nodes', async (request) => plane.nodes(request.params.name));
  tokenRoutes(app, tokens);
  batchEndpointRoutes(app, plane);

  app.post<{ Params: { name: string; key: string }; Body: SecretRequest }>('/api/secrets/datastores/:name/:key', { schema: { body: BODY_SCHEMAS.secretRequest } }, async (request): Promise<SecretStored> => ({
    reference: storeDatastoreSecret(plane.secrets, request.params.name, request.params.key, request.body.value),
  }));
  app.post<{ Params: { name: string; key: string }; Body: SecretRequest }>('/api/secrets/computes/:name/:key', { schema: { body: BODY_SCHEMAS.secretRequest } }, async (request): Promise<SecretStored> => ({
    reference: storeComputeSecret(plane.secrets, request.params.name, request.params.key, request.body.value),
  }));

  for (const plugin of options.plugins ?? []) plugin(app);
  return app;
}

function errorBody(error: string, message: string): ApiErrorBody {
  return { error, message };
}
