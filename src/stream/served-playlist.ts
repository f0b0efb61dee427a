import { createHash } from 'node:crypto';
import type { PlaylistEdge } from '../hls/blocking-reload.js';
import { renderMediaPlaylist } from '../hls/render-media-playlist.js';
import { mediaPlaylistOf, type Timeline } from './timeline.js';

/** The relay's playlist as served: bytes and headers made once per change, never per request. */
export interface RenderedPlaylist {
  body: Buffer;
  etag: string;
  cacheControl: string;
  lastModified: string;
  /** The live edge this version shows, for blocking reloads. */
  edge: PlaylistEdge;
  /** Longest a request may be held for a later version (ms): 3 target durations. */
  holdLimitMs: number;
  /** Public name of the part EXT-X-PRELOAD-HINT names: a request for it is held until it is complete. */
  preloadHint?: string;
}

/** Renders the timeline for serving, or undefined while there is nothing to play. */
export function servedPlaylist(t: Timeline, now: number): RenderedPlaylist | undefined {
  const text = renderMediaPlaylist(mediaPlaylistOf(t));
  if (text === null) return undefined;
  const body = Buffer.from(text, 'utf8');
  // RFC 8216 appendix B: cache a live playlist for about half a target duration (and not at all below 2 s).
  const maxAge = Math.floor(t.targetDuration / 2);
  return {
    body,
    etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 16)}"`,
    cacheControl: maxAge > 0 ? `public, max-age=${maxAge}` : 'no-cache',
    lastModified: new Date(t.lastSegmentAt ?? now).toUTCString(),
    edge: {
      lastMsn: t.mediaSequence + t.segments.length - 1,
      lastSegmentParts: 0,
      partsInProgress: 0,
      endList: !t.live,
      canBlockReload: false,
    },
    holdLimitMs: 3 * t.targetDuration * 1000,
  };
}
