import type { PendingSegment, PublishedPart, PublishedSegment } from '../hls/playlist-model.js';

/**
 * The relay's own live playlist, as data. Every change is a pure function
 * from one Timeline to the next, so the RFC 8216 rules are tested without I/O:
 * - the media sequence only goes up, by one per segment that leaves;
 * - EXT-X-DISCONTINUITY-SEQUENCE counts the discontinuities that left;
 * - the target duration stays put while live;
 * - the window never holds less than 3 target durations;
 * - a segment that left stays downloadable for its duration plus the longest
 *   playlist duration (RFC 8216 6.2.2);
 * - EXT-X-ENDLIST, once written, is never taken back: a stream that starts
 *   again after it is a new presentation at the same URL (a fresh window,
 *   the sequences moving on).
 *
 * Two things are told apart: whether OBS is sending (`onAir`, what
 * /api/status calls online) and whether the playlist is still open (`live`,
 * no ENDLIST). While OBS is away the playlist can stay open and go on with
 * offline slate segments (appendSlate), so that every player keeps playing
 * and picks the stream up again by itself.
 */
export interface Timeline {
  targetDuration: number;
  /** Media sequence number of the first segment in the window (or of the next one, when empty). */
  mediaSequence: number;
  discontinuitySequence: number;
  segments: PublishedSegment[];
  /** Segments that left the window but must stay downloadable until expiresAt. */
  retired: Array<{ segment: PublishedSegment; expiresAt: number }>;
  /** Highest EXT-X-VERSION seen in the source (at least 3). */
  version: number;
  independentSegments: boolean;
  /** The playlist is open: false before the first segment and after EXT-X-ENDLIST. */
  live: boolean;
  /** OBS is sending: real segments (or parts) arrive. What /api/status calls online. */
  onAir: boolean;
  /** When onAir last changed, or when the timeline was made. */
  since: number;
  /** When the newest segment (real or slate) became public. */
  lastSegmentAt: number | null;
  /** When the newest of OBS's segments or parts became public. */
  lastMediaAt: number | null;
  /** Longest the playlist has been, in seconds (for how long retired segments stay). */
  longestPlaylistSeconds: number;
  /** LL-HLS: set once the stream is published part by part. */
  parts: PartState | null;
}

/** The LL-HLS state of a timeline. */
export interface PartState {
  /** EXT-X-PART-INF:PART-TARGET, fixed once set. */
  partTarget: number;
  /** The segment being written, of which some parts are public. */
  pending: PendingSegment | null;
  /** Public name of the next part (EXT-X-PRELOAD-HINT). */
  preloadHint: string | null;
  /** When the newest part became public. */
  lastPartAt: number | null;
}

export interface WindowOptions {
  /** Wanted window length in seconds; the window never holds less than 3 target durations. */
  windowSeconds: number;
}

export interface OfflineOptions {
  /** Offline after max(3 x target duration, this) seconds without a new segment. */
  offlineAfterSeconds: number;
}

/** A segment ready to publish: what the timeline will know of it, less the number and time it assigns, plus OBS's playlist facts. */
export interface NewSegment extends Omit<PublishedSegment, 'msn' | 'publishedAt'> {
  /** OBS's own target duration, which can be larger than any EXTINF. */
  sourceTargetDuration: number;
  sourceVersion: number | undefined;
  independentSegments: boolean;
}

export function newTimeline(now: number): Timeline {
  return {
    targetDuration: 0,
    mediaSequence: 0,
    discontinuitySequence: 0,
    segments: [],
    retired: [],
    version: 3,
    independentSegments: false,
    live: false,
    onAir: false,
    since: now,
    lastSegmentAt: null,
    lastMediaAt: null,
    longestPlaylistSeconds: 0,
    parts: null,
  };
}

/** Media sequence number the next segment will get. */
export function nextMsn(t: Timeline): number {
  return t.mediaSequence + t.segments.length;
}

function windowSeconds(t: Timeline): number {
  return t.segments.reduce((a, s) => a + s.duration, 0);
}

/**
 * Adds a segment at the live edge. Going from offline to live always puts a
 * discontinuity before it (the media timeline jumped). The target duration is
 * fixed when the stream goes live; it only grows if a segment would otherwise
 * break the EXTINF <= target duration rule (OBS's keyframe interval longer
 * than its hls_time), which hls.js and AVPlayer tolerate better than a lie.
 */
export function appendSegment(t0: Timeline, seg: NewSegment, now: number, opts: WindowOptions): Timeline {
  const t = startsNewPresentation(t0) ? drain(t0, now) : t0;
  const needed = Math.max(1, Math.round(seg.duration));
  const targetDuration = t.live && t.targetDuration > 0
    ? Math.max(t.targetDuration, needed)
    : Math.max(t.targetDuration, needed, Math.ceil(seg.sourceTargetDuration));
  const published: PublishedSegment = {
    msn: nextMsn(t),
    name: seg.name,
    duration: seg.duration,
    discontinuity: t.parts?.pending?.msn === nextMsn(t) ? t.parts.pending.discontinuity : leadingDiscontinuity(t, seg.discontinuity),
    byteLength: seg.byteLength,
    publishedAt: now,
  };
  if (seg.mapName !== undefined) published.mapName = seg.mapName;
  if (seg.programDateTime !== undefined) published.programDateTime = seg.programDateTime;
  if (seg.parts !== undefined && seg.parts.length > 0) published.parts = seg.parts;
  const next: Timeline = {
    ...t,
    targetDuration,
    segments: [...t.segments, published],
    version: Math.max(t.version, seg.sourceVersion ?? 3, seg.mapName !== undefined ? 6 : 3),
    independentSegments: t.segments.length === 0 ? seg.independentSegments : t.independentSegments && seg.independentSegments,
    live: true,
    onAir: true,
    since: t.onAir ? t.since : now,
    lastSegmentAt: now,
    lastMediaAt: now,
    // The segment being written is the one just published: its parts now belong to it.
    parts: t.parts && { ...t.parts, pending: null },
  };
  return trimWindow(next, now, opts);
}

