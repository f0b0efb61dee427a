import { Parser } from 'm3u8-parser';
import { ErrorCode, SharecastError } from '../errors.js';
import type { SourcePlaylist, SourceSegment } from './playlist-model.js';

/** Longest playlist text accepted (a list that grows for hours stays well under this). */
export const MAX_PLAYLIST_BYTES = 8 * 1024 * 1024;

interface ParsedSegment {
  uri?: string;
  duration?: number;
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

function invalid(message: string): never {
  throw new SharecastError(ErrorCode.PlaylistInvalid, message);
}

/**
 * Parses OBS's media playlist text (LF or CRLF, any version) with m3u8-parser.
 * Throws a PlaylistInvalid SharecastError saying what is wrong.
 */
export function parsePlaylist(text: string): SourcePlaylist {
  if (text.length > MAX_PLAYLIST_BYTES) invalid(`playlist is larger than ${MAX_PLAYLIST_BYTES} bytes`);
  const body = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  if (!body.startsWith('#EXTM3U')) invalid('not an HLS playlist: it does not start with #EXTM3U');

  const parser = new Parser();
  parser.push(body);
  parser.end();
  const m = parser.manifest as ParsedManifest;

  if (m.playlists && m.playlists.length > 0) {
    invalid('this is a multivariant (master) playlist; point sharecast at the media playlist OBS writes');
  }
  const untimed = firstUriWithoutExtinf(body);
  if (untimed !== undefined) invalid(`segment "${untimed.slice(0, 200)}" has no #EXTINF duration before it`);
  const raw = m.segments ?? [];
  const segments: SourceSegment[] = [];
  for (const [i, s] of raw.entries()) {
    if (typeof s.uri !== 'string' || s.uri.trim() === '') invalid(`segment ${i} has no URI`);
    if (typeof s.duration !== 'number' || !Number.isFinite(s.duration) || s.duration <= 0) {
      invalid(`segment "${s.uri}" has no valid #EXTINF duration`);
    }
    if (s.byterange !== undefined || s.map?.byterange !== undefined) {
      invalid('byte-range segments (hls_flags single_file) are not supported; let ffmpeg write one file per segment');
    }
    if (s.key?.method !== undefined && s.key.method !== 'NONE') {
      invalid('encrypted segments (EXT-X-KEY) are not supported');
    }
    const seg: SourceSegment = { uri: s.uri.trim(), duration: s.duration, discontinuity: s.discontinuity === true };
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

/**
 * m3u8-parser quietly gives a segment without #EXTINF the target duration;
 * RFC 8216 4.3.2.1 requires the tag, and a guessed duration would be a lie
 * in the relay's playlist.
 */
function firstUriWithoutExtinf(body: string): string | undefined {
  let timed = false;
  for (const raw of body.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#EXTINF')) timed = true;
    else if (!line.startsWith('#')) {
      if (!timed) return line;
      timed = false;
    }
  }
  return undefined;
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
