import type { Context, Next } from 'koa';
import parseRange from 'range-parser';
import type { CachedBody } from '../cache/segment-cache.js';
import { ErrorCode, SharecastError } from '../errors.js';
import type { RelayMetrics } from '../metrics/relay-metrics.js';
import type { StreamRegistry } from '../stream/stream-registry.js';
import { STREAM_NAME_PATTERN } from '../config/source-spec.js';
import { sendError } from './error-response.js';

const FILE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const PLAYLIST_FILE = 'index.m3u8';
const SEGMENT_CACHE_CONTROL = 'public, max-age=31536000, immutable';
export const PLAYLIST_CONTENT_TYPE = 'application/vnd.apple.mpegurl';

export interface HlsRouteDeps {
  streams: StreamRegistry;
  metrics: RelayMetrics;
  /** Told of every playlist request (viewer presence for players without the page). Must be cheap. */
  onPlaylistRequest?: ((ctx: Context, stream: string) => void) | undefined;
}

/**
 * GET/HEAD /hls/NAME/index.m3u8 and /hls/NAME/<segment>. The hot path: every
 * answer is a lookup in memory (the playlist is rendered once per change, the
 * segments are held whole), never a file read, never rendering.
 */
export function hlsRoutes({ streams, metrics, onPlaylistRequest }: HlsRouteDeps) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const path = ctx.path;
    if (!path.startsWith('/hls/')) return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      sendError(ctx, new SharecastError(ErrorCode.MethodNotAllowed, 'only GET and HEAD'), { Allow: 'GET, HEAD, OPTIONS' });
      return;
    }
    const slash = path.indexOf('/', 5);
    const name = slash > 0 ? path.slice(5, slash) : '';
    const file = slash > 0 ? path.slice(slash + 1) : '';
    const stream = STREAM_NAME_PATTERN.test(name) && FILE_PATTERN.test(file) ? streams.get(name) : undefined;
    if (!stream) {
      notFound(ctx, metrics, 'no such stream or file');
      return;
    }
    if (file === PLAYLIST_FILE) {
      onPlaylistRequest?.(ctx, name);
      const playlist = stream.playlist();
      if (!playlist) {
        metrics.requests.inc({ route: 'playlist', status: '4xx' });
        sendError(ctx, new SharecastError(ErrorCode.StreamOffline, `stream "${name}" has not started yet`));
        return;
      }
      ctx.set('Content-Type', PLAYLIST_CONTENT_TYPE);
      ctx.set('Cache-Control', playlist.cacheControl);
      ctx.set('ETag', playlist.etag);
      ctx.set('Last-Modified', playlist.lastModified);
      ctx.status = 200; // ctx.fresh only looks at 2xx answers
      if (ctx.fresh) {
        ctx.status = 304;
        metrics.requests.inc({ route: 'playlist', status: '3xx' });
        return;
      }
      ctx.body = playlist.body;
      metrics.requests.inc({ route: 'playlist', status: '2xx' });
      if (ctx.method === 'GET') metrics.bytesServed.inc({ stream: name, kind: 'playlist' }, playlist.body.byteLength);
      return;
    }
    const body = stream.lookup(file);
    if (!body) {
      notFound(ctx, metrics, `segment "${file}" is not (or no longer) available`);
      return;
    }
    serveBody(ctx, body);
    metrics.requests.inc({ route: 'segment', status: ctx.status < 300 ? '2xx' : ctx.status < 400 ? '3xx' : '4xx' });
    if (ctx.method === 'GET' && ctx.body) metrics.bytesServed.inc({ stream: name, kind: 'segment' }, (ctx.body as Buffer).byteLength);
  };
}

function notFound(ctx: Context, metrics: RelayMetrics, message: string): void {
  metrics.requests.inc({ route: 'hls', status: '4xx' });
  sendError(ctx, new SharecastError(ErrorCode.NotFound, message));
}

/** An immutable body with ETag, conditional GET and single byte ranges. */
function serveBody(ctx: Context, body: CachedBody): void {
  const size = body.bytes.byteLength;
  ctx.set('Content-Type', body.contentType);
  ctx.set('Cache-Control', SEGMENT_CACHE_CONTROL);
  ctx.set('ETag', body.etag);
  ctx.set('Last-Modified', body.lastModified);
  ctx.set('Accept-Ranges', 'bytes');
  ctx.status = 200; // ctx.fresh only looks at 2xx answers
  if (ctx.fresh) {
    ctx.status = 304;
    return;
  }
  const rangeHeader = ctx.get('Range');
  const ifRange = ctx.get('If-Range');
  if (rangeHeader !== '' && (ifRange === '' || ifRange === body.etag)) {
    const ranges = parseRange(size, rangeHeader, { combine: true });
    if (ranges === -1) {
      ctx.set('Content-Range', `bytes */${size}`);
      sendError(ctx, new SharecastError(ErrorCode.RangeNotSatisfiable, `range not satisfiable for ${size} bytes`), { 'Content-Range': `bytes */${size}` });
      return;
    }
    // Malformed (-2) or several ranges: answer the whole body, which RFC 9110 allows.
    if (Array.isArray(ranges) && ranges.type === 'bytes' && ranges.length === 1) {
      const r = ranges[0] as { start: number; end: number };
      ctx.status = 206;
      ctx.set('Content-Range', `bytes ${r.start}-${r.end}/${size}`);
      ctx.body = body.bytes.subarray(r.start, r.end + 1);
      return;
    }
  }
  ctx.status = 200;
  ctx.body = body.bytes;
}
