import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { ChatHub } from '../chat/chat-hub.js';
import { MESSAGE_ID_PATTERN, USER_ID_PATTERN } from '../chat/protocol.js';
import { ErrorCode, SharecastError } from '../errors.js';
import { adminJsonBody, bodyObject, stringField } from './admin-body.js';
import { routerMiddleware } from './router-middleware.js';

/**
 * Chat moderation, under /api/admin/chat (guarded by adminAuth, mounted
 * before this router):
 *   POST hide {id}         hide a message for everyone and drop it from history
 *   POST ban {userId}      disconnect, hide their messages, refuse their token and address
 *   POST unban {userId}    lift the ban
 *   POST disable / enable  switch chat off or on for everyone
 *   GET  bans              the banned users
 */
export function adminChatRoutes({ hub }: { hub: Pick<ChatHub, 'hide' | 'ban' | 'unban' | 'bans' | 'setChatEnabled' | 'chatEnabled'> }): Middleware {
  const router = new Router({ prefix: '/api/admin/chat' });
  const json = adminJsonBody();

  router.post('/hide', json, async (ctx) => {
    const id = stringField(bodyObject(ctx), 'id', MESSAGE_ID_PATTERN, 'a message id');
    if (!(await hub.hide(id))) throw new SharecastError(ErrorCode.NotFound, `no message ${id} in the history`);
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = { ok: true, id };
  });

  router.post('/ban', json, async (ctx) => {
    const userId = stringField(bodyObject(ctx), 'userId', USER_ID_PATTERN, 'a user id');
    const result = await hub.ban(userId);
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = { ok: true, userId, ...result };
  });

  router.post('/unban', json, async (ctx) => {
    const userId = stringField(bodyObject(ctx), 'userId', USER_ID_PATTERN, 'a user id');
    if (!(await hub.unban(userId))) throw new SharecastError(ErrorCode.NotFound, `user ${userId} is not banned`);
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = { ok: true, userId };
  });

  for (const [path, enabled] of [['/disable', false], ['/enable', true]] as const) {
    router.post(path, async (ctx) => {
      await hub.setChatEnabled(enabled);
      ctx.set('Cache-Control', 'no-cache');
      ctx.body = { ok: true, chatEnabled: hub.chatEnabled };
    });
  }

  router.get('/bans', (ctx) => {
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = { bans: hub.bans() };
  });

  return routerMiddleware(router);
}
