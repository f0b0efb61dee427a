import type { MediaPlaylist, PublishedPart, PublishedSegment } from './playlist-model.js';

/** EXTINF and part durations with up to 6 decimals, as ffmpeg writes them, without trailing zeros. */
function formatDuration(d: number): string {
  return d.toFixed(6).replace(/\.?0+$/, '');
}

/** A playlist with EXT-X-SKIP needs version 9 (RFC 8216bis 7). */
const DELTA_UPDATE_VERSION = 9;

export interface RenderOptions {
  /** Render the delta update (_HLS_skip=YES): the oldest segments before CAN-SKIP-UNTIL become EXT-X-SKIP. */
  skip?: boolean;
}

/**
 * Writes the relay's media playlist. Returns null while there is nothing to
 * play (no segment yet). Called once per change, never per request.
 *
 * With lowLatency, it also writes the LL-HLS tags (RFC 8216bis): server
 * control, part info, EXT-X-PART for the segments at the live edge and for
 * the one still being written, the preload hint, and the other renditions'
 * reports. Clients without LL support ignore those and see a classic live
 * playlist.
 */
export function renderMediaPlaylist(t: MediaPlaylist, o: RenderOptions = {}): string | null {
  if (t.segments.length === 0) return null;
  const ll = t.lowLatency;
  const skipped = ll && o.skip ? skippable(t, ll.canSkipUntil) : 0;
  const lines = ['#EXTM3U', `#EXT-X-VERSION:${ll ? Math.max(t.version, DELTA_UPDATE_VERSION) : t.version}`, `#EXT-X-TARGETDURATION:${t.targetDuration}`];
  if (ll) {
    lines.push(
      `#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=${formatDuration(ll.canSkipUntil)},PART-HOLD-BACK=${formatDuration(ll.partHoldBack)}`,
      `#EXT-X-PART-INF:PART-TARGET=${formatDuration(ll.partTarget)}`,
    );
  }
  lines.push(`#EXT-X-MEDIA-SEQUENCE:${t.mediaSequence}`, `#EXT-X-DISCONTINUITY-SEQUENCE:${t.discontinuitySequence}`);
  if (t.independentSegments) lines.push('#EXT-X-INDEPENDENT-SEGMENTS');
  if (skipped > 0) lines.push(`#EXT-X-SKIP:SKIPPED-SEGMENTS=${skipped}`);
  // Parts are listed for the last few segments only (RFC 8216bis 6.2.2: none beyond three target durations from the end).
  // After offline slate segments, the parts before them are of no use to a player at the live edge: none are listed.
  const afterSlate = t.segments.findLastIndex((s) => s.slate === true) + 1;
  const partsFrom = ll ? Math.max(0, t.segments.length - ll.partSegments, afterSlate) : t.segments.length;
  let currentMap: string | undefined = skipped > 0 ? t.segments[skipped - 1]?.mapName : undefined;
  const mapLine = (mapName: string | undefined, discontinuity: boolean, first: boolean) => {
    if (mapName !== undefined && (mapName !== currentMap || discontinuity || first)) lines.push(`#EXT-X-MAP:URI="${mapName}"`);
    currentMap = mapName;
  };
  t.segments.forEach((s, i) => {
    if (i < skipped) return;
    if (s.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    mapLine(s.mapName, s.discontinuity, i === skipped && skipped > 0);
    if (s.programDateTime !== undefined) lines.push(`#EXT-X-PROGRAM-DATE-TIME:${s.programDateTime}`);
    if (i >= partsFrom && s.parts) for (const p of s.parts) lines.push(partLine(p));
    lines.push(`#EXTINF:${formatDuration(s.duration)},`, s.name);
  });
  if (ll && !t.endList) {
    const pending = ll.pending;
    if (pending && pending.parts.length > 0) {
      if (pending.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
      mapLine(pending.mapName, pending.discontinuity, false);
      for (const p of pending.parts) lines.push(partLine(p));
    }
    if (ll.preloadHint !== null) lines.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="${ll.preloadHint}"`);
    for (const r of ll.renditionReports) {
      lines.push(`#EXT-X-RENDITION-REPORT:URI="${r.uri}",LAST-MSN=${r.lastMsn}${r.lastPart !== undefined ? `,LAST-PART=${r.lastPart}` : ''}`);
    }
  }
  if (t.endList) lines.push('#EXT-X-ENDLIST');
  return `${lines.join('\n')}\n`;
}

function partLine(p: PublishedPart): string {
  return `#EXT-X-PART:DURATION=${formatDuration(p.duration)},URI="${p.name}"${p.independent ? ',INDEPENDENT=YES' : ''}`;
}

/**
 * How many of the oldest segments a delta update leaves out: those that
 * start more than CAN-SKIP-UNTIL seconds before the end of the playlist
 * (RFC 8216bis 6.2.5.1).
 */
function skippable(t: MediaPlaylist, canSkipUntil: number): number {
  let fromEnd = 0;
  let i = t.segments.length;
  while (i > 0) {
    const next = fromEnd + (t.segments[i - 1] as PublishedSegment).duration;
    if (next > canSkipUntil) break;
    fromEnd = next;
    i -= 1;
  }
  // Segments [0, i) start before the skip boundary.
  return i;
}
