import type Router from '@koa/router';
import type { Context, Middleware, Next } from 'koa';

/**
 * One koa middleware from a router: its routes, then 405 (with Allow) for a
 * known path asked with another method. Typed as plain koa middleware so it
 * fits createHttpApp's `extra` list.
 */
export function routerMiddleware(router: Router): Middleware {
  const routes = router.routes() as unknown as Middleware;
  const allowed = router.allowedMethods() as unknown as Middleware;
  return (ctx: Context, next: Next) => routes(ctx, () => allowed(ctx, next));
}
