import type { SourcePlaylist, SourceSegment } from '../hls/playlist-model.js';

/**
 * What the relay remembers of OBS's playlist between two versions of it, to
 * tell which segments are new and whether OBS restarted. Pure data.
 */
export interface SourceTracker {
  /** Name of the playlist file last seen; a new name means a new recording. */
  name: string | null;
  /** Source media sequence number of the newest segment already taken, or null before the first. */
  lastMsn: number | null;
  /** Source msn -> URI of the newest segments seen, to recognise a restart that reuses names. */
  recent: Array<[number, string]>;
  /** True once something was taken after the first look (the first look only sets a baseline). */
  primed: boolean;
  /** Whether the last version seen carried EXT-X-ENDLIST. */
  ended: boolean;
  /** Counts OBS (re)starts seen: a new recording, a sequence that went back, reused names. */
  epoch: number;
  /** A restart was seen in a version that listed no segment: the next segment taken starts after a discontinuity. */
  discontinuityPending: boolean;
}

/** A segment the relay should read and publish, in order. */
export interface IngestItem extends SourceSegment {
  /** Media sequence number in OBS's playlist. */
  sourceMsn: number;
  /** The epoch it belongs to (a restart of OBS starts a new one). */
  epoch: number;
  /** The relay must put EXT-X-DISCONTINUITY before it (source tag, restart or gap). */
  discontinuity: boolean;
}

export interface IngestPlan {
  tracker: SourceTracker;
  items: IngestItem[];
  /** OBS restarted (or switched to a new playlist file) since the last version. */
  restarted: boolean;
  /** OBS's playlist is finished (EXT-X-ENDLIST). */
  ended: boolean;
}

const RECENT_LIMIT = 64;

export function newSourceTracker(): SourceTracker {
  return { name: null, lastMsn: null, recent: [], primed: false, ended: false, epoch: 0, discontinuityPending: false };
}

/**
 * Decides which segments of a new version of OBS's playlist are new.
 *
 * - The very first version only sets a baseline: a playlist found on disk may
 *   be hours old, so nothing is published until OBS adds a segment. Then the
 *   newest segments that fill `windowSeconds` are taken, so the relay's
 *   window starts full.
 * - OBS restarted when the playlist's name changed, when its newest media
 *   sequence number went back, or when a number it listed before now names
 *   another file. After a restart every listed segment is new, and the first
 *   one gets a discontinuity.
 * - Segments OBS dropped before the relay saw them (a gap) also get a
 *   discontinuity. Never more than one window's worth is taken at once.
 */
export function planIngest(tracker: SourceTracker, name: string, playlist: SourcePlaylist, windowSeconds: number): IngestPlan {
  // Index arithmetic only: a list that grows for hours (hls_list_size=0) costs one window per version, not its length.
  const segs = playlist.segments;
  const ms = playlist.mediaSequence;
  const n = segs.length;
  const newestMsn = n > 0 ? ms + n - 1 : undefined;
  const recent: Array<[number, string]> = [];
  for (let i = Math.max(0, n - RECENT_LIMIT); i < n; i++) recent.push([ms + i, (segs[i] as SourceSegment).uri]);

  if (tracker.lastMsn === null && !tracker.primed && tracker.name === null) {
    // First look: baseline only.
    return {
      tracker: { ...tracker, name, lastMsn: newestMsn ?? -1, recent, ended: playlist.endList },
      items: [],
      restarted: false,
      ended: playlist.endList,
    };
  }

  const lastMsn = tracker.lastMsn ?? -1;
  const restarted =
    name !== tracker.name ||
    (newestMsn !== undefined && newestMsn < lastMsn) ||
    tracker.recent.some(([msn, uri]) => msn >= ms && msn < ms + n && (segs[msn - ms] as SourceSegment).uri !== uri);

  // Candidates are segs[first..n): everything after a restart, else what follows lastMsn.
  let first = restarted ? 0 : Math.min(n, Math.max(0, lastMsn + 1 - ms));
  const epoch = restarted ? tracker.epoch + 1 : tracker.epoch;
  // After a baseline, the first new segment brings the window before it along.
  if (!restarted && !tracker.primed && first < n) first = 0;
  const gap = !restarted && tracker.primed && first < n && ms + first > lastMsn + 1;
  const kept = tailStart(segs, first, windowSeconds);
  const dropped = kept > first;

  const items: IngestItem[] = [];
  for (let i = kept; i < n; i++) {
    const seg = segs[i] as SourceSegment;
    const leading = i === kept && (restarted || gap || (dropped && tracker.primed) || tracker.discontinuityPending);
    items.push({ ...seg, sourceMsn: ms + i, epoch, discontinuity: seg.discontinuity || leading });
  }

  const noNews = items.length === 0 && !restarted;
  return {
    tracker: {
      name,
      lastMsn: restarted || items.length > 0 ? (newestMsn ?? -1) : lastMsn,
      recent,
      primed: tracker.primed || items.length > 0,
      ended: playlist.endList,
      epoch: noNews ? tracker.epoch : epoch,
      discontinuityPending: items.length === 0 && (restarted || tracker.discontinuityPending),
    },
    items,
    restarted,
    ended: playlist.endList,
  };
}

/** Index of the first of the newest segments in segs[from..] whose durations add up to at least `seconds` (from, if they add up to less). */
function tailStart(segs: readonly SourceSegment[], from: number, seconds: number): number {
  let total = 0;
  let start = segs.length;
  while (start > from && total < seconds) {
    start -= 1;
    total += segs[start]?.duration ?? 0;
  }
  return start;
}
