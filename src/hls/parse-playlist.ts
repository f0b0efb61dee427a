import { Parser } from 'm3u8-parser';
import { ErrorCode, SharecastError, shown } from '../errors.js';
import type { SourcePlaylist, SourceSegment } from './playlist-model.js';

/** Longest playlist text accepted (a list that grows for hours stays well under this). Sources stop reading at it. */
export const MAX_PLAYLIST_BYTES = 8 * 1024 * 1024;

/**
 * Longest EXTINF and EXT-X-TARGETDURATION accepted, in seconds. OBS's
 * segments last a keyframe interval (2 s advised); a minute is far past any
 * real setting, and a larger value would hold the relay's target duration,
 * window and offline timeout (3 target durations) hostage.
 */
export const MAX_SEGMENT_SECONDS = 60;

interface ParsedSegment {
  uri?: string;
  discontinuity?: boolean;
  map?: { uri?: string; byterange?: unknown };
  byterange?: unknown;
  key?: { method?: string };
  dateTimeString?: string;
}

interface ParsedManifest {
  segments?: ParsedSegment[];
  playlists?: unknown[];
  version?: number;
  targetDuration?: number;
  mediaSequence?: number;
  discontinuitySequence?: number;
  independentSegments?: boolean;
  endList?: boolean;
  playlistType?: string;
}

export interface ParseOptions {
  /**
   * Added to every line number in a message: parseAppended parses only the
   * lines a growing list added, and names lines as they stand in the whole
   * text. Called only when a message names a line.
   */
  lineOffset?: () => number;
}

function invalid(message: string): never {
  throw new SharecastError(ErrorCode.PlaylistInvalid, message);
}

/**
 * Parses OBS's media playlist text (LF or CRLF, any version) with
 * m3u8-parser, and checks what m3u8-parser quietly mends by looking at the
 * lines themselves: m3u8-parser reads `#EXTINF:-1.0`, `NaN` or `1e308` as
 * "no duration" (or as 1) and gives such a segment the target duration.
 *
 * Throws a PlaylistInvalid SharecastError saying what is wrong with the
 * playlist as a whole (its header, its kind). A segment whose own EXTINF is
 * nonsense (not a number of seconds, 0, or over MAX_SEGMENT_SECONDS) is kept
 * in place with `invalid` saying why, naming the line: the relay skips it and
 * shows why in /api/status, and relays the others.
 */
export function parsePlaylist(text: string, options: ParseOptions = {}): SourcePlaylist {
  if (text.length > MAX_PLAYLIST_BYTES) invalid(`playlist is larger than ${MAX_PLAYLIST_BYTES} bytes`);
  const body = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  if (!body.startsWith('#EXTM3U')) invalid('not an HLS playlist: it does not start with #EXTM3U');
  const parser = new Parser();
  try {
    parser.push(body);
    parser.end();
  } catch (err) {
    // m3u8-parser throws on some malformed tags (an attribute list item without "=", e.g. a line cut off while written).
    invalid(`a tag m3u8-parser cannot read: ${(err as Error).message.slice(0, 200)}`);
  }
  const m = parser.manifest as ParsedManifest;

  if (m.playlists && m.playlists.length > 0) {
    invalid('this is a multivariant (master) playlist; point sharecast at the media playlist OBS writes');
  }
  const lineName = (i: number) => `line ${i + 1 + (options.lineOffset?.() ?? 0)}`;
  const lines = readLines(body, lineName);
  const raw = m.segments ?? [];
  // Both read one segment per URI line; anything else means the lines were not understood alike.
  if (raw.length !== lines.timed.length) invalid(`the playlist's ${lines.timed.length} segment lines could not be read consistently`);
  const segments: SourceSegment[] = [];
  for (const [i, s] of raw.entries()) {
    const timed = lines.timed[i] as TimedUri;
    if (typeof s.uri !== 'string' || s.uri.trim() === '') invalid(`segment ${i} has no URI`);
    if (s.byterange !== undefined || s.map?.byterange !== undefined) {
      invalid('byte-range segments (hls_flags single_file) are not supported; let ffmpeg write one file per segment');
    }
    if (s.key?.method !== undefined && s.key.method !== 'NONE') {
      invalid('encrypted segments (EXT-X-KEY) are not supported');
    }
    const uri = s.uri.trim();
    const seg: SourceSegment = { uri, duration: timed.problem === undefined ? timed.duration : 0, discontinuity: s.discontinuity === true };
    if (timed.problem !== undefined) seg.invalid = `segment "${shown(uri)}": ${timed.problem}`;
    if (typeof s.map?.uri === 'string' && s.map.uri !== '') seg.mapUri = s.map.uri;
    if (typeof s.dateTimeString === 'string') seg.programDateTime = s.dateTimeString;
    segments.push(seg);
  }
  const maxDuration = segments.reduce((a, s) => Math.max(a, s.duration), 0);
  const declared = typeof m.targetDuration === 'number' && m.targetDuration > 0 ? m.targetDuration : 0;
  const targetDuration = Math.max(declared, Math.round(maxDuration));
  if (targetDuration <= 0) {
    if (segments.length === 0) {
      // ffmpeg writes no playlist before the first segment, but a hand-made empty one is harmless.
      return emptyPlaylist(m);
    }
    invalid('playlist has no #EXT-X-TARGETDURATION');
  }
  return {
    version: typeof m.version === 'number' ? m.version : undefined,
    targetDuration,
    mediaSequence: nonNegativeInt(m.mediaSequence),
    discontinuitySequence: nonNegativeInt(m.discontinuitySequence),
    independentSegments: m.independentSegments === true,
    endList: m.endList === true || m.playlistType === 'VOD',
    segments,
  };
}

