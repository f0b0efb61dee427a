import type { ServerResponse } from 'node:http';
import type { Context, Next } from 'koa';
import { ErrorCode, SharecastError, type ErrorCode as Code } from '../errors.js';
import type { Logger } from '../log/logger.js';

/** The one place error codes become HTTP statuses. */
const STATUS: Partial<Record<Code, number>> = {
  [ErrorCode.NotFound]: 404,
  [ErrorCode.StreamOffline]: 404,
  [ErrorCode.PathOutsideSource]: 404,
  [ErrorCode.BadRequest]: 400,
  [ErrorCode.Invalid]: 400,
  [ErrorCode.TooLong]: 400,
  [ErrorCode.MethodNotAllowed]: 405,
  [ErrorCode.RangeNotSatisfiable]: 416,
  [ErrorCode.Unauthorized]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.Banned]: 403,
  [ErrorCode.ChatDisabled]: 403,
  [ErrorCode.PayloadTooLarge]: 413,
  [ErrorCode.UnsupportedMediaType]: 415,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.TooManyConnections]: 503,
  [ErrorCode.HoldTimeout]: 503,
  [ErrorCode.SourceUnavailable]: 503,
  [ErrorCode.PushKeyInvalid]: 401,
  [ErrorCode.PushBackoff]: 429,
  [ErrorCode.PushPathInvalid]: 400,
  [ErrorCode.PushTypeInvalid]: 415,
  [ErrorCode.PushTooLarge]: 413,
  [ErrorCode.PushMemoryFull]: 413,
  [ErrorCode.PushTooSlow]: 408,
  [ErrorCode.PushBusy]: 409,
  [ErrorCode.PushIncomplete]: 400,
};

export function statusFor(code: Code): number {
  return STATUS[code] ?? 500;
}

/** koa's own HTTP errors (from koa-static, body parsing) carry a status; viewers get 404 for anything static that is not there. */
function fromKoaError(err: unknown): SharecastError | undefined {
  const status = (err as { status?: unknown }).status;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  if (status === 413) return new SharecastError(ErrorCode.PayloadTooLarge, 'request body too large');
  if (status === 400 || status === 403 || status === 404) return new SharecastError(ErrorCode.NotFound, 'not found');
  if (status === 415) return new SharecastError(ErrorCode.UnsupportedMediaType, (err as Error).message);
  return new SharecastError(ErrorCode.BadRequest, (err as Error).message);
}

/** The JSON body of every error answer: `{"error":{"code","message"}}`, the code from errors.ts. */
export function errorBody(err: SharecastError): { error: { code: Code; message: string } } {
  return { error: { code: err.code, message: err.message } };
}

/** An error answer from a koa route: the status its code maps to, never cached. */
export function sendError(ctx: Context, err: SharecastError, headers: Record<string, string> = {}): void {
  ctx.status = statusFor(err.code);
  ctx.set('Cache-Control', 'no-cache');
  for (const [k, v] of Object.entries(headers)) ctx.set(k, v);
  ctx.body = errorBody(err);
}

/**
 * The same answer on a raw node:http response (the /hls hot path, an edge
 * worker): the status its code maps to, with `extraHeaders` (Allow,
 * Retry-After…). Where the path is open to other sites, pass the CORS
 * headers too: CORS_HEADERS on /hls, corsHeadersFor(req.url) for any path
 * (http-policy.ts).
 */
export function writeJsonError(res: ServerResponse, err: SharecastError, extraHeaders: Readonly<Record<string, string>> = {}): void {
  const body = JSON.stringify(errorBody(err));
  res.writeHead(statusFor(err.code), {
    ...extraHeaders,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-cache',
  });
  res.end(body);
}

/**
 * Outermost middleware: turns thrown errors into JSON answers. Client errors
 * are logged at debug; anything else is a bug, logged as an error once, and
 * answered 500 without details.
 */
export function errorResponder(logger: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        sendError(ctx, new SharecastError(ErrorCode.NotFound, 'not found'));
      }
    } catch (err) {
      const known = err instanceof SharecastError ? err : fromKoaError(err);
      if (known) {
        logger.debug({ code: known.code, path: ctx.path }, known.message);
        sendError(ctx, known);
        return;
      }
      logger.error({ err, method: ctx.method, path: ctx.path }, 'unexpected error answering a request');
      sendError(ctx, new SharecastError(ErrorCode.Internal, 'internal error'));
    }
  };
}
