import { createHash } from 'node:crypto';
import type { PlaylistEdge } from '../hls/blocking-reload.js';
import type { RenditionReport } from '../hls/playlist-model.js';
import { renderMediaPlaylist } from '../hls/render-media-playlist.js';
import { type Timeline } from './timeline.js';
import { edgeOf, mediaPlaylistOf } from './timeline-view.js';

/** One playlist body as served: bytes and headers made once per change, never per request. */
export interface PlaylistBody {
  body: Buffer;
  etag: string;
  cacheControl: string;
  lastModified: string;
}

/** A playlist version in every form a request can ask for. */
export interface RenderedPlaylist extends PlaylistBody {
  /** The answer to a blocking reload (_HLS_msn): the same bytes, cacheable by a shared cache. */
  blocking?: PlaylistBody;
  /** The delta update (_HLS_skip=YES), and its blocking form. */
  delta?: PlaylistBody;
  deltaBlocking?: PlaylistBody;
  /** The live edge this version shows, for blocking reloads. */
  edge: PlaylistEdge;
  /** Longest a request may be held for a later version (ms): 3 target durations. */
  holdLimitMs: number;
  /** Public name of the part EXT-X-PRELOAD-HINT names: a request for it is held until it is complete. */
  preloadHint?: string;
}

/** Blocking-reload answers are unique per version (RFC 8216bis 6.2.5.2): a shared cache may keep them this many target durations. */
const BLOCKING_CACHE_TARGET_DURATIONS = 3;

function playlistBody(text: string, cacheControl: string, lastModified: string): PlaylistBody {
  const body = Buffer.from(text, 'utf8');
  return { body, etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 16)}"`, cacheControl, lastModified };
}

/**
 * Renders the timeline for serving, or undefined while there is nothing to
 * play. `reports` are the other renditions' edges (EXT-X-RENDITION-REPORT).
 * Last-Modified is the render time: it changes whenever the body does (to the
 * second).
 */
export function servedPlaylist(t: Timeline, now: number, reports: readonly RenditionReport[] = []): RenderedPlaylist | undefined {
  const model = mediaPlaylistOf(t, reports);
  const text = renderMediaPlaylist(model);
  if (text === null) return undefined;
  const lastModified = new Date(now).toUTCString();
  const ll = model.lowLatency;
  // RFC 8216 appendix B: cache a live playlist for about half a target duration (and not at all below 2 s, nor with parts).
  const maxAge = ll ? 0 : Math.floor(t.targetDuration / 2);
  const plain = playlistBody(text, maxAge > 0 ? `public, max-age=${maxAge}` : 'no-cache', lastModified);
  const rendered: RenderedPlaylist = { ...plain, edge: edgeOf(t), holdLimitMs: 3 * t.targetDuration * 1000 };
  if (ll) {
    const shared = `public, max-age=${BLOCKING_CACHE_TARGET_DURATIONS * t.targetDuration}`;
    rendered.blocking = { ...plain, cacheControl: shared };
    const delta = playlistBody(renderMediaPlaylist(model, { skip: true }) ?? text, 'no-cache', lastModified);
    rendered.delta = delta;
    rendered.deltaBlocking = { ...delta, cacheControl: shared };
    if (ll.preloadHint !== null) rendered.preloadHint = ll.preloadHint;
  }
  return rendered;
}
