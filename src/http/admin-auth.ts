import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Middleware, Next } from 'koa';
import { ErrorCode, SharecastError } from '../errors.js';
import { sendError } from './error-response.js';

const ADMIN_PREFIX = '/api/admin';

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** Compares in constant time, whatever the lengths (both sides are hashed first). */
export function tokenMatches(expected: string, given: string): boolean {
  return timingSafeEqual(digest(expected), digest(given));
}

/** The token from `Authorization: Bearer <token>`, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return m?.[1];
}

/**
 * True for /api/admin and everything under it, however it is spelled: the
 * routers match paths case-insensitively, so /API/Admin/… must be guarded
 * too. Percent-escapes and doubled slashes are undone before comparing, and
 * anything starting /api/admin (even /api/administrator) counts.
 */
export function isAdminPath(path: string): boolean {
  let p = path;
  try {
    p = decodeURIComponent(path);
  } catch {
    // malformed escapes: compare the raw path
  }
  return p.toLowerCase().replace(/\/{2,}/g, '/').startsWith(ADMIN_PREFIX);
}

/**
 * koa middleware guarding /api/admin/*: a request there without
 * `Authorization: Bearer <admin token>` gets 401 before any routing, so
 * unknown admin paths look the same as known ones. Other paths pass through.
 * Mount it once before the admin routers, or use it as a per-route guard.
 */
export function adminAuth(token: string): Middleware {
  if (token.length === 0) throw new Error('adminAuth: empty token');
  return async (ctx: Context, next: Next): Promise<void> => {
    if (!isAdminPath(ctx.path) || ctx.method === 'OPTIONS') return next();
    const given = bearerToken(ctx.get('Authorization'));
    if (given === undefined || !tokenMatches(token, given)) {
      sendError(ctx, new SharecastError(ErrorCode.Unauthorized, 'admin token missing or wrong'), {
        'WWW-Authenticate': 'Bearer realm="sharecast admin"',
      });
      return;
    }
    await next();
  };
}
