import type { MediaPlaylist } from './playlist-model.js';

/** EXTINF durations with up to 6 decimals, as ffmpeg writes them, without trailing zeros. */
function formatDuration(d: number): string {
  return d.toFixed(6).replace(/\.?0+$/, '');
}

/**
 * Writes the relay's media playlist. Returns null while there is nothing to
 * play (no segment yet). Called once per change, never per request.
 */
export function renderMediaPlaylist(t: MediaPlaylist): string | null {
  if (t.segments.length === 0) return null;
  const lines = [
    '#EXTM3U',
    `#EXT-X-VERSION:${t.version}`,
    `#EXT-X-TARGETDURATION:${t.targetDuration}`,
    `#EXT-X-MEDIA-SEQUENCE:${t.mediaSequence}`,
    `#EXT-X-DISCONTINUITY-SEQUENCE:${t.discontinuitySequence}`,
  ];
  if (t.independentSegments) lines.push('#EXT-X-INDEPENDENT-SEGMENTS');
  let currentMap: string | undefined;
  for (const s of t.segments) {
    if (s.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    if (s.mapName !== undefined && (s.mapName !== currentMap || s.discontinuity)) {
      lines.push(`#EXT-X-MAP:URI="${s.mapName}"`);
    }
    currentMap = s.mapName;
    if (s.programDateTime !== undefined) lines.push(`#EXT-X-PROGRAM-DATE-TIME:${s.programDateTime}`);
    lines.push(`#EXTINF:${formatDuration(s.duration)},`, s.name);
  }
  if (t.endList) lines.push('#EXT-X-ENDLIST');
  return `${lines.join('\n')}\n`;
}
