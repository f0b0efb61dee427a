import type { Context, Middleware } from 'koa';
import getRawBody from 'raw-body';
import { ErrorCode, SharecastError } from '../errors.js';
import type { OfflineImage, OfflineImageStore } from '../site/offline-image-store.js';
import { sendError } from './error-response.js';

export interface OfflineImageRouteDeps {
  store: OfflineImageStore;
  /** Checks the admin token (src/http/admin-auth.ts); runs before the admin routes. */
  adminGuard: Middleware;
}

/**
 * GET/HEAD /offline-image: the image the page shows while offline.
 * PUT /api/admin/offline-image: the image as the request body (PNG, JPEG or
 * WebP, checked by its bytes, size-capped); stored in the data dir.
 * DELETE /api/admin/offline-image: back to --offline-image or the built-in one.
 * GET /api/admin/offline-image: what is shown now (origin, type, size).
 */
export function offlineImageRoutes({ store, adminGuard }: OfflineImageRouteDeps): Middleware {
  const serveImage = (ctx: Context) => {
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
  };

  const admin = async (ctx: Context) => {
    ctx.set('Cache-Control', 'no-cache');
    switch (ctx.method) {
      case 'GET':
      case 'HEAD':
        ctx.body = describe(store.current());
        return;
      case 'PUT': {
        const body = await readCapped(ctx, store.maxBytes);
        if (body.byteLength === 0) throw new SharecastError(ErrorCode.BadRequest, 'send the image as the request body');
        ctx.body = describe(await store.save(body));
        return;
      }
      case 'DELETE':
        ctx.body = describe(await store.reset());
        return;
      default:
        throw new SharecastError(ErrorCode.MethodNotAllowed, 'use GET, PUT or DELETE');
    }
  };

  return async (ctx, next) => {
    if (ctx.path === '/offline-image') {
      if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
        sendError(ctx, new SharecastError(ErrorCode.MethodNotAllowed, 'only GET and HEAD'), { Allow: 'GET, HEAD' });
        return;
      }
      serveImage(ctx);
      return;
    }
    if (ctx.path === '/api/admin/offline-image') {
      if (ctx.method === 'OPTIONS') return next();
      await adminGuard(ctx, () => admin(ctx));
      return;
    }
    return next();
  };
}

function describe(img: OfflineImage) {
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
