import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import getRawBody from 'raw-body';
import { ErrorCode, SharecastError } from '../errors.js';
import type { OfflineImage, OfflineImageStore } from '../site/offline-image-store.js';
import type { SlateStatus } from '../site/slate-library.js';
import { routerMiddleware } from './router-middleware.js';

/** What the routes need of the store (src/site/offline-image-store.ts). */
export type OfflineImageSource = Pick<OfflineImageStore, 'maxBytes' | 'current' | 'save' | 'reset'>;

/**
 * GET/HEAD /offline-image: the image the page shows while offline.
 * PUT /api/admin/offline-image: the image as the request body (PNG, JPEG or
 * WebP, checked by its bytes, size-capped); stored in the data dir.
 * DELETE /api/admin/offline-image: back to --offline-image or the built-in one.
 * GET /api/admin/offline-image: what is shown now (origin, type, size).
 * The admin routes sit behind the admin guard of the route table.
 */
export function offlineImageRoutes({ store, slate }: { store: OfflineImageSource; slate?: { status(): SlateStatus } | undefined }): Middleware {
  const describe = (img: OfflineImage) => ({ ...describeImage(img), ...(slate ? { slate: slate.status() } : {}) });
  const router = new Router();
  router.get('/offline-image', (ctx: Context) => {
    const img = store.current();
    ctx.set('Cache-Control', 'no-cache');
    ctx.set('ETag', img.etag);
    ctx.set('X-Content-Type-Options', 'nosniff');
    if (img.contentType === 'image/svg+xml') {
      ctx.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    }
    ctx.type = img.contentType;
    ctx.status = 200; // ctx.fresh only answers for a 2xx status
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    ctx.body = img.body;
  });

  const ADMIN = '/api/admin/offline-image';
  router.get(ADMIN, (ctx) => {
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = describe(store.current());
  });
  router.put(ADMIN, async (ctx) => {
    const body = await readCapped(ctx, store.maxBytes);
    if (body.byteLength === 0) throw new SharecastError(ErrorCode.BadRequest, 'send the image as the request body');
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = describe(await store.save(body));
  });
  router.delete(ADMIN, async (ctx) => {
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = describe(await store.reset());
  });
  return routerMiddleware(router);
}

function describeImage(img: OfflineImage) {
  return { url: '/offline-image', origin: img.origin, contentType: img.contentType, bytes: img.body.byteLength, updatedAt: img.updatedAt };
}

/** The request body, refused with 413 past `limit` bytes (early when Content-Length says so). */
async function readCapped(ctx: Context, limit: number): Promise<Buffer> {
  const declared = ctx.request.length;
  if (declared !== undefined && declared > limit) {
    throw new SharecastError(ErrorCode.PayloadTooLarge, `the image is larger than ${Math.round(limit / 1024)} KiB`);
  }
  try {
    return await getRawBody(ctx.req, { limit, ...(declared !== undefined ? { length: declared } : {}) });
  } catch (err) {
    const e = err as { status?: number; type?: string; message?: string };
    if (e.status === 413) throw new SharecastError(ErrorCode.PayloadTooLarge, `the image is larger than ${Math.round(limit / 1024)} KiB`);
    throw new SharecastError(ErrorCode.BadRequest, `could not read the upload (${e.type ?? e.message ?? 'aborted'})`);
  }
}
