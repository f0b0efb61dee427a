import type { PublishedSegment } from '../hls/playlist-model.js';
import { nextMsn, trimWindow, type Timeline, type WindowOptions } from './timeline.js';

/** The offline slate on the timeline, as pure functions (see timeline.ts): OBS away, the playlist open. */

/** An offline slate segment: what the playlist goes on with while OBS is away (see nextSlateDue). */
export interface SlateSegment {
  name: string;
  duration: number;
  /** The slate's own init section (fMP4). */
  mapName?: string;
  byteLength: number;
}

/**
 * Adds an offline slate segment to an open playlist while OBS is away. The
 * first one of a run follows a discontinuity (and the real stream follows
 * one again when it comes back). The target duration stays; onAir does not
 * change. Parts being written are dropped (their segment will never come).
 */
export function appendSlate(t: Timeline, seg: SlateSegment, now: number, opts: WindowOptions): Timeline {
  if (!t.live) throw new Error('a slate segment after EXT-X-ENDLIST');
  const last = t.segments.at(-1);
  const published: PublishedSegment = {
    msn: nextMsn(t),
    name: seg.name,
    duration: seg.duration,
    discontinuity: last?.slate !== true,
    byteLength: seg.byteLength,
    publishedAt: now,
    slate: true,
  };
  if (seg.mapName !== undefined) published.mapName = seg.mapName;
  const next: Timeline = {
    ...t,
    targetDuration: Math.max(t.targetDuration, Math.round(seg.duration), 1),
    segments: [...t.segments, published],
    version: Math.max(t.version, seg.mapName !== undefined ? 6 : 3),
    lastSegmentAt: now,
    parts: t.parts && { ...t.parts, pending: null, preloadHint: null },
  };
  return trimWindow(next, now, opts);
}

export interface SlateOptions {
  /** The slate starts after this many target durations without a segment (RFC 8216: a new one within 1.5 x). */
  slateAfterTargetDurations?: number;
}

/**
 * When the next slate segment is due (ms since the epoch), or null while
 * none is: the playlist must be open and OBS quiet. The first is due 1.5
 * target durations after the last of OBS's segments or parts; each next one
 * when the one before has played.
 */
export function nextSlateDue(t: Timeline, o: SlateOptions = {}): number | null {
  const last = t.segments.at(-1);
  if (!t.live || !last || t.lastSegmentAt === null) return null;
  if (last.slate) return t.lastSegmentAt + last.duration * 1000;
  const quietSince = Math.max(t.lastMediaAt ?? -Infinity, t.parts?.lastPartAt ?? -Infinity, t.lastSegmentAt);
  return quietSince + (o.slateAfterTargetDurations ?? 1.5) * t.targetDuration * 1000;
}

/** OBS went away (it ended its playlist, or went quiet past the offline timeout): offline, with the playlist left open. */
export function goOffAir(t: Timeline, now: number): Timeline {
  return t.onAir ? { ...t, onAir: false, since: now } : t;
}

/** Whether a playlist that OBS left has been open for `endAfterSeconds` since: then it is ended (ENDLIST). */
export function isEndDue(t: Timeline, now: number, endAfterSeconds: number): boolean {
  return t.live && !t.onAir && now - t.since >= endAfterSeconds * 1000;
}
