import Router from '@koa/router';
import type { Middleware } from 'koa';
import { ErrorCode, SharecastError } from '../errors.js';
import type { StreamRegistry } from '../stream/stream-registry.js';
import { routerMiddleware } from './router-middleware.js';

/**
 * POST /api/admin/streams/NAME/end (and /api/admin/end for the main stream):
 * the streamer ends the stream. Its playlists get EXT-X-ENDLIST now, and
 * players stop at the end; a stream that starts after it is a new
 * presentation at the same URL. Behind the admin guard of the route table.
 */
export function adminStreamRoutes({ streams }: { streams: StreamRegistry }): Middleware {
  const router = new Router();
  const end = (name: string | undefined) => {
    const stream = name === undefined ? streams.main : streams.get(name);
    if (!stream) throw new SharecastError(ErrorCode.NotFound, name === undefined ? 'no stream' : `no stream "${name.slice(0, 40)}"`);
    stream.end();
    return stream.status();
  };
  router.post('/api/admin/end', (ctx) => {
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = end(undefined);
  });
  router.post('/api/admin/streams/:name/end', (ctx) => {
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = end(ctx.params['name']);
  });
  return routerMiddleware(router);
}
