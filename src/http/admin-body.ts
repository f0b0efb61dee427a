import type { Context, Middleware } from 'koa';
import { ErrorCode, SharecastError } from '../errors.js';

/**
 * Parses an admin request's JSON body (whatever Content-Type a curl user
 * sent) into ctx.request.body. Not JSON: 400 invalid; over 16 KiB: 413.
 */
export function adminJsonBody(): Middleware {
  // @koa/bodyparser (and co-body under it) loads on the first admin request with a body,
  // not at start: an idle server never needs it (bench:memory).
  let parser: Promise<Middleware> | undefined;
  return async (ctx, next) => {
    parser ??= import('@koa/bodyparser').then(
      ({ bodyParser }) =>
        bodyParser({
          enableTypes: ['json'],
          detectJSON: () => true,
          jsonLimit: '16kb',
          jsonStrict: true,
          onError: (err: Error) => {
            if ((err as { status?: number }).status === 413) throw new SharecastError(ErrorCode.PayloadTooLarge, 'request body too large (16 KiB at most)');
            throw new SharecastError(ErrorCode.Invalid, 'the request body must be a JSON object');
          },
        }) as Middleware,
    );
    return (await parser)(ctx, next);
  };
}

/** The parsed body as an object (400 invalid for anything else). */
export function bodyObject(ctx: Context): Record<string, unknown> {
  const body = (ctx.request as { body?: unknown }).body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SharecastError(ErrorCode.Invalid, 'the request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

/** A string field matching `pattern`, or 400 invalid naming the field. */
export function stringField(body: Record<string, unknown>, field: string, pattern: RegExp, what: string): string {
  const v = body[field];
  if (typeof v !== 'string' || !pattern.test(v)) throw new SharecastError(ErrorCode.Invalid, `"${field}" must be ${what}`);
  return v;
}
