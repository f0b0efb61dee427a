import type { PendingSegment, PublishedPart } from '../hls/playlist-model.js';
import { drain, leadingDiscontinuity, nextMsn, startsNewPresentation, type Timeline } from './timeline.js';

/** LL-HLS on the timeline: the parts of the segment being written, as pure functions (see timeline.ts). */

/** Turns on LL-HLS parts with this PART-TARGET (seconds). The target never changes after. */
export function enableParts(t: Timeline, partTarget: number): Timeline {
  if (t.parts) return t;
  return { ...t, parts: { partTarget, pending: null, preloadHint: null, lastPartAt: null } };
}

/**
 * Adds a part of the segment being written (the one that will get the next
 * media sequence number). `preloadHint` names the part after it. The first
 * part carries the segment's discontinuity and init section.
 */
export function appendPart(t0: Timeline, part: PublishedPart, o: { discontinuity: boolean; mapName?: string; preloadHint: string | null }, now: number): Timeline {
  if (!t0.parts) throw new Error('parts are not enabled');
  const t = startsNewPresentation(t0) ? drain(t0, now) : t0;
  if (!t.parts) throw new Error('parts are not enabled');
  const msn = nextMsn(t);
  const prev = t.parts.pending?.msn === msn ? t.parts.pending : null;
  const pending: PendingSegment = prev
    ? { ...prev, parts: [...prev.parts, part] }
    : { msn, parts: [part], discontinuity: leadingDiscontinuity(t, o.discontinuity), ...(o.mapName !== undefined ? { mapName: o.mapName } : {}) };
  return { ...t, live: true, onAir: true, since: t.onAir ? t.since : now, parts: { ...t.parts, pending, preloadHint: o.preloadHint, lastPartAt: now } };
}

/** Names the next part (EXT-X-PRELOAD-HINT), or none. */
export function setPreloadHint(t: Timeline, hint: string | null): Timeline {
  if (!t.parts || t.parts.preloadHint === hint) return t;
  return { ...t, parts: { ...t.parts, preloadHint: hint } };
}

/** The parts of the segment being written that are public, in order (empty without parts). */
export function pendingParts(t: Timeline): readonly PublishedPart[] {
  const p = t.parts?.pending;
  return p && p.msn === nextMsn(t) ? p.parts : [];
}
