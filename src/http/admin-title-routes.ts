import Router from '@koa/router';
import type { Middleware } from 'koa';
import { ErrorCode, SharecastError } from '../errors.js';
import type { SiteSettings } from '../site/site-settings.js';
import type { TitleStore } from '../site/title-store.js';
import { adminJsonBody, bodyObject } from './admin-body.js';
import { routerMiddleware } from './router-middleware.js';

export const TITLE_MAX_LENGTH = 120;
const FORBIDDEN_IN_TITLE = /[\p{Cc}\p{Cs}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

/** PUT /api/admin/title {title}: sets the stream title, stores it, and every page hears of it. */
export function adminTitleRoutes({ site, store }: { site: SiteSettings; store: Pick<TitleStore, 'save'> }): Middleware {
  const router = new Router();
  router.put('/api/admin/title', adminJsonBody(), async (ctx) => {
    const raw = bodyObject(ctx)['title'];
    if (typeof raw !== 'string') throw new SharecastError(ErrorCode.Invalid, '"title" must be text');
    const title = raw.normalize('NFC').trim();
    if (title === '') throw new SharecastError(ErrorCode.Invalid, 'the title is empty');
    if ([...title].length > TITLE_MAX_LENGTH) throw new SharecastError(ErrorCode.TooLong, `the title is longer than ${TITLE_MAX_LENGTH} characters`);
    if (FORBIDDEN_IN_TITLE.test(title)) throw new SharecastError(ErrorCode.Invalid, 'the title contains control characters');
    await store.save(title);
    site.update({ title });
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = { ok: true, title };
  });
  return routerMiddleware(router);
}
