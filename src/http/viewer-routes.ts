import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { ViewerPresence } from '../viewers/viewer-presence.js';
import { routerMiddleware } from './router-middleware.js';

/** GET /api/viewers: everyone watching, page viewers with their chat name, bare players without. */
export function viewerRoutes({ presence }: { presence: Pick<ViewerPresence, 'list'> }): Middleware {
  const router = new Router();
  router.get('/api/viewers', (ctx) => {
    const viewers = presence.list();
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = { count: viewers.length, viewers };
  });
  return routerMiddleware(router);
}
