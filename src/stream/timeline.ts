import type { MediaPlaylist, PublishedSegment } from '../hls/playlist-model.js';

/**
 * The relay's own live playlist, as data. Every change is a pure function
 * from one Timeline to the next, so the RFC 8216 rules are tested without I/O:
 * - the media sequence only goes up, by one per segment that leaves;
 * - EXT-X-DISCONTINUITY-SEQUENCE counts the discontinuities that left;
 * - the target duration stays put while live;
 * - the window never holds less than 3 target durations;
 * - a segment that left stays downloadable for its duration plus the longest
 *   playlist duration (RFC 8216 6.2.2).
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
  /** True while new segments arrive. False before the first and after going offline (EXT-X-ENDLIST). */
  live: boolean;
  /** When live last changed, or when the timeline was made. */
  since: number;
  /** When the newest segment became public. */
  lastSegmentAt: number | null;
  /** Longest the playlist has been, in seconds (for how long retired segments stay). */
  longestPlaylistSeconds: number;
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
    since: now,
    lastSegmentAt: null,
    longestPlaylistSeconds: 0,
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
export function appendSegment(t: Timeline, seg: NewSegment, now: number, opts: WindowOptions): Timeline {
  const resuming = !t.live && t.segments.length > 0;
  const needed = Math.max(1, Math.round(seg.duration));
  const targetDuration = t.live && t.targetDuration > 0
    ? Math.max(t.targetDuration, needed)
    : Math.max(t.targetDuration, needed, Math.ceil(seg.sourceTargetDuration));
  const published: PublishedSegment = {
    msn: nextMsn(t),
    name: seg.name,
    duration: seg.duration,
    // A discontinuity before the very first segment of a stream means nothing; an empty window
    // with a media sequence above 0 is a restart of sharecast itself, which breaks the timestamps.
    discontinuity: t.segments.length === 0 && t.retired.length === 0 ? t.mediaSequence > 0 : seg.discontinuity || resuming,
    byteLength: seg.byteLength,
    publishedAt: now,
  };
  if (seg.mapName !== undefined) published.mapName = seg.mapName;
  if (seg.programDateTime !== undefined) published.programDateTime = seg.programDateTime;
  const next: Timeline = {
    ...t,
    targetDuration,
    segments: [...t.segments, published],
    version: Math.max(t.version, seg.sourceVersion ?? 3, seg.mapName !== undefined ? 6 : 3),
    independentSegments: t.segments.length === 0 ? seg.independentSegments : t.independentSegments && seg.independentSegments,
    live: true,
    since: t.live ? t.since : now,
    lastSegmentAt: now,
  };
  return trimWindow(next, now, opts);
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

/** Whether a live stream has gone quiet for too long. */
export function isStale(t: Timeline, now: number, opts: OfflineOptions): boolean {
  return t.live && t.lastSegmentAt !== null && now - t.lastSegmentAt >= offlineTimeoutSeconds(t, opts) * 1000;
}

/** Ends the playlist (EXT-X-ENDLIST). The window stays as it is, so late viewers can still play it out. */
export function goOffline(t: Timeline, now: number): Timeline {
  return t.live ? { ...t, live: false, since: now } : t;
}

/** Every name a viewer may fetch now: the window, then the retired ones. */
export function servableNames(t: Timeline): string[] {
  const names: string[] = [];
  for (const s of t.segments) {
    names.push(s.name);
    if (s.mapName !== undefined) names.push(s.mapName);
  }
  for (const r of t.retired) {
    names.push(r.segment.name);
    if (r.segment.mapName !== undefined) names.push(r.segment.mapName);
  }
  return names;
}

/** The playlist viewers get from this timeline. */
export function mediaPlaylistOf(t: Timeline): MediaPlaylist {
  return {
    version: t.version,
    targetDuration: t.targetDuration,
    mediaSequence: t.mediaSequence,
    discontinuitySequence: t.discontinuitySequence,
    independentSegments: t.independentSegments,
    segments: t.segments,
    endList: !t.live,
  };
}
