import type { IncomingMessage, ServerResponse } from 'node:http';
import Koa from 'koa';
import { ErrorCode, SharecastError } from '../errors.js';
import { openCors } from './cors.js';
import { errorResponder } from './error-response.js';
import { createHlsHandler } from './hls-handler.js';
import { createIngestHandler } from './ingest-handler.js';
import { methodPolicy } from './method-policy.js';
import { routeTable, type HttpDeps } from './routes.js';

/** A request listener for node:http. */
export interface HttpApp {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  /** The koa part (API, chat, admin, web page), for tests that need it. */
  koa: Koa;
  /** What the app was built from (serve-http.ts hands the streams and counters to edge workers). */
  deps: HttpDeps;
}

/**
 * The HTTP application: the /hls hot path is answered before koa sees the
 * request (a playlist or segment GET is a lookup and a write, with no
 * middleware chain), and so are uploads to /ingest (push ingest: the body
 * streams into the push source as it arrives); everything else goes
 * through koa: errors as JSON, only
 * origin-form targets, CORS on /api, 405 with Allow, then the route table.
 */
export function createHttpApp(deps: HttpDeps): HttpApp {
  const hls = createHlsHandler({ streams: deps.streams, metrics: deps.metrics.hls, onPlaylistRequest: deps.onPlaylistRequest });
  const keys = deps.ingest?.keys;
  const ingest = createIngestHandler({
    streams: deps.ingest?.streams ?? new Map(),
    keys: { get: (name) => keys?.get(name)?.key },
    trustProxy: deps.ingest?.trustProxy ?? false,
    logger: deps.logger.child({ part: 'ingest' }),
    metrics: deps.metrics.hls,
  });
  const app = new Koa();
  app.proxy = false;
  app.silent = true;
  app.use(errorResponder(deps.logger));
  // Only origin-form request targets ("/path"): an absolute URL or "*" is answered 404 before any routing.
  app.use(async (ctx, next) => {
    if (!ctx.req.url?.startsWith('/') || ctx.req.url.startsWith('//')) throw new SharecastError(ErrorCode.NotFound, 'not found');
    await next();
  });
  app.use(openCors());
  app.use(methodPolicy());
  for (const mw of routeTable(deps)) app.use(mw);
  return {
    koa: app,
    deps,
    callback: () => {
      const rest = app.callback();
      return (req, res) => {
        if (!hls(req, res) && !ingest(req, res)) void rest(req, res);
      };
    },
  };
}
