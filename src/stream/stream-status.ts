import type { Source, SourceStatus } from '../ingest/source.js';
import type { Timeline } from './timeline.js';

export interface StreamStatus {
  name: string;
  /** OBS is sending. */
  online: boolean;
  /** The playlist has ended (EXT-X-ENDLIST): a stream that starts again is a new presentation. */
  ended: boolean;
  /** While OBS is away and the playlist goes on with the offline slate: what it shows ('built-in' or the uploaded image); else null. */
  slate: string | null;
  /** ISO time when online last changed. */
  since: string;
  source: { kind: Source['kind']; description: string } & Omit<SourceStatus, 'since'> & { since: string };
  playlistError: { code: string; message: string } | null;
  /**
   * The last segment OBS's playlist listed that the relay did not publish, and
   * why: `code` is an error code (segment_incomplete, source_unavailable,
   * path_outside_source, playlist_invalid…), `segment` the URI as the
   * playlist writes it (cut to 200 characters), `at` an ISO time. Null while
   * every listed segment was published. It stays after the stream recovers:
   * compare `at` with lastSegmentAt.
   */
  lastSkipped: SkippedSegment | null;
  /** How many listed segments were skipped since sharecast started. */
  skippedSegments: number;
  targetDuration: number | null;
  mediaSequence: number;
  discontinuitySequence: number;
  segments: number;
  lastSegmentAt: string | null;
  offlineAfterSeconds: number;
  playlistUrl: string;
}

export interface SkippedSegment {
  code: string;
  message: string;
  segment: string;
  at: string;
}

/** What /api/status says of one stream. */
export function streamStatus(o: {
  name: string;
  timeline: Timeline;
  source: Source;
  playlistError: { code: string; message: string } | null;
  skipped: { last: SkippedSegment | null; count: number };
  offlineAfterSeconds: number;
  slate?: string | null;
}): StreamStatus {
  const t = o.timeline;
  const src = o.source.status();
  return {
    name: o.name,
    online: t.onAir,
    ended: !t.live && t.segments.length > 0,
    slate: t.segments.at(-1)?.slate === true ? (o.slate ?? null) : null,
    since: new Date(t.since).toISOString(),
    source: { kind: o.source.kind, description: o.source.description, ...src, since: new Date(src.since).toISOString() },
    playlistError: o.playlistError,
    lastSkipped: o.skipped.last,
    skippedSegments: o.skipped.count,
    targetDuration: t.targetDuration > 0 ? t.targetDuration : null,
    mediaSequence: t.mediaSequence,
    discontinuitySequence: t.discontinuitySequence,
    segments: t.segments.length,
    lastSegmentAt: t.lastMediaAt === null ? null : new Date(t.lastMediaAt).toISOString(),
    offlineAfterSeconds: o.offlineAfterSeconds,
    playlistUrl: `/hls/${o.name}/index.m3u8`,
  };
}
