import { createHash } from 'node:crypto';
import { renderPlaylist } from './render-playlist.js';
import type { Timeline } from './timeline.js';

/** The relay's playlist as served: bytes and headers made once per change, never per request. */
export interface RenderedPlaylist {
  body: Buffer;
  etag: string;
  cacheControl: string;
  lastModified: string;
}

/** Renders the timeline for serving, or undefined while there is nothing to play. */
export function servedPlaylist(t: Timeline, now: number): RenderedPlaylist | undefined {
  const text = renderPlaylist(t);
  if (text === null) return undefined;
  const body = Buffer.from(text, 'utf8');
  // RFC 8216 appendix B: cache a live playlist for about half a target duration (and not at all below 2 s).
  const maxAge = Math.floor(t.targetDuration / 2);
  return {
    body,
    etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 16)}"`,
    cacheControl: maxAge > 0 ? `public, max-age=${maxAge}` : 'no-cache',
    lastModified: new Date(t.lastSegmentAt ?? now).toUTCString(),
  };
}
