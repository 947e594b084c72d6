import type { FastifyError, FastifyInstance } from 'fastify';
import { ControlPlaneError, SpecRejected, type ControlPlaneErrorCode } from '../errors';
import type { ApiErrorBody } from './contracts';

const STATUS: Record<ControlPlaneErrorCode, number> = {
  bad_request: 400,
  invalid_data: 400,
  spec_rejected: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unsupported: 501,
  unavailable: 503,
};

/** The HTTP answer to an error thrown while serving a request: refusals by their class, anything else a 500. */
export function httpError(error: unknown): { status: number; body: ApiErrorBody } {
  if (error instanceof ControlPlaneError) {
    const findings = error instanceof SpecRejected && error.findings.length > 0 ? { findings: [...error.findings] } : {};
    return { status: STATUS[error.code], body: { error: error.code, message: error.message, ...findings } };
  }
  const fastify = error as Partial<FastifyError>;
  if (fastify.validation) return { status: 400, body: { error: 'bad_request', message: `request ${fastify.validationContext ?? 'body'} ${(fastify.message ?? '').replace(/^(body|params|querystring)\s*/, '')}` } };
  const status = fastify.statusCode && fastify.statusCode >= 400 && fastify.statusCode < 500 ? fastify.statusCode : 500;
  return { status, body: { error: status === 500 ? 'internal' : 'bad_request', message: error instanceof Error ? error.message : String(error) } };
}

/** Answers every error of `app`'s routes through `httpError`. */
export function useApiErrors(app: FastifyInstance): void {
  app.setErrorHandler((error, _request, reply) => {
    const { status, body } = httpError(error);
    return reply.code(status).send(body);
  });
}
