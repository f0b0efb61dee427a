import type Router from '@koa/router';
import type { Middleware } from 'koa';

/**
 * A router's routes as plain koa middleware, so it fits the route table
 * (routes.ts). A path it knows asked with another method falls through to
 * method-policy.ts, which answers 405 with the methods every router knows
 * for that path, in one Allow header.
 */
export function routerMiddleware(router: Router): Middleware {
  return router.routes() as unknown as Middleware;
}