/** A URI line and the duration its #EXTINF gives, or why that is no duration. */
interface TimedUri {
  duration: number;
  problem?: string;
}

/** RFC 8216 4.2: decimal-integer or decimal-floating-point (no sign, no exponent). */
const DECIMAL = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/;
const INTEGER = /^[0-9]+$/;

/**
 * The checks m3u8-parser does not make, on the lines as written (each trimmed,
 * as m3u8-parser trims them):
 * - every URI has an #EXTINF before it (m3u8-parser would give it the target
 *   duration: a guessed duration would be a lie in the relay's playlist);
 * - each EXTINF is a number of seconds, above 0 and at most MAX_SEGMENT_SECONDS
 *   (else that segment is marked, not the playlist);
 * - EXT-X-TARGETDURATION, EXT-X-MEDIA-SEQUENCE and EXT-X-DISCONTINUITY-SEQUENCE
 *   are numbers (m3u8-parser reads "-3" as absent and "1e400" as 1), the
 *   target duration at most MAX_SEGMENT_SECONDS.
 */
function readLines(body: string, lineName: (i: number) => string): { timed: TimedUri[] } {
  const timed: TimedUri[] = [];
  let extinf: { index: number; line: string } | undefined;
  const all = body.split('\n');
  for (let i = 0; i < all.length; i++) {
    const line = (all[i] as string).trim();
    if (line === '') continue;
    if (!line.startsWith('#')) {
      if (extinf === undefined) invalid(`${lineName(i)}: segment "${shown(line)}" has no #EXTINF duration before it`);
      timed.push(durationOf(extinf.line, lineName(extinf.index)));
      extinf = undefined;
    } else if (line.startsWith('#EXTINF')) {
      extinf = { index: i, line };
    } else if (line.startsWith('#EXT-X-TARGETDURATION:')) {
      const value = line.slice('#EXT-X-TARGETDURATION:'.length).trim();
      if (!DECIMAL.test(value)) invalid(`${lineName(i)}: "${shown(line, 80)}" is not a number of seconds`);
      if (Number(value) > MAX_SEGMENT_SECONDS) invalid(`${lineName(i)}: "${shown(line, 80)}" is more than the ${MAX_SEGMENT_SECONDS} s a segment may last`);
    } else if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:') || line.startsWith('#EXT-X-DISCONTINUITY-SEQUENCE:')) {
      const value = line.slice(line.indexOf(':') + 1).trim();
      if (!INTEGER.test(value) || !Number.isSafeInteger(Number(value))) invalid(`${lineName(i)}: "${shown(line, 80)}" is not a sequence number`);
    }
  }
  return { timed };
}

/** The duration an #EXTINF line gives, or why it gives none. */
function durationOf(line: string, where: string): TimedUri {
  const rest = line.startsWith('#EXTINF:') ? line.slice('#EXTINF:'.length) : null;
  const value = rest === null ? '' : (rest.split(',')[0] ?? '').trim();
  const quoted = `"${shown(line, 80)}"`;
  if (!DECIMAL.test(value)) return { duration: 0, problem: `${where}: ${quoted} is not a duration (a number of seconds, like 2.000000)` };
  const duration = Number(value);
  if (!(duration > 0)) return { duration: 0, problem: `${where}: ${quoted} is a duration of 0 seconds` };
  if (duration > MAX_SEGMENT_SECONDS) return { duration: 0, problem: `${where}: ${quoted} is longer than the ${MAX_SEGMENT_SECONDS} s a segment may last` };
  return { duration };
}

function nonNegativeInt(v: unknown): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : 0;
}

function emptyPlaylist(m: ParsedManifest): SourcePlaylist {
  return {
    version: typeof m.version === 'number' ? m.version : undefined,
    targetDuration: 0,
    mediaSequence: nonNegativeInt(m.mediaSequence),
    discontinuitySequence: nonNegativeInt(m.discontinuitySequence),
    independentSegments: m.independentSegments === true,
    endList: m.endList === true,
    segments: [],
  };
}
