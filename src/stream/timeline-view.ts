import type { PlaylistEdge } from '../hls/blocking-reload.js';
import type { LowLatency, MediaPlaylist, RenditionReport } from '../hls/playlist-model.js';
import { pendingParts } from './timeline-parts.js';
import { nextMsn, type Timeline } from './timeline.js';

/** What a timeline looks like from outside: the playlist model to render, its live edge, its rendition report. */

/** Where this timeline's live edge stands, for blocking reloads and rendition reports. */
export function edgeOf(t: Timeline): PlaylistEdge {
  return {
    lastMsn: t.mediaSequence + t.segments.length - 1,
    lastSegmentParts: t.segments.at(-1)?.parts?.length ?? 0,
    partsInProgress: pendingParts(t).length,
    endList: !t.live,
    canBlockReload: t.parts !== null,
  };
}

/** This timeline as another rendition's EXT-X-RENDITION-REPORT (RFC 8216bis 4.4.5.4). */
export function reportOf(t: Timeline, uri: string): RenditionReport {
  const e = edgeOf(t);
  if (e.partsInProgress > 0) return { uri, lastMsn: e.lastMsn + 1, lastPart: e.partsInProgress - 1 };
  return e.lastSegmentParts > 0 ? { uri, lastMsn: e.lastMsn, lastPart: e.lastSegmentParts - 1 } : { uri, lastMsn: e.lastMsn };
}

/**
 * Parts are listed for the last two complete segments and the one being
 * written, as gohlslib does: well inside RFC 8216bis 6.2.2's three target
 * durations, however long the segments are.
 */
const PART_SEGMENTS = 2;

/** The playlist viewers get from this timeline; `reports` are the other renditions' edges. */
export function mediaPlaylistOf(t: Timeline, reports: readonly RenditionReport[] = []): MediaPlaylist {
  const p: MediaPlaylist = {
    version: t.version,
    targetDuration: t.targetDuration,
    mediaSequence: t.mediaSequence,
    discontinuitySequence: t.discontinuitySequence,
    independentSegments: t.independentSegments,
    segments: t.segments,
    endList: !t.live,
  };
  if (t.parts) {
    const ll: LowLatency = {
      partTarget: t.parts.partTarget,
      partHoldBack: 3 * t.parts.partTarget,
      canSkipUntil: 6 * t.targetDuration,
      partSegments: PART_SEGMENTS,
      pending: t.parts.pending && t.parts.pending.msn === nextMsn(t) ? t.parts.pending : null,
      preloadHint: t.parts.preloadHint,
      renditionReports: reports,
    };
    p.lowLatency = ll;
  }
  return p;
}
