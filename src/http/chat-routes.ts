import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { ChatHub } from '../chat/chat-hub.js';
import { routerMiddleware } from './router-middleware.js';

/** GET /api/chat: the last visible messages, oldest first, as in the welcome frame. */
export function chatRoutes({ hub }: { hub: Pick<ChatHub, 'history' | 'chatEnabled'> }): Middleware {
  const router = new Router();
  router.get('/api/chat', (ctx) => {
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = { messages: hub.history(), chatEnabled: hub.chatEnabled };
  });
  return routerMiddleware(router);
}
