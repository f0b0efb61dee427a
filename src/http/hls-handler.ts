import type { IncomingMessage, ServerResponse } from 'node:http';
import parseRange from 'range-parser';
import type { CachedBody } from '../cache/segment-cache.js';
import { STREAM_NAME_PATTERN } from '../config/source-spec.js';
import { ErrorCode, SharecastError } from '../errors.js';
import type { RenderedPlaylist } from '../stream/served-playlist.js';
import { statusFor } from './error-response.js';

const FILE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const PLAYLIST_FILE = 'index.m3u8';
const SEGMENT_CACHE_CONTROL = 'public, max-age=31536000, immutable';
export const PLAYLIST_CONTENT_TYPE = 'application/vnd.apple.mpegurl';
const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'Content-Length, Content-Range, Content-Type, ETag, Last-Modified, Accept-Ranges',
};

/**
 * The headers of a full 200 answer, as the flat [name, value, …] list that
 * writeHead takes without building a header map: made once per playlist
 * version or segment, on its first request.
 */
const fullHeaders = new WeakMap<object, string[]>();
function headersFor(key: RenderedPlaylist | CachedBody, make: () => Record<string, string | number>): string[] {
  let list = fullHeaders.get(key);
  if (!list) {
    list = Object.entries({ ...make(), ...CORS }).flatMap(([k, v]) => [k, String(v)]);
    fullHeaders.set(key, list);
  }
  return list;
}

/** What the handler needs of a stream: the Republisher, or an edge worker's replica of it. */
export interface ServableStream {
  playlist(): RenderedPlaylist | undefined;
  lookup(file: string): CachedBody | undefined;
}

/** What the handler counts, with plain numbers (an HlsTally: RelayMetrics' own, or an edge worker's). */
export interface HlsCounters {
  request(route: string, status: string): void;
  served(stream: string, kind: string, bytes: number): void;
}

/** Who asked for a playlist: presence for players without the page. */
export interface PlaylistClient {
  ip: string;
  userAgent: string | undefined;
}

export interface HlsHandlerDeps {
  streams: { get(name: string): ServableStream | undefined };
  metrics: HlsCounters;
  /** Told of every playlist request (viewer presence for players without the page). Must be cheap. */
  onPlaylistRequest?: ((client: PlaylistClient, stream: string) => void) | undefined;
  /**
   * Leave misses (unknown stream, no playlist yet, a segment not held) to the
   * caller instead of answering 404: an edge worker passes them to the main
   * process, whose cache holds more.
   */
  passMisses?: boolean;
}

/**
 * The hot path, below koa: GET/HEAD /hls/NAME/index.m3u8 and /hls/NAME/<file>.
 * Every answer is a lookup in memory with headers made once per change (the
 * playlist is rendered when it changes, segments are held whole): no file
 * read, no rendering, no middleware chain. Returns false for any other path.
 */
export function createHlsHandler({ streams, metrics, onPlaylistRequest, passMisses = false }: HlsHandlerDeps) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = req.url ?? '';
    if (!url.startsWith('/hls/')) return false;
    const method = req.method ?? 'GET';
    if (passMisses && method !== 'GET' && method !== 'HEAD') return false;
    const q = url.indexOf('?');
    const path = q >= 0 ? url.slice(0, q) : url;
    if (method === 'OPTIONS') {
      res.writeHead(204, {
        ...CORS,
        'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
        'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] ?? 'Range',
        'Access-Control-Max-Age': '86400',
      });
      res.end();
      return true;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      writeError(res, new SharecastError(ErrorCode.MethodNotAllowed, 'only GET and HEAD'), { Allow: 'GET, HEAD, OPTIONS' });
      metrics.request('hls', '4xx');
      return true;
    }
    const slash = path.indexOf('/', 5);
    const name = slash > 0 ? path.slice(5, slash) : '';
    const file = slash > 0 ? path.slice(slash + 1) : '';
    const stream = STREAM_NAME_PATTERN.test(name) && FILE_PATTERN.test(file) ? streams.get(name) : undefined;
    const playlist = file === PLAYLIST_FILE ? stream?.playlist() : undefined;
    const body = file !== PLAYLIST_FILE ? stream?.lookup(file) : undefined;
    if (passMisses && playlist === undefined && body === undefined) return false;
    if (!stream) {
      writeError(res, new SharecastError(ErrorCode.NotFound, 'no such stream or file'));
      metrics.request('hls', '4xx');
      return true;
    }
    if (file === PLAYLIST_FILE) {
      onPlaylistRequest?.({ ip: req.socket.remoteAddress ?? '', userAgent: req.headers['user-agent'] }, name);
      if (!playlist) {
        writeError(res, new SharecastError(ErrorCode.StreamOffline, `stream "${name}" has not started yet`));
        metrics.request('playlist', '4xx');
        return true;
      }
      const sent = servePlaylist(req, res, playlist);
      metrics.request('playlist', res.statusCode === 304 ? '3xx' : '2xx');
      if (sent > 0) metrics.served(name, 'playlist', sent);
      return true;
    }
    if (!body) {
      writeError(res, new SharecastError(ErrorCode.NotFound, `segment "${file}" is not (or no longer) available`));
      metrics.request('segment', '4xx');
      return true;
    }
    const sent = serveBody(req, res, body);
    metrics.request('segment', res.statusCode === 304 ? '3xx' : res.statusCode < 300 ? '2xx' : '4xx');
    if (sent > 0) metrics.served(name, 'segment', sent);
    return true;
  };
}

/** Writes a JSON error with the status its code maps to. */
function writeError(res: ServerResponse, err: SharecastError, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ error: { code: err.code, message: err.message } });
  res.writeHead(statusFor(err.code), {
    ...CORS,
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-cache',
  });
  res.end(body);
}

/** RFC 9110 13.1.2: does If-None-Match name this ETag (weak comparison)? */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  const plain = etag.replace(/^W\//, '');
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === plain);
}

function notModified(req: IncomingMessage, etag: string, lastModified: string): boolean {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined) return matchesEtag(inm, etag);
  const ims = req.headers['if-modified-since'];
  if (ims === undefined) return false;
  const since = Date.parse(ims);
  return Number.isFinite(since) && Date.parse(lastModified) <= since;
}

/** Returns the body bytes sent. */
function servePlaylist(req: IncomingMessage, res: ServerResponse, p: RenderedPlaylist): number {
  const head = () => ({
    'Content-Type': PLAYLIST_CONTENT_TYPE,
    'Cache-Control': p.cacheControl,
    ETag: p.etag,
    'Last-Modified': p.lastModified,
  });
  if (notModified(req, p.etag, p.lastModified)) {
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
function serveBody(req: IncomingMessage, res: ServerResponse, body: CachedBody): number {
  const size = body.bytes.byteLength;
  const head = (): Record<string, string | number> => ({
    'Content-Type': body.contentType,
    'Cache-Control': SEGMENT_CACHE_CONTROL,
    ETag: body.etag,
    'Last-Modified': body.lastModified,
    'Accept-Ranges': 'bytes',
  });
  if (notModified(req, body.etag, body.lastModified)) {
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
