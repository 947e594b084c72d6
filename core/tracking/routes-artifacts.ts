import type { FastifyInstance } from 'fastify';
import type { Readable } from 'node:stream';
import { safeRelativePath } from './artifacts';
import { invalid } from './errors';
import { sendFile, useMlflowErrors } from './http';
import { RequestFields } from './request';
import type { TrackingService } from './service';

/**
 * `mlflow-artifacts/artifacts/*`: the artifact proxy the client uses for `mlflow-artifacts:` URIs. Bodies are
 * streamed to the datastore, whatever their content type (a `.json` artifact arrives as `application/json`).
 */
export function artifactRoutes(app: FastifyInstance, tracking: TrackingService): void {
  void app.register(async (scope) => {
    useMlflowErrors(scope);
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

    scope.get('/artifacts', async (request) => {
      const fields = new RequestFields((request.query ?? {}) as Record<string, unknown>);
      const relative = fields.has('path') ? safeRelativePath(fields.optionalString('path') ?? '') : '';
      const within = tracking.requireArtifactRead(request.raw, relative);
      const files = await tracking.artifacts.list(relative, undefined, within);
      return files.length ? { files } : {};
    });

    scope.get<{ Params: { '*': string } }>('/artifacts/*', async (request, reply) => {
      const relative = artifactPath(request.params['*']);
      const within = tracking.requireArtifactRead(request.raw, relative);
      return sendFile(reply, await tracking.artifacts.open(relative, within));
    });

    scope.put<{ Params: { '*': string } }>('/artifacts/*', async (request) => {
      const relative = artifactPath(request.params['*']);
      tracking.requireArtifactWrite(request.raw, relative);
      const body = (request.body as Readable | undefined) ?? request.raw;
      await tracking.artifacts.write(relative, body);
      return {};
    });

    scope.delete<{ Params: { '*': string } }>('/artifacts/*', async (request) => {
      const relative = artifactPath(request.params['*']);
      tracking.requireArtifactWrite(request.raw, relative);
      await tracking.artifacts.delete(relative);
      return {};
    });
  }, { prefix: '/api/2.0/mlflow-artifacts' });
}

function artifactPath(raw: string): string {
  const relative = safeRelativePath(raw);
  if (!relative) throw invalid('An artifact path is required');
  return relative;
}
