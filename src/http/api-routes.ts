import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { RelayMetrics } from '../metrics/relay-metrics.js';
import type { SiteSettings } from '../site/site-settings.js';
import type { StreamRegistry } from '../stream/stream-registry.js';
import { routerMiddleware } from './router-middleware.js';

export interface ViewerCounter {
  /** Distinct viewers right now (page and bare players). */
  count(): number;
}

export interface ApiRouteDeps {
  streams: StreamRegistry;
  metrics: RelayMetrics;
  site: SiteSettings;
  presence: ViewerCounter;
  /** When the server started (ms since the epoch), for /healthz's uptime. */
  startedAt: number;
}

/** Builds the body of GET /api/status. */
export function statusBody({ streams, site, presence }: Pick<ApiRouteDeps, 'streams' | 'site' | 'presence'>) {
  const main = streams.main;
  const all = streams.all().map((s) => s.status());
  return {
    online: main?.online ?? false,
    title: site.info.title,
    since: main ? main.status().since : null,
    viewers: presence.count(),
    stream: main?.name ?? null,
    streams: Object.fromEntries(all.map((s) => [s.name, s])),
  };
}

/** /api/status, /healthz and /metrics. */
export function apiRoutes(deps: ApiRouteDeps): Middleware {
  const router = new Router();
  router.get('/api/status', (ctx) => {
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = statusBody(deps);
  });
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = { ok: true, uptimeSeconds: Math.round((Date.now() - deps.startedAt) / 1000) };
  });
  router.get('/metrics', async (ctx) => {
    deps.metrics.requests.inc({ route: 'metrics', status: '2xx' });
    ctx.set('Content-Type', deps.metrics.registry.contentType);
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = await deps.metrics.registry.metrics();
  });
  return routerMiddleware(router);
}
