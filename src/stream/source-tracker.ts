import type { SourcePlaylist, SourceSegment } from './playlist-model.js';

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
  const entries = playlist.segments.map((s, i) => ({ ...s, sourceMsn: playlist.mediaSequence + i }));
  const newest = entries.at(-1);
  const recent = entries.slice(-RECENT_LIMIT).map((e): [number, string] => [e.sourceMsn, e.uri]);

  if (tracker.lastMsn === null && !tracker.primed && tracker.name === null) {
    // First look: baseline only.
    return {
      tracker: { ...tracker, name, lastMsn: newest?.sourceMsn ?? -1, recent, ended: playlist.endList },
      items: [],
      restarted: false,
      ended: playlist.endList,
    };
  }

  const lastMsn = tracker.lastMsn ?? -1;
  const known = new Map(tracker.recent);
  const restarted =
    name !== tracker.name ||
    (newest !== undefined && newest.sourceMsn < lastMsn) ||
    entries.some((e) => known.has(e.sourceMsn) && known.get(e.sourceMsn) !== e.uri);

  let candidates = restarted ? entries : entries.filter((e) => e.sourceMsn > lastMsn);
  const epoch = restarted ? tracker.epoch + 1 : tracker.epoch;
  // After a baseline, the first new segment brings the window before it along.
  const fillWindow = restarted || !tracker.primed;
  if (fillWindow && !restarted && candidates.length > 0) candidates = entries;
  const gap = !restarted && tracker.primed && candidates.length > 0 && (candidates[0]?.sourceMsn ?? 0) > lastMsn + 1;
  const kept = tailWithin(candidates, windowSeconds);
  const dropped = kept.length < candidates.length;

  const items: IngestItem[] = kept.map((e, i) => ({
    ...e,
    epoch,
    discontinuity: e.discontinuity || (i === 0 && (restarted || gap || (dropped && tracker.primed) || tracker.discontinuityPending)),
  }));

  const noNews = items.length === 0 && !restarted;
  return {
    tracker: {
      name,
      lastMsn: restarted || items.length > 0 ? (newest?.sourceMsn ?? -1) : lastMsn,
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

/** The newest entries whose durations add up to at least `seconds` (all of them if they add up to less). */
function tailWithin<T extends { duration: number }>(list: T[], seconds: number): T[] {
  let total = 0;
  let start = list.length;
  while (start > 0 && total < seconds) {
    start -= 1;
    total += list[start]?.duration ?? 0;
  }
  return list.slice(start);
}
