import type { Source, SourceStatus } from '../ingest/source.js';
import type { Timeline } from './timeline.js';

export interface StreamStatus {
  name: string;
  online: boolean;
  /** ISO time when online last changed. */
  since: string;
  source: { kind: Source['kind']; description: string } & Omit<SourceStatus, 'since'> & { since: string };
  playlistError: { code: string; message: string } | null;
  targetDuration: number | null;
  mediaSequence: number;
  discontinuitySequence: number;
  segments: number;
  lastSegmentAt: string | null;
  offlineAfterSeconds: number;
  playlistUrl: string;
}

/** What /api/status says of one stream. */
export function streamStatus(o: {
  name: string;
  timeline: Timeline;
  source: Source;
  playlistError: { code: string; message: string } | null;
  offlineAfterSeconds: number;
}): StreamStatus {
  const t = o.timeline;
  const src = o.source.status();
  return {
    name: o.name,
    online: t.live,
    since: new Date(t.since).toISOString(),
    source: { kind: o.source.kind, description: o.source.description, ...src, since: new Date(src.since).toISOString() },
    playlistError: o.playlistError,
    targetDuration: t.targetDuration > 0 ? t.targetDuration : null,
    mediaSequence: t.mediaSequence,
    discontinuitySequence: t.discontinuitySequence,
    segments: t.segments.length,
    lastSegmentAt: t.lastSegmentAt === null ? null : new Date(t.lastSegmentAt).toISOString(),
    offlineAfterSeconds: o.offlineAfterSeconds,
    playlistUrl: `/hls/${o.name}/index.m3u8`,
  };
}
