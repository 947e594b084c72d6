import crypto from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { allows, refusal, type CallerRole } from './roles';
import { permissionOf, requirementOf, type RoutePermission } from './route-table';
import type { ApiTokens } from './tokens';

/** Who sent a request: the owner's workspace token, a named token, or a job's run token. */
export interface Caller {
  role: CallerRole;
  /** The named token's name; none for the workspace token and run tokens. */
  name?: string;
}

export interface GuardOptions {
  /** The owner's token (`.mlw/serve.json`). */
  ownerToken: string;
  tokens: ApiTokens;
  /** Accepts a run token on the routes that take one (the tracking service records its run). */
  acceptRunToken?: (token: string, request: FastifyRequest) => boolean;
}

interface GuardedConfig {
  permissions?: Partial<Record<string, RoutePermission>>;
}

const callers = new WeakMap<object, Caller>();

/** The caller of a request the guard let through. */
export function callerOf(request: FastifyRequest): Caller | undefined {
  return callers.get(request.raw);
}

/**
 * The workspace API's one authentication and authorization check. Every route must be in the route table: one that
 * is not is refused when it is registered. Each request is then authenticated (401 without a valid token) and checked
 * against its route's requirement (403 naming the role and the action).
 */
export function useGuard(app: FastifyInstance, options: GuardOptions): void {
  const owner = Buffer.from(options.ownerToken);
  app.addHook('onRoute', (route) => {
    const permissions: Record<string, RoutePermission> = {};
    for (const method of [route.method].flat()) {
      const permission = permissionOf(method, route.url);
      if (!permission) throw new Error(`the route ${method} ${route.url} declares no permission: add it to core/auth/route-table.ts`);
      permissions[method] = permission;
    }
    route.config = { ...(route.config as object), permissions } as typeof route.config;
  });

  const identify = (token: string, request: FastifyRequest, permission: RoutePermission | undefined): Caller | undefined => {
    const given = Buffer.from(token);
    if (given.length === owner.length && crypto.timingSafeEqual(given, owner)) return { role: 'owner' };
    const named = options.tokens.verify(token);
    if (named) return named;
    if (permission?.runToken && options.acceptRunToken?.(token, request)) return { role: 'run' };
    return undefined;
  };

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const permission = (request.routeOptions.config as GuardedConfig | undefined)?.permissions?.[request.method];
    const header = request.headers.authorization;
    const caller = header?.startsWith('Bearer ') ? identify(header.slice(7), request, permission) : undefined;
    if (!caller) return reply.code(401).send({ error: 'unauthorized', message: 'missing or wrong token: send Authorization: Bearer <token> (see .mlw/serve.json, or `mlw token create`)' });
    callers.set(request.raw, caller);
    // No permission: no such route, answered 404. A run token is limited to its run by the tracking service.
    if (!permission || caller.role === 'run') return;
    const requirement = requirementOf(permission, request.params);
    if (allows(caller.role, requirement.need)) return;
    const message = refusal(caller.role, requirement.action);
    return reply.code(403).send(permission.runToken || isMlflow(request.url) ? { error_code: 'PERMISSION_DENIED', message } : { error: 'forbidden', message });
  });
}

function isMlflow(url: string): boolean {
  return !url.startsWith('/api/') || url.startsWith('/api/2.0/');
}
