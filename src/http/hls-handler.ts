import type { IncomingMessage, ServerResponse } from 'node:http';
import { STREAM_NAME_PATTERN } from '../config/source-spec.js';
import { ErrorCode, SharecastError } from '../errors.js';
import { parseDirectives, verdict, type Directives } from '../hls/blocking-reload.js';
import type { StoredBody } from '../stream/segment-store.js';
import type { PlaylistBody, RenderedPlaylist } from '../stream/served-playlist.js';
import { holdUntil } from './held-request.js';
import { preflightHeaders } from './http-policy.js';
import { serveBody, servePlaylist, writeError } from './serve-body.js';

export { PLAYLIST_CONTENT_TYPE } from './serve-body.js';

const FILE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const PLAYLIST_FILE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}\.m3u8$/;

/** What the handler needs of a stream: the Republisher, or an edge worker's replica of it. */
export interface ServableStream {
  /** A playlist by its public name (index.m3u8, media-N.m3u8). */
  playlist(file: string): RenderedPlaylist | undefined;
  lookup(file: string): StoredBody | undefined;
  /** Calls `wake` once at the next change of the playlist or bodies; returns a cancel function. */
  waitForChange(wake: () => void): () => void;
  /** The parts the playlists name in EXT-X-PRELOAD-HINT (held when asked for). */
  preloadHints?(): readonly string[];
}

/** A request for a hinted part waits at most this long (a part is due every PART-TARGET, well under a second). */
const HINT_HOLD_LIMIT_MS = 3000;

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
 *
 * A blocking playlist reload (`_HLS_msn`, `_HLS_part`) that the current
 * playlist does not answer yet, and a request for the part a preload hint
 * names, are held until the stream changes (no I/O, no polling), then
 * answered from what the change made; never longer than the playlist's hold
 * limit (then 503, as RFC 8216bis asks).
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
      res.writeHead(204, preflightHeaders('GET, HEAD, OPTIONS', req.headers['access-control-request-headers'], 'Range'));
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
    if (PLAYLIST_FILE.test(file)) {
      const playlist = stream?.playlist(file);
      if (passMisses && playlist === undefined) return false;
      if (!stream) return notFound(res, metrics);
      if (file === 'index.m3u8') onPlaylistRequest?.({ ip: req.socket.remoteAddress ?? '', userAgent: req.headers['user-agent'] }, name);
      const parsed = parseDirectives(q >= 0 ? url.slice(q + 1) : '');
      if (!parsed.ok) return reject(res, metrics, 'playlist', new SharecastError(ErrorCode.BadRequest, parsed.message));
      answerPlaylist(req, res, { name, file, stream, directives: parsed.directives, metrics });
      return true;
    }
    const body = stream?.lookup(file);
    if (body) {
      answerBody(req, res, name, body, metrics);
      return true;
    }
    const hinted = stream !== undefined && isHinted(stream, file);
    if (passMisses && !hinted) return false;
    if (!stream) return notFound(res, metrics);
    if (!hinted) return reject(res, metrics, 'segment', new SharecastError(ErrorCode.NotFound, `segment "${file}" is not (or no longer) available`));
    // The part a preload hint names: held until it is complete.
    holdUntil(res, {
      stream,
      limitMs: HINT_HOLD_LIMIT_MS,
      ready: () => stream.lookup(file) !== undefined || !isHinted(stream, file),
      answer: () => {
        const now = stream.lookup(file);
        if (now) answerBody(req, res, name, now, metrics);
        else reject(res, metrics, 'segment', new SharecastError(ErrorCode.NotFound, `part "${file}" was never completed`));
      },
      timeout: () => reject(res, metrics, 'segment', new SharecastError(ErrorCode.HoldTimeout, `part "${file}" did not arrive in time`)),
    });
    return true;
  };
}

/** Whether a stream's playlists name `file` as the next part (EXT-X-PRELOAD-HINT). */
function isHinted(stream: ServableStream, file: string): boolean {
  const hints = stream.preloadHints?.();
  return hints !== undefined && hints.includes(file);
}

function answerPlaylist(req: IncomingMessage, res: ServerResponse, o: { name: string; file: string; stream: ServableStream; directives: Directives; metrics: HlsCounters }): void {
  const { name, file, stream, directives, metrics } = o;
  const playlist = stream.playlist(file);
  if (!playlist) {
    reject(res, metrics, 'playlist', new SharecastError(file === 'index.m3u8' ? ErrorCode.StreamOffline : ErrorCode.NotFound, file === 'index.m3u8' ? `stream "${name}" has not started yet` : `no playlist "${file}" in stream "${name}"`));
    return;
  }
  const now = verdict(directives, playlist.edge);
  if (now === 'too-far') {
    reject(res, metrics, 'playlist', new SharecastError(ErrorCode.BadRequest, `_HLS_msn=${directives.msn} is more than two segments past the live edge (${playlist.edge.lastMsn})`));
    return;
  }
  if (now === 'serve') {
    sendPlaylist(req, res, name, variantFor(playlist, directives), metrics);
    return;
  }
  holdUntil(res, {
    stream,
    limitMs: playlist.holdLimitMs,
    ready: () => {
      const p = stream.playlist(file);
      return p === undefined || verdict(directives, p.edge) !== 'hold';
    },
    answer: () => answerPlaylist(req, res, o),
    timeout: () => reject(res, metrics, 'playlist', new SharecastError(ErrorCode.HoldTimeout, `no playlist with _HLS_msn=${directives.msn} came in time`)),
  });
}

/** The form of a playlist version a request asks for: a delta update (_HLS_skip), and shared-cacheable when it was a blocking reload. */
function variantFor(p: RenderedPlaylist, d: Directives): PlaylistBody {
  const blocking = d.msn !== undefined && !p.edge.endList;
  if (d.skip !== undefined && p.delta) return (blocking ? p.deltaBlocking : undefined) ?? p.delta;
  return (blocking ? p.blocking : undefined) ?? p;
}

function sendPlaylist(req: IncomingMessage, res: ServerResponse, name: string, playlist: PlaylistBody, metrics: HlsCounters): void {
  const sent = servePlaylist(req, res, playlist);
  metrics.request('playlist', res.statusCode === 304 ? '3xx' : '2xx');
  if (sent > 0) metrics.served(name, 'playlist', sent);
}

function answerBody(req: IncomingMessage, res: ServerResponse, name: string, body: StoredBody, metrics: HlsCounters): void {
  const sent = serveBody(req, res, body);
  metrics.request('segment', res.statusCode === 304 ? '3xx' : res.statusCode < 300 ? '2xx' : '4xx');
  if (sent > 0) metrics.served(name, 'segment', sent);
}

function notFound(res: ServerResponse, metrics: HlsCounters): true {
  return reject(res, metrics, 'hls', new SharecastError(ErrorCode.NotFound, 'no such stream or file'));
}

function reject(res: ServerResponse, metrics: HlsCounters, route: string, err: SharecastError): true {
  writeError(res, err);
  metrics.request(route, err.code === ErrorCode.HoldTimeout ? '5xx' : '4xx');
  return true;
}
