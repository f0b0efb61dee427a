import type { IncomingMessage, ServerResponse } from 'node:http';
import Koa, { type Middleware } from 'koa';
import serve from 'koa-static';
import type { Logger } from '../log/logger.js';
import type { RelayMetrics } from '../metrics/relay-metrics.js';
import type { SiteSettings } from '../site/site-settings.js';
import type { StreamRegistry } from '../stream/stream-registry.js';
import { apiRoutes, type ViewerCounter } from './api-routes.js';
import { openCors } from './cors.js';
import { errorResponder } from './error-response.js';
import { createHlsHandler, type PlaylistClient } from './hls-handler.js';

export interface HttpAppDeps {
  logger: Logger;
  metrics: RelayMetrics;
  streams: StreamRegistry;
  site: SiteSettings;
  viewers: ViewerCounter;
  /** The built-in web/ folder. */
  webDir: string;
  /** The streamer's own copy (--web); files missing there fall back to webDir. */
  overrideWebDir?: string | undefined;
  /** Told of every playlist request (viewer presence for players without the page). */
  onPlaylistRequest?: ((client: PlaylistClient, stream: string) => void) | undefined;
  /** More routes (chat, admin…), mounted after /hls and /api/status. */
  extra?: Middleware[];
  startedAt?: number;
}

/** A request listener for node:http. */
export interface HttpApp {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  /** The koa part (API, chat, admin, web page), for tests that need it. */
  koa: Koa;
}

/**
 * The HTTP application: the /hls hot path is answered before koa sees the
 * request (a playlist or segment GET is a lookup and a write, with no
 * middleware chain); everything else goes through koa.
 */
export function createHttpApp(deps: HttpAppDeps): HttpApp {
  const hls = createHlsHandler({ streams: deps.streams, metrics: deps.metrics.hls, onPlaylistRequest: deps.onPlaylistRequest });
  const app = new Koa();
  app.proxy = false;
  app.silent = true;
  // Only origin-form request targets ("/path"): an absolute URL or "*" is answered 404 before any routing.
  app.use(async (ctx, next) => {
    if (!ctx.req.url?.startsWith('/') || ctx.req.url.startsWith('//')) {
      ctx.status = 404;
      ctx.body = { error: { code: 'not_found', message: 'not found' } };
      return;
    }
    await next();
  });
  app.use(errorResponder(deps.logger));
  app.use(openCors());
  const api = apiRoutes({ ...deps, startedAt: deps.startedAt ?? Date.now() });
  app.use(api.routes());
  app.use(api.allowedMethods());
  for (const mw of deps.extra ?? []) app.use(mw);
  const staticOptions = { index: 'index.html', hidden: false, gzip: false, brotli: false, maxage: 0 };
  if (deps.overrideWebDir) app.use(serve(deps.overrideWebDir, staticOptions));
  app.use(serve(deps.webDir, staticOptions));
  return {
    koa: app,
    callback: () => {
      const rest = app.callback();
      return (req, res) => {
        if (!hls(req, res)) void rest(req, res);
      };
    },
  };
}
