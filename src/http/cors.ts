import type { Context, Next } from 'koa';

const EXPOSED = 'Content-Length, Content-Range, Content-Type, ETag, Last-Modified, Accept-Ranges';

/**
 * CORS open on /hls and /api, so the stream and its status can be embedded
 * and played from any site. Credentials are never allowed cross-origin.
 */
export function openCors() {
  return async (ctx: Context, next: Next): Promise<void> => {
    const path = ctx.path;
    if (!path.startsWith('/hls/') && !path.startsWith('/api/')) return next();
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.set('Access-Control-Expose-Headers', EXPOSED);
    if (ctx.method === 'OPTIONS') {
      ctx.set('Access-Control-Allow-Methods', path.startsWith('/hls/') ? 'GET, HEAD, OPTIONS' : 'GET, HEAD, POST, PUT, DELETE, OPTIONS');
      ctx.set('Access-Control-Allow-Headers', ctx.get('Access-Control-Request-Headers') || 'Range, Content-Type, Authorization');
      ctx.set('Access-Control-Max-Age', '86400');
      ctx.status = 204;
      return;
    }
    await next();
  };
}
