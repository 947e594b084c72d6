import type { FastifyInstance } from 'fastify';
import { callerOf } from '../auth/guard';
import type { ApiTokens } from '../auth/tokens';
import { ROLES } from '../auth/roles';
import type { Whoami } from './contracts';

const createBody = {
  type: 'object',
  required: ['name', 'role'],
  additionalProperties: false,
  properties: { name: { type: 'string', minLength: 1, maxLength: 64 }, role: { type: 'string', enum: [...ROLES] } },
} as const;

/** `/api/tokens` (the owner's: named tokens with a role) and `/api/whoami` (anyone's role). */
export function tokenRoutes(app: FastifyInstance, tokens: ApiTokens): void {
  app.get('/api/whoami', async (request): Promise<Whoami> => {
    const caller = callerOf(request);
    return { role: caller?.role ?? 'reader', ...(caller?.name ? { name: caller.name } : {}) };
  });
  app.post<{ Body: { name: string; role: string } }>('/api/tokens', { schema: { body: createBody } }, async (request, reply) => reply.code(201).send(tokens.create(request.body.name, request.body.role)));
  app.get('/api/tokens', async () => tokens.list());
  app.delete<{ Params: { name: string } }>('/api/tokens/:name', async (request) => {
    tokens.revoke(request.params.name);
    return { revoked: request.params.name };
  });
}
