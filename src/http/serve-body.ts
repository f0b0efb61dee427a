import type { IncomingMessage, ServerResponse } from 'node:http';
import parseRange from 'range-parser';
import { ErrorCode, SharecastError } from '../errors.js';
import type { StoredBody } from '../stream/segment-store.js';
import type { PlaylistBody } from '../stream/served-playlist.js';
import { writeJsonError } from './error-response.js';
import { CORS_HEADERS as CORS } from './http-policy.js';

const SEGMENT_CACHE_CONTROL = 'public, max-age=31536000, immutable';
export const PLAYLIST_CONTENT_TYPE = 'application/vnd.apple.mpegurl';

/**
 * The headers of a full 200 answer, as the flat [name, value, …] list that
 * writeHead takes without building a header map: made once per playlist
 * version or segment, on its first request.
 */
const fullHeaders = new WeakMap<object, string[]>();
function headersFor(key: PlaylistBody | StoredBody, make: () => Record<string, string | number>): string[] {
  let list = fullHeaders.get(key);
  if (!list) {
    list = Object.entries({ ...make(), ...CORS }).flatMap(([k, v]) => [k, String(v)]);
    fullHeaders.set(key, list);
  }
  return list;
}

/** A JSON error on the /hls path (open to every site). */
export function writeError(res: ServerResponse, err: SharecastError, headers: Record<string, string> = {}): void {
  writeJsonError(res, err, { ...CORS, ...headers });
}

/** RFC 9110 13.1.2: does If-None-Match name this ETag (weak comparison)? */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  const plain = etag.replace(/^W\//, '');
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === plain);
}

/**
 * A conditional GET that the current version satisfies. If-None-Match wins
 * (RFC 9110 13.2.2). For a body that changes (a playlist), If-Modified-Since
 * alone answers 304 only when the body is strictly older than the date: two
 * versions can share a Last-Modified second, and a client must never keep a
 * changed playlist (one that gained ENDLIST, say) for a 304.
 */
function notModified(req: IncomingMessage, etag: string, lastModified: string, mutable: boolean): boolean {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined) return matchesEtag(inm, etag);
  const ims = req.headers['if-modified-since'];
  if (ims === undefined) return false;
  const since = Date.parse(ims);
  const modified = Date.parse(lastModified);
  return Number.isFinite(since) && (mutable ? modified < since : modified <= since);
}

/** Returns the body bytes sent. */
export function servePlaylist(req: IncomingMessage, res: ServerResponse, p: PlaylistBody): number {
  const head = () => ({
    'Content-Type': PLAYLIST_CONTENT_TYPE,
    'Cache-Control': p.cacheControl,
    ETag: p.etag,
    'Last-Modified': p.lastModified,
  });
  if (notModified(req, p.etag, p.lastModified, true)) {
    res.writeHead(304, { ...head(), ...CORS });
    res.end();
    return 0;
  }
  res.writeHead(200, headersFor(p, () => ({ ...head(), 'Content-Length': p.body.byteLength })));
  if (req.method === 'HEAD') {
    res.end();
    return 0;
  }
  res.end(p.body);
  return p.body.byteLength;
}

/** An immutable body with ETag, conditional GET and single byte ranges. Returns the body bytes sent. */
export function serveBody(req: IncomingMessage, res: ServerResponse, body: StoredBody): number {
  const size = body.bytes.byteLength;
  const head = (): Record<string, string | number> => ({
    'Content-Type': body.contentType,
    'Cache-Control': SEGMENT_CACHE_CONTROL,
    ETag: body.etag,
    'Last-Modified': body.lastModified,
    'Accept-Ranges': 'bytes',
  });
  if (notModified(req, body.etag, body.lastModified, false)) {
    res.writeHead(304, { ...head(), ...CORS });
    res.end();
    return 0;
  }
  const range = req.headers.range;
  const ifRange = req.headers['if-range'];
  if (range !== undefined && (ifRange === undefined || ifRange === body.etag)) {
    const ranges = parseRange(size, range, { combine: true });
    if (ranges === -1) {
      writeError(res, new SharecastError(ErrorCode.RangeNotSatisfiable, `range not satisfiable for ${size} bytes`), { 'Content-Range': `bytes */${size}` });
      return 0;
    }
    // Malformed (-2) or several ranges: the whole body, which RFC 9110 allows.
    if (Array.isArray(ranges) && ranges.type === 'bytes' && ranges.length === 1) {
      const r = ranges[0] as { start: number; end: number };
      const part = body.bytes.subarray(r.start, r.end + 1);
      res.writeHead(206, { ...head(), ...CORS, 'Content-Range': `bytes ${r.start}-${r.end}/${size}`, 'Content-Length': part.byteLength });
      return finish(req, res, part);
    }
  }
  res.writeHead(200, headersFor(body, () => ({ ...head(), 'Content-Length': size })));
  return finish(req, res, body.bytes);
}

function finish(req: IncomingMessage, res: ServerResponse, bytes: Buffer): number {
  if (req.method === 'HEAD') {
    res.end();
    return 0;
  }
  res.end(bytes);
  return bytes.byteLength;
}
