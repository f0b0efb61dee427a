import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { PusherInfo } from '../ingest/push/push-source.js';
import type { PushKey } from './ingest-keys.js';
import { routerMiddleware } from './router-middleware.js';

/** What the admin page shows of a push stream. */
export interface PushStreamInfo {
  pusher(): PusherInfo | undefined;
}

export interface IngestAdminDeps {
  streams: ReadonlyMap<string, PushStreamInfo>;
  keys: ReadonlyMap<string, PushKey>;
}

/**
 * GET /api/admin/push (behind the admin token, like all of /api/admin): each
 * push stream with its key and the paths to give OBS, and who pushes it
 * now. This is the one answer that carries a stream key; the page builds the
 * full URL from the address it was opened at.
 */
export function ingestAdminRoutes(deps: IngestAdminDeps): Middleware {
  const router = new Router();
  router.get('/api/admin/push', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      streams: [...deps.streams].map(([name, s]) => {
        const key = deps.keys.get(name);
        const pusher = s.pusher();
        const base = `/ingest/${name}/${key?.key ?? 'KEY'}`;
        return {
          name,
          key: key?.key ?? null,
          keyOrigin: key?.origin ?? null,
          paths: { hls: `${base}/stream.m3u8`, dash: `${base}/stream.mpd` },
          pusher: pusher ? { address: pusher.address, lastSeen: new Date(pusher.lastSeen).toISOString(), uploading: pusher.uploading } : null,
        };
      }),
    };
  });
  return routerMiddleware(router);
}