/**
 * Whether the next segment starts a new presentation: the playlist was ended
 * (EXT-X-ENDLIST), which is never taken back (RFC 8216 6.2.1). The old
 * segments leave (still downloadable for their grace period), the media and
 * discontinuity sequences move on past them, and the first new segment sets
 * a fresh target duration: players that load the URL anew play the new run,
 * and the page starts a new player on every comeback.
 */
export function startsNewPresentation(t: Timeline): boolean {
  return !t.live && t.segments.length > 0;
}

/**
 * An ended timeline made ready for a new presentation: every segment retires (still downloadable for its grace
 * period), the media and discontinuity sequences move on past them, and the
 * target duration is free to be set again by the first new segment.
 */
export function drain(t: Timeline, now: number): Timeline {
  const longest = Math.max(t.longestPlaylistSeconds, windowSeconds(t));
  return {
    ...t,
    targetDuration: 0,
    mediaSequence: t.mediaSequence + t.segments.length,
    discontinuitySequence: t.discontinuitySequence + t.segments.filter((s) => s.discontinuity).length,
    segments: [],
    retired: [...t.retired, ...t.segments.map((segment) => ({ segment, expiresAt: now + Math.ceil((segment.duration + longest) * 1000) }))],
    longestPlaylistSeconds: 0,
  };
}

/**
 * Whether the next segment starts after a discontinuity: when asked, and
 * always when the stream comes back after being offline. A discontinuity
 * before the very first segment of a stream means nothing; an empty window
 * with a media sequence above 0 is a restart of sharecast itself, which
 * breaks the timestamps.
 */
export function leadingDiscontinuity(t: Timeline, requested: boolean): boolean {
  if (t.segments.length === 0 && t.retired.length === 0) return t.mediaSequence > 0;
  return requested || !t.live || t.segments.at(-1)?.slate === true;
}

/** Moves the oldest segments out while what stays still covers the window. */
export function trimWindow(t: Timeline, now: number, opts: WindowOptions): Timeline {
  const required = Math.max(3 * t.targetDuration, opts.windowSeconds);
  let total = windowSeconds(t);
  const longest = Math.max(t.longestPlaylistSeconds, total);
  let i = 0;
  let discontinuitiesLeft = 0;
  const retired = [...t.retired];
  while (i < t.segments.length - 1) {
    const first = t.segments[i] as PublishedSegment;
    if (total - first.duration < required) break;
    total -= first.duration;
    if (first.discontinuity) discontinuitiesLeft += 1;
    retired.push({ segment: first, expiresAt: now + Math.ceil((first.duration + longest) * 1000) });
    i += 1;
  }
  if (i === 0) return t.longestPlaylistSeconds === longest ? t : { ...t, longestPlaylistSeconds: longest };
  return {
    ...t,
    segments: t.segments.slice(i),
    mediaSequence: t.mediaSequence + i,
    discontinuitySequence: t.discontinuitySequence + discontinuitiesLeft,
    retired,
    longestPlaylistSeconds: longest,
  };
}

/** Forgets retired segments whose grace period is over. */
export function expireRetired(t: Timeline, now: number): Timeline {
  const kept = t.retired.filter((r) => r.expiresAt > now);
  return kept.length === t.retired.length ? t : { ...t, retired: kept };
}

/** Seconds without a new segment after which a live stream goes offline. */
export function offlineTimeoutSeconds(t: Timeline, opts: OfflineOptions): number {
  return Math.max(3 * t.targetDuration, opts.offlineAfterSeconds);
}

/** Whether OBS has been quiet for too long: no segment or part of its own for the offline timeout. */
export function isStale(t: Timeline, now: number, opts: OfflineOptions): boolean {
  const last = Math.max(t.lastMediaAt ?? -Infinity, t.parts?.lastPartAt ?? -Infinity);
  return t.onAir && Number.isFinite(last) && now - last >= offlineTimeoutSeconds(t, opts) * 1000;
}

/** Ends the playlist (EXT-X-ENDLIST), and the stream is offline. The window stays as it is, so late viewers can still play it out. */
export function goOffline(t: Timeline, now: number): Timeline {
  if (!t.live && !t.onAir) return t;
  return { ...t, live: false, onAir: false, since: t.onAir ? now : t.since, parts: t.parts && { ...t.parts, pending: null, preloadHint: null } };
}

/**
 * Every name a viewer may fetch now, most wanted first (the segment store
 * pins them in this order as far as the cache holds them): the parts being
 * written, the window from its live edge back to its start (each segment's
 * init section before it), then the retired ones, newest first.
 */
export function servableNames(t: Timeline): string[] {
  const names: string[] = [];
  const pending = t.parts?.pending;
  if (pending) {
    if (pending.mapName !== undefined) names.push(pending.mapName);
    for (let i = pending.parts.length - 1; i >= 0; i--) names.push((pending.parts[i] as PublishedPart).name);
  }
  for (let i = t.segments.length - 1; i >= 0; i--) {
    const s = t.segments[i] as PublishedSegment;
    if (s.mapName !== undefined) names.push(s.mapName);
    names.push(s.name);
    if (s.parts) for (const p of s.parts) names.push(p.name);
  }
  for (let i = t.retired.length - 1; i >= 0; i--) {
    const s = (t.retired[i] as Timeline['retired'][number]).segment;
    if (s.mapName !== undefined) names.push(s.mapName);
    names.push(s.name);
  }
  return names;
}
