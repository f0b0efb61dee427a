import Koa, { type Middleware } from 'koa';
import serve from 'koa-static';
import type { Logger } from '../log/logger.js';
import type { RelayMetrics } from '../metrics/relay-metrics.js';
import type { SiteSettings } from '../site/site-settings.js';
import type { StreamRegistry } from '../stream/stream-registry.js';
import { apiRoutes, type ViewerCounter } from './api-routes.js';
import { openCors } from './cors.js';
import { errorResponder } from './error-response.js';
import { hlsRoutes } from './hls-routes.js';

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
  onPlaylistRequest?: ((ctx: Koa.Context, stream: string) => void) | undefined;
  /** More routes (chat, admin…), mounted after /hls and /api/status. */
  extra?: Middleware[];
  startedAt?: number;
}

/** The koa application: origin, API and web page. */
export function createHttpApp(deps: HttpAppDeps): Koa {
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
  app.use(hlsRoutes(deps));
  const api = apiRoutes({ ...deps, startedAt: deps.startedAt ?? Date.now() });
  app.use(api.routes());
  app.use(api.allowedMethods());
  for (const mw of deps.extra ?? []) app.use(mw);
  const staticOptions = { index: 'index.html', hidden: false, gzip: false, brotli: false, maxage: 0 };
  if (deps.overrideWebDir) app.use(serve(deps.overrideWebDir, staticOptions));
  app.use(serve(deps.webDir, staticOptions));
  return app;
}
