import type { Context, Middleware, Next } from 'koa';
import { ErrorCode, SharecastError } from '../errors.js';
import { sendError } from './error-response.js';

/** The order methods are listed in an Allow header. */
const ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** What the web site (static files, /vendor, /offline-image) takes on a path no router claims: it is read-only. */
export const SITE_METHODS = ['GET', 'HEAD', 'OPTIONS'] as const;

interface MatchedLayer {
  methods: readonly string[];
}

/**
 * The methods a request's path takes: those of every router route that
 * matched the path (koa-router records them in ctx.matched, whatever the
 * method), with OPTIONS, which the server always answers; the site's for a
 * path outside /api that no route claims; none for an unknown /api path.
 */
export function allowedMethods(ctx: Context): string[] {
  const matched = ((ctx as unknown as { matched?: MatchedLayer[] }).matched ?? []).flatMap((l) => l.methods);
  if (matched.length > 0) return ORDER.filter((m) => m === 'OPTIONS' || matched.includes(m));
  return ctx.path.startsWith('/api/') ? [] : [...SITE_METHODS];
}

/**
 * Mounted before the routes, it looks at what they left unanswered: a path
 * that exists under other methods gets 405 with a correct Allow header (an
 * OPTIONS gets 204 with it), whatever the method, known to koa-router or
 * not (TRACE, PROPFIND…); anything else stays a 404. Never a 5xx: koa-router's
 * own allowedMethods() answered 501 with an empty Allow for methods it does
 * not know.
 */
export function methodPolicy(): Middleware {
  return async (ctx: Context, next: Next): Promise<void> => {
    await next();
    if (ctx.status !== 404 || (ctx.body !== undefined && ctx.body !== null)) return;
    const allowed = allowedMethods(ctx);
    if (allowed.length === 0 || (ctx.method !== 'OPTIONS' && allowed.includes(ctx.method))) return;
    const allow = allowed.join(', ');
    if (ctx.method === 'OPTIONS') {
      ctx.status = 204;
      ctx.set('Allow', allow);
      return;
    }
    sendError(ctx, new SharecastError(ErrorCode.MethodNotAllowed, `${ctx.method} is not allowed here; use ${allow}`), { Allow: allow });
  };
}
