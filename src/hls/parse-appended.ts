import { parsePlaylist } from './parse-playlist.js';
import type { SourcePlaylist } from './playlist-model.js';

export interface ParsedVersion {
  text: string;
  playlist: SourcePlaylist;
}

/**
 * Tags that only stand in a playlist's header (seeing one in the new part
 * means OBS rewrote the header), and tags of a master playlist (which change
 * what the whole text is): either way the text is parsed whole.
 */
const HEADER_TAG = /^#EXT-X-(?:TARGETDURATION|MEDIA-SEQUENCE|DISCONTINUITY-SEQUENCE|VERSION|PLAYLIST-TYPE|INDEPENDENT-SEGMENTS|START|SERVER-CONTROL|STREAM-INF|I-FRAME-STREAM-INF|MEDIA:|SESSION-)/m;

/**
 * Parses a new version of OBS's playlist, reusing the previous version when
 * the new text only adds lines at the end (hls_list_size=0: a list that grows
 * for hours and is rewritten whole for every segment). Then only the new
 * lines are parsed, so each version costs about one segment, not the whole
 * list. Gives exactly what parsePlaylist(text) gives; anything else (a
 * sliding window, a changed header, an ended list) is parsed whole.
 */
export function parseAppended(prev: ParsedVersion | undefined, text: string): SourcePlaylist {
  if (
    prev !== undefined &&
    !prev.playlist.endList &&
    prev.playlist.segments.length > 0 &&
    text.length > prev.text.length &&
    prev.text.endsWith('\n') &&
    endsWithUri(prev.text) &&
    text.startsWith(prev.text)
  ) {
    const added = text.slice(prev.text.length);
    if (!HEADER_TAG.test(added)) {
      const last = prev.playlist.segments.at(-1);
      const head = ['#EXTM3U', `#EXT-X-TARGETDURATION:${prev.playlist.targetDuration}`];
      if (last?.mapUri !== undefined) head.push(`#EXT-X-MAP:URI="${last.mapUri}"`);
      // Lines are named as they stand in the whole text (counted only when a message names one).
      const lineOffset = () => countLines(prev.text) - head.length;
      const part = parsePlaylist(`${head.join('\n')}\n${added}`, { lineOffset });
      return {
        ...prev.playlist,
        targetDuration: Math.max(prev.playlist.targetDuration, part.targetDuration),
        endList: part.endList,
        segments: prev.playlist.segments.concat(part.segments),
      };
    }
  }
  return parsePlaylist(text);
}

/** Line breaks as parsePlaylist counts them: CRLF, LF or a lone CR. */
function countLines(text: string): number {
  return text.match(/\r\n?|\n/g)?.length ?? 0;
}

/**
 * Whether the last line of a playlist is a segment URI: then nothing of the
 * old text (a DISCONTINUITY, a PROGRAM-DATE-TIME, an EXTINF) waits to apply to
 * the lines added after it, and those can be parsed on their own.
 */
function endsWithUri(text: string): boolean {
  let end = text.length;
  while (end > 0 && (text[end - 1] === '\n' || text[end - 1] === '\r' || text[end - 1] === ' ')) end -= 1;
  const start = Math.max(text.lastIndexOf('\n', end - 1), text.lastIndexOf('\r', end - 1)) + 1;
  return end > start && text[start] !== '#';
}
