import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Deepest JSON nesting a request body may have: far beyond any message of the APIs, far below the stack's limit. */
export const MAX_JSON_DEPTH = 64;

/** A JSON body nested deeper than `MAX_JSON_DEPTH`; each API answers it with 400 in its own error shape. */
export class JsonTooDeepError extends Error {
  readonly statusCode = 400;
  readonly code = 'MLW_JSON_TOO_DEEP';

  constructor() {
    super(`The request body is nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
}

/** Whether `text` opens more than `limit` nested arrays or objects (string contents do not count). */
export function jsonNestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c) i++;
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x7b || code === 0x5b) {
      if (++depth > limit) return true;
    } else if (code === 0x7d || code === 0x5d) depth--;
  }
  return false;
}

/**
 * Replaces a server's JSON body parser with one that checks nesting depth before parsing, so a deeply nested body
 * is a 400 rather than a stack overflow in the parser or in whatever walks the parsed value. Parsing itself stays
 * Fastify's (prototype-poisoning checks, empty-body errors). `onText`, if given, sees each body's text that passed
 * the depth check, just before it is parsed.
 */
export function useBoundedJsonParser(app: FastifyInstance, onText?: (request: FastifyRequest, text: string) => void): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH)) return done(new JsonTooDeepError(), undefined);
    onText?.(request, text);
    return parse(request, text, done);
  });
}
