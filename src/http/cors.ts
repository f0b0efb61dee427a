import type { Context, Next } from 'koa';
import { CORS_HEADERS, isCorsPath, preflightHeaders } from './http-policy.js';

const API_METHODS = 'GET, HEAD, POST, PUT, DELETE, OPTIONS';

/**
 * The CORS policy (http-policy.ts) on the koa routes: /api answers any site,
 * and its preflights are answered here, before routing. The /hls hot path
 * applies the same policy below koa.
 */
export function openCors() {
  return async (ctx: Context, next: Next): Promise<void> => {
    if (!isCorsPath(ctx.path)) return next();
    if (ctx.method === 'OPTIONS') {
      ctx.set(preflightHeaders(API_METHODS, ctx.get('Access-Control-Request-Headers'), 'Range, Content-Type, Authorization'));
      ctx.status = 204;
      return;
    }
    ctx.set(CORS_HEADERS);
    await next();
  };
}
