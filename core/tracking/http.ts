import type { Readable } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { JsonTooDeepError, useBoundedJsonParser } from '../api/json-body';
import { MlflowError } from './errors';
import { RequestFields } from './request';
import { topLevelFloatFields } from './schema';
import type { TrackingService } from './service';

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface TrackingContext {
  tracking: TrackingService;
  fields: RequestFields;
  request: FastifyRequest;
  reply: FastifyReply;
}

export type Handler = (context: TrackingContext) => unknown;

/**
 * Registers an MLflow endpoint for its methods. GET reads the message from the query string, the others from the
 * JSON body. A handler returns the response object (or a promise of it); strings and buffers are sent as JSON text.
 */
export function endpoint(app: FastifyInstance, tracking: TrackingService, methods: Method[], url: string, handler: Handler): void {
  app.route({
    method: methods,
    url,
    handler: async (request, reply) => {
      const source = (request.method === 'GET' ? request.query : request.body) ?? {};
      if (typeof source !== 'object' || Array.isArray(source)) throw new MlflowError('MALFORMED_REQUEST', 'The request body must be a JSON object');
      const fields = new RequestFields(source as Record<string, unknown>, () => topLevelFloatFields(bodyTexts.get(request.raw) ?? ''));
      const result = await handler({ tracking, fields, request, reply });
      if (reply.sent) return reply;
      if (typeof result === 'string' || Buffer.isBuffer(result)) return reply.type('application/json; charset=utf-8').send(result);
      return reply.send(result ?? {});
    },
  });
}

/** Each request's JSON text, so that an error message can tell a float literal (`9.0`) from an integer. */
const bodyTexts = new WeakMap<object, string>();

/**
 * The server's JSON body parser (nesting bound included), which also keeps the text: MLflow's messages show `9.0`
 * where JSON.parse gives 9, and which fields were written as floats is read from it only for such a message.
 */
export function useMlflowJsonBodies(app: FastifyInstance): void {
  useBoundedJsonParser(app, (request, text) => bodyTexts.set(request.raw, text));
}

/** MLflow's error shape for everything under the tracking prefix. */
export function useMlflowErrors(app: FastifyInstance): void {
  app.setErrorHandler(mlflowErrorReply);
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error_code: 'ENDPOINT_NOT_FOUND', message: `No API endpoint ${request.method} ${request.url.split('?')[0]}` }));
}

/** Answers an error in MLflow's shape. */
export function mlflowErrorReply(error: FastifyError | MlflowError, _request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof MlflowError) return reply.code(error.httpStatus).send(error.toJSON());
  if (error instanceof JsonTooDeepError) return reply.code(400).send({ error_code: 'INVALID_PARAMETER_VALUE', message: error.message });
  const status = error.statusCode ?? 500;
  if (status === 413) return reply.code(413).send({ error_code: 'REQUEST_LIMIT_EXCEEDED', message: error.message });
  if (status >= 400 && status < 500) return reply.code(status).send({ error_code: 'MALFORMED_REQUEST', message: error.message });
  return reply.code(500).send({ error_code: 'INTERNAL_ERROR', message: error.message });
}

/** Streams an opened file as a download, as MLflow's artifact routes do. */
export function sendFile(reply: FastifyReply, file: { stream: Readable; name: string }): FastifyReply {
  return reply.type('application/octet-stream').header('content-disposition', `attachment; filename=${JSON.stringify(file.name)}`).send(file.stream);
}
