import type { Context, Next } from 'koa';

const EXPOSED = 'Content-Length, Content-Range, Content-Type, ETag, Last-Modified, Accept-Ranges';

/**
 * CORS open on /api, so the stream's status can be read from any site (the
 * /hls hot path sets its own, see hls-handler.ts). Credentials are never
 * allowed cross-origin.
 */
export function openCors() {
  return async (ctx: Context, next: Next): Promise<void> => {
    const path = ctx.path;
    if (!path.startsWith('/api/')) return next();
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.set('Access-Control-Expose-Headers', EXPOSED);
    if (ctx.method === 'OPTIONS') {
      ctx.set('Access-Control-Allow-Methods', 'GET, HEAD, POST, PUT, DELETE, OPTIONS');
      ctx.set('Access-Control-Allow-Headers', ctx.get('Access-Control-Request-Headers') || 'Range, Content-Type, Authorization');
      ctx.set('Access-Control-Max-Age', '86400');
      ctx.status = 204;
      return;
    }
    await next();
  };
}
